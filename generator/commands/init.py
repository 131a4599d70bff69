"""`insigne init DIR`: a new association's project, ready to build."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from generator.console import Console
from generator.errors import InsigneError, Problem
from generator.fields import is_http_url
from generator.keys import ED25519, RSA, KeyRing
from generator.recipients import is_valid_email, normalise_email
from generator.scaffold import ProjectAnswers, project_files, write_new_files
from generator.siteconfig import LANGUAGE_RE, check_base_url, normalise_base_url

EXAMPLES = """examples:
  insigne init my-badges              answer a few questions (Enter keeps the default)
  insigne init my-badges --yes --name "Fablab de Nantes" --email badges@fablab.example \\
      --url https://fablab.example/ --base-url https://badges.fablab.example/ --language fr
"""

Check = Callable[[str], str | None]  # None when the answer is fine, else what is wrong


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help="create a new project (content, first badge, deploy recipes)",
        description=(
            "Create a new Insigne project in DIR: content/site.yaml, a first badge with a "
            "placeholder image, an example award file, .gitignore, and the deploy recipes for "
            "GitHub Pages (.github/workflows/badges.yml) and Netlify (netlify.toml). It builds "
            "as is with 'insigne build'; the template texts must be replaced before a deploy "
            "build ('insigne build --locked') accepts them."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dir", type=Path, metavar="DIR", help="the project folder to create")
    parser.add_argument("-y", "--yes", action="store_true", help="ask nothing, use the defaults")
    parser.add_argument("--name", help="the association's name")
    parser.add_argument("--url", help="the association's web site")
    parser.add_argument("--email", help="contact email of the issuer")
    parser.add_argument("--base-url", help="where the badges site will be published")
    parser.add_argument("--language", help="language of the content (BCP 47, e.g. en, fr)")
    parser.add_argument(
        "--no-keys",
        dest="keys",
        action="store_false",
        help="do not create the issuer's signing keys (then: insigne keys new)",
    )
    parser.set_defaults(func=run)


def _check_url(value: str) -> str | None:
    return None if is_http_url(value) else "an absolute http(s) URL, e.g. https://example.org/"


def _check_email(value: str) -> str | None:
    return None if is_valid_email(normalise_email(value)) else "an email address"


def _check_language(value: str) -> str | None:
    return None if LANGUAGE_RE.fullmatch(value) else "a language tag such as en, fr or fr-BE"


def _check_name(value: str) -> str | None:
    return None if value.strip() else "a name"


def ask(question: str, default: str, check: Check, interactive: bool) -> str:
    if not interactive:
        trouble = check(default)
        if trouble:
            raise InsigneError(Problem(None, f"{question}: {default!r} is not {trouble}"))
        return default
    while True:
        try:
            answer = input(f"{question} [{default}]: ").strip() or default
        except EOFError:  # stdin closed (a script without --yes): keep the default
            print(file=sys.stderr)
            answer = default
            interactive = False
        trouble = check(answer)
        if not trouble:
            return answer
        if not interactive:
            raise InsigneError(Problem(None, f"{question}: {answer!r} is not {trouble}"))
        print(f"  please give {trouble}", file=sys.stderr)


def run(args: argparse.Namespace, console: Console) -> int:
    root: Path = args.dir
    if (root / "content").exists():
        raise InsigneError(
            Problem(
                root / "content",
                "this folder already holds an Insigne project",
                hint="choose a new folder name",
            )
        )
    defaults = ProjectAnswers()
    interactive = not args.yes

    def check_base(value: str) -> str | None:
        return "an absolute http(s) URL without ? or #" if check_base_url(value) else None

    # The address first: it is the one answer that ends up in every badge and credential.
    # It can still change later (keys do not depend on it), but the placeholder never deploys.
    if interactive and not args.base_url:
        print(
            "Where will the badges site be published? e.g. https://badges.your-association.org/\n"
            "  (Enter keeps the placeholder; set base_url in content/site.yaml before deploying)",
            file=sys.stderr,
        )
    base_url = ask(
        "Badge site address (base_url)",
        args.base_url or defaults.base_url,
        check_base,
        interactive,
    )
    name = ask("Association name", args.name or defaults.name, _check_name, interactive)
    url = ask("Association web site", args.url or defaults.url, _check_url, interactive)
    email = ask("Issuer contact email", args.email or defaults.email, _check_email, interactive)
    language = ask(
        "Content language", args.language or defaults.language, _check_language, interactive
    )
    answers = ProjectAnswers(name.strip(), url, email, normalise_base_url(base_url), language)
    written = write_new_files(root, project_files(answers))
    for path in written:
        console.debug(f"created {path}")
    if args.keys:
        # Keys from day one: every award is then also a signed Open Badges 3.0 credential.
        ring = KeyRing.load(root / "content")
        for kind in (RSA, ED25519):
            public, private_path = ring.add_new(kind, date.today())
            console.info(f"created {kind} key {public.id}; private key: {private_path}")
        console.info("back up the private keys and never commit them (see README, 'Keys')")
    address = (
        "  edit content/site.yaml: base_url is a placeholder, set the site's real address\n"
        if answers.base_url == ProjectAnswers.base_url
        else ""
    )
    console.info(
        f"created {root}/ ({len(written)} files). Next:\n"
        f"  cd {root}\n"
        f"{address}"
        "  edit the issuer's description in content/site.yaml and the badges in content/badges/\n"
        "  insigne serve          preview on http://127.0.0.1:8000/ while you edit\n"
        "  insigne new badge SLUG add a badge; insigne award SLUG EMAIL... awards it\n"
        "  git init && git add . && git commit -m 'New badges site'\n"
        "  deploy: .github/workflows/badges.yml (GitHub Pages), netlify.toml, or another host:\n"
        "          insigne recipe"
    )
    return 0
