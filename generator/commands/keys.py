"""`insigne keys`: create and list the issuer's signing keys."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from generator.commands import add_content_argument
from generator.console import Console
from generator.errors import InsigneError, Problem
from generator.keys import ED25519, RSA, KeyRing
from generator.lock import holding
from generator.siteconfig import load_site

EXAMPLES = """examples:
  insigne keys new                  an RSA key (Open Badges 2.0) and an Ed25519 key (3.0)
  insigne keys new --type ed25519   only a new Ed25519 key (rotation: the old one stays published)
  insigne keys list                 the public keys in content/keys.json, and which are at hand
  INSIGNE_KEY_DIR=/secure/dir insigne keys new   keep the private keys elsewhere
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="create or list the issuer's signing keys",
        description="Create or list the issuer's keys. Public keys go to content/keys.json "
        "(commit it); private keys go to $INSIGNE_KEY_DIR or ~/.config/insigne/keys/ "
        "and must never be committed.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=["new", "list"])
    add_content_argument(parser)
    parser.add_argument(
        "--type",
        choices=["both", "rsa", "ed25519"],
        default="both",
        help="which key to create (default: both)",
    )
    parser.set_defaults(func=run)


def _keyring(content: Path) -> KeyRing:
    site, problems = load_site(content.resolve())
    problems.raise_if_any()
    if site is None:
        raise InsigneError(Problem(content / "site.yaml", "site.yaml is incomplete"))
    return KeyRing.load(site.content_dir)


def run(args: argparse.Namespace, console: Console) -> int:
    if args.action == "new":
        # keys.json is content state a build reads: never rewritten while a build runs.
        with holding([args.content.resolve()], console.notice):
            return _run(args, console)
    return _run(args, console)


def _run(args: argparse.Namespace, console: Console) -> int:
    ring = _keyring(args.content)
    if args.action == "list":
        if not ring.keys:
            console.info("no keys yet: create them with 'insigne keys new'")
        for key in ring.keys:
            private = ring.private(key)
            state = "private key available" if private else "public only"
            signing = " (signs new documents)" if ring.active(key.type) == key else ""
            console.info(f"{key.id}  {key.type:8} created {key.created}  {state}{signing}")
        return 0
    kinds = {"both": [RSA, ED25519], "rsa": [RSA], "ed25519": [ED25519]}[args.type]
    for kind in kinds:
        public, private_path = ring.add_new(kind, date.today())
        console.info(f"created {kind} key {public.id}; private key: {private_path} (mode 0600)")
    console.info(
        f"public keys are in {ring.path}: commit it. Back up the private keys; never commit them."
    )
    return 0
