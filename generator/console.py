"""What the CLI prints, and how loudly (--quiet, --verbose)."""

from __future__ import annotations

import sys


class Console:
    def __init__(self, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet = quiet
        self.verbose = verbose

    def info(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stdout, flush=True)

    def debug(self, message: str) -> None:
        if self.verbose:
            print(message, file=sys.stderr, flush=True)

    def notice(self, message: str) -> None:
        if not self.quiet:
            print(f"note: {message}", file=sys.stderr, flush=True)

    def error(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)
