"""`insigne new badge <slug>`: a badge file from a template, with a placeholder PNG image."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.badges import SLUG_RE
from generator.commands import add_content_argument
from generator.console import Console
from generator.errors import InsigneError, Problem
from generator.scaffold import badge_files, write_new_files

EXAMPLES = """examples:
  insigne new badge soldering                 content/badges/soldering.md + images/soldering.png
  insigne new badge repair-cafe --name "Repair café volunteer"
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "new",
        help="create a new badge from a template",
        description=(
            "Create content/badges/<slug>.md from a template and a placeholder PNG image in "
            "content/images/<slug>.png. Replace the image with your own (PNG or SVG) and write "
            "the criteria."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", choices=["badge"], help="what to create (only 'badge' for now)")
    parser.add_argument("slug", help="the badge's file name and URL part: a-z, 0-9 and dashes")
    parser.add_argument("--name", help="the badge's display name (default: from the slug)")
    add_content_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, console: Console) -> int:
    slug: str = args.slug
    content: Path = args.content
    if not SLUG_RE.fullmatch(slug):
        raise InsigneError(
            Problem(
                None,
                f"{slug!r} is not a valid badge slug",
                hint="use lowercase letters, digits and dashes, starting with a letter or "
                "digit, e.g. 'project-management'",
            )
        )
    if not (content / "site.yaml").is_file():
        raise InsigneError(
            Problem(
                content,
                "no site.yaml here: this is not a content folder",
                hint="run from your project folder, pass --content DIR, or run 'insigne init'",
            )
        )
    if (content / "badges" / f"{slug}.md").exists():
        raise InsigneError(
            Problem(
                content / "badges" / f"{slug}.md",
                f"badge {slug!r} already exists",
                hint="choose another slug, or edit the existing file",
            )
        )
    name = args.name or slug.replace("-", " ").capitalize()
    written = write_new_files(content, badge_files(slug, name))
    for path in written:
        console.info(f"created {path}")
    return 0
