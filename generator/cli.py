"""The `insigne` command line: parse arguments, dispatch, turn failures into clear messages."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from generator import __version__
from generator.commands import award as award_command
from generator.commands import build as build_command
from generator.commands import check as check_command
from generator.commands import init as init_command
from generator.commands import keys as keys_command
from generator.commands import new as new_command
from generator.commands import revoke as revoke_command
from generator.commands import serve as serve_command
from generator.commands import verify as verify_command
from generator.console import Console
from generator.errors import InsigneError

# Each command module registers its own parser; add new commands here.
COMMANDS = [
    build_command,
    check_command,
    init_command,
    new_command,
    award_command,
    serve_command,
    revoke_command,
    verify_command,
    keys_command,
]


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="insigne",
        description="Issue Open Badges from files in git: build a static site of badges.",
    )
    parser.add_argument("--version", action="version", version=f"insigne {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    # People type `insigne build -q` as often as `insigne -q build`: accept both.
    for command in subparsers.choices.values():
        command.add_argument(
            "-q",
            "--quiet",
            action="store_true",
            default=argparse.SUPPRESS,
            help="print only errors",
        )
        command.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help="print more detail",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    console = Console(quiet=args.quiet, verbose=args.verbose)
    try:
        return int(args.func(args, console) or 0)
    except InsigneError as exc:
        root = getattr(args, "content", None)
        count = len(exc.problems)
        console.error(exc.format(Path(root) if root else None))
        if count > 1:
            console.error(f"{count} problems found; nothing was written.")
        return 1
    except KeyboardInterrupt:
        console.error("interrupted")
        return 130
    except OSError as exc:
        # Disk full, permissions, a folder in the way: say what and where, without a traceback.
        console.error(f"error: {exc.strerror or exc} ({exc.filename or ''})".rstrip(" ()"))
        return 1


if __name__ == "__main__":
    sys.exit(main())
