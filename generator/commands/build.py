"""`insigne build`: build the site from the content folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.build import BuildOptions, build
from generator.commands import add_content_argument
from generator.console import Console
from generator.progress import Progress

EXAMPLES = """examples:
  insigne build                               build content/ into output/
  insigne build --base-url http://127.0.0.1:8000/   build for a local preview
  insigne build --locked                      fail if new awards have no id in the ledger (CI)
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "build",
        help="build the static site into output/",
        description="Build the Open Badges site from the content folder into the output folder.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_build_arguments(parser)
    parser.set_defaults(func=run)


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    add_content_argument(parser)
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("output"),
        metavar="DIR",
        help="output folder (default: output)",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="publish for this URL instead of site.yaml's base_url"
    )
    parser.add_argument(
        "--locked",
        action="store_true",
        help="fail instead of recording new awards in the ledger (for CI/deploys)",
    )
    parser.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="skip the self-check of the built site (insigne verify) before it goes live",
    )


def options_from(args: argparse.Namespace) -> BuildOptions:
    return BuildOptions(
        content_dir=args.content,
        output_dir=args.output,
        base_url=args.base_url,
        locked=args.locked,
        verify=getattr(args, "verify", True),
    )


def run(args: argparse.Namespace, console: Console) -> int:
    options = options_from(args)
    progress = Progress(enabled=not console.quiet)
    options.progress = progress.update
    options.waiting = console.notice
    try:
        result = build(options)
    finally:
        progress.finish()
    if console.verbose:
        for rel in result.stats.written_paths:
            console.debug(f"wrote {rel}")
    for notice in result.notices:
        console.notice(notice)
    if result.ledger_updated:
        console.notice(
            f"recorded new awards in {args.content / 'ledger.json'}: commit it with "
            "the content, it keeps their ids and salts stable"
        )
    console.info(f"built {args.output}: {result.summary()}")
    return 0
