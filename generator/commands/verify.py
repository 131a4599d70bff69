"""`insigne verify`: check a built output folder offline, or one hosted badge over the network."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.console import Console
from generator.errors import InsigneError

EXAMPLES = """examples:
  insigne verify                         check output/ (what the build does at its end)
  insigne verify public/                 check another built folder
  insigne verify https://badges.example.org/assertions/5ucxwabqdt.json --email ada@example.org
  insigne verify Downloads/badge.png --email ada@example.org
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify a built site offline, or one published badge over the network",
        description=(
            "With a folder (default: output): check the whole built site offline, as a "
            "verifier would, and for leaks (plaintext emails, private keys). With a URL or a "
            "baked image file: fetch the assertion, its badge class, issuer and revocation "
            "list like a backpack does, and report."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "target",
        nargs="?",
        default="output",
        metavar="OUTPUT_DIR|URL|FILE",
        help="a built folder (default: output), an assertion URL, or a baked PNG/SVG",
    )
    parser.add_argument("--email", help="recipient email the badge must have been issued to")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, console: Console) -> int:
    target: str = args.target
    if target.startswith(("http://", "https://")) or Path(target).is_file():
        from generator.remote_verify import verify_badge

        result = verify_badge(target, args.email)
        for line in result.lines():
            console.info(line)
        console.info(result.verdict())
        return 0 if result.valid else 1
    from generator.selfcheck import check_tree

    if not Path(target).is_dir():
        raise InsigneError(
            f"{target}: no such folder, URL or file (build first, or give an assertion URL)"
        )
    report = check_tree(Path(target))
    for problem in report.problems:
        console.error(problem)
    console.info(f"verified {target}: {report.summary()}")
    return 0 if report.ok else 1
