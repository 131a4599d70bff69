"""`insigne check`: validate all content without building (fast enough for a pre-commit hook)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from generator.commands import add_content_argument
from generator.console import Console
from generator.content import load_model
from generator.theme import Theme

EXAMPLES = """examples:
  insigne check                       check content/ (exit 1 and every problem if any)
  insigne check --content other/      check another content folder

pre-commit (.pre-commit-config.yaml):
  - repo: local
    hooks:
      - id: insigne-check
        name: insigne check
        entry: insigne check
        language: system
        pass_filenames: false
        files: ^(content|themes)/
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate the content without building",
        description=(
            "Read and validate site.yaml, every badge and every award file, as a build would, "
            "without writing anything (not even the ledger)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_content_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, console: Console) -> int:
    started = time.perf_counter()
    content_dir: Path = args.content.resolve()
    # load_model only changes the ledger in memory; saving it is the build's job, so nothing
    # here can touch content/ledger.json.
    # The output beside the content, where builds usually go: its awards must be in the ledger.
    loaded = load_model(content_dir, previous_output=content_dir.parent / "output")
    Theme(content_dir.parent, loaded.model.site.theme)
    for notice in loaded.notices:
        console.notice(notice)
    model = loaded.model
    new = len(loaded.ledger.new_ids)
    pending = f"; {new} new award(s) will get an id at the next build" if new else ""
    console.info(
        f"content OK: {len(model.badges)} badges, {len(model.awards)} awards"
        f"{pending} ({time.perf_counter() - started:.2f} s)"
    )
    return 0
