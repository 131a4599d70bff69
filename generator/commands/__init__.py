"""One module per CLI command, each with `register(subparsers)` setting `func=run`."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_content_argument(parser: argparse.ArgumentParser) -> None:
    """`--content DIR`, which every command that reads the content takes the same way."""
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("content"),
        metavar="DIR",
        help="content folder (default: content)",
    )
