"""The `insigne` command line: parse arguments, dispatch, turn failures into clear messages."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from generator import __version__
from generator.console import Console
from generator.errors import InsigneError

# Each command is the module generator/commands/<name>.py, which registers its own parser
# (`register(subparsers)`); add new commands here. Modules are imported only when needed:
# `insigne build` imports the build command alone (importing all of them took about a third
# of a no-change rebuild), help and errors import them all.
COMMANDS = [
    "build",
    "check",
    "init",
    "new",
    "award",
    "serve",
    "revoke",
    "verify",
    "keys",
    "recipe",
    "ledger",
]


def _command_in(argv: Sequence[str]) -> str | None:
    """The command named on the line (top-level options take no value), if it is one of ours."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def make_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser for every command, or for the command `only` alone (when it is named)."""
    parser = argparse.ArgumentParser(
        prog="insigne",
        description="Issue Open Badges from files in git: build a static site of badges.",
    )
    parser.add_argument("--version", action="version", version=f"insigne {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if only is None or name == only:
            importlib.import_module(f"generator.commands.{name}").register(subparsers)
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


def _not_utf8(arg: str) -> bool:
    """An argument with bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    line = sys.argv[1:] if argv is None else list(argv)
    for arg in line:
        if _not_utf8(arg):
            # Every argument ends up in a file, a message or a URL, all UTF-8: refuse it here
            # rather than fail half-way.
            Console().error(
                f"error: the argument {ascii(arg)} is not UTF-8 text\n"
                "    fix: retype it, or rename the file so that its name is UTF-8"
            )
            return 1
    parser = make_parser(_command_in(line))
    args = parser.parse_args(line)
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


def run() -> NoReturn:
    """The console script: `main`, then an exit without the interpreter's teardown.

    After a build, the interpreter would free its objects one by one (hundreds of thousands
    for 10,000 awards: 60-80 ms, a tenth of a small rebuild) for memory the system takes back
    at once. Every file Insigne writes is closed by then; only the standard streams are
    flushed. An exception `main` does not handle still gets the usual traceback and exit.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (insigne ... | head): nothing to lose
            code = code or 1
    os._exit(code)


if __name__ == "__main__":
    run()
