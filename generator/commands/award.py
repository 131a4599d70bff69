"""`insigne award <slug> EMAIL... | --csv FILE`: add recipients to an award file."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path

from generator.awardfile import apply, plan_append
from generator.commands import add_content_argument
from generator.console import Console
from generator.content import load_model
from generator.csvimport import (
    AwardRow,
    BadDate,
    CsvError,
    check_rows,
    parse_date,
    read_csv,
    read_csv_file,
)
from generator.errors import InsigneError, Problem
from generator.fields import is_http_url
from generator.lock import holding

EXAMPLES = """examples:
  insigne award soldering alice@example.org bob@example.org
  insigne award soldering carol@example.org --date 2025-03-14 --evidence https://example.org/x
  insigne award soldering --csv members.csv          import a spreadsheet export
  insigne award soldering --csv members.csv --skip-bad --dry-run

CSV columns (header row, in any order; English or French names, ',' or ';' separated):
  email (courriel, e-mail, mail)   required
  name (nom, or prénom + nom)      optional, shown on the award page if public
  date (date d'obtention)          YYYY-MM-DD or DD/MM/YYYY; default --date, else today
  evidence (preuve, lien)          an http(s) URL
  narrative (récit, commentaire)   free text
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "award",
        help="award a badge to people (emails or a CSV export)",
        description=(
            "Append recipients to content/awards/<slug>.yaml (created if missing), keeping the "
            "rest of the file as written. Nothing is written if any recipient is rejected, "
            "unless --skip-bad. The content is checked again after writing."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("slug", help="the badge to award (its file name without .md)")
    parser.add_argument("emails", nargs="*", metavar="EMAIL", help="recipients' emails")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="import recipients from a CSV")
    parser.add_argument("--date", metavar="DATE", help="issue date (default: today)")
    parser.add_argument("--evidence", metavar="URL", help="evidence URL for these recipients")
    parser.add_argument(
        "--file", type=Path, metavar="FILE", help="award file to append to (under content/awards/)"
    )
    parser.add_argument(
        "--skip-bad", action="store_true", help="write the good rows even if some are rejected"
    )
    parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    add_content_argument(parser)
    parser.set_defaults(func=run)


def _target(args: argparse.Namespace, content_dir: Path) -> Path:
    awards_dir = content_dir / "awards"
    if args.file is None:
        return awards_dir / f"{args.slug}.yaml"
    path = args.file.resolve()
    if awards_dir.resolve() not in path.parents or path.suffix not in (".yaml", ".yml"):
        raise InsigneError(
            Problem(
                args.file,
                "--file must be a .yaml file inside the content's awards/ folder",
                hint=f"e.g. --file {awards_dir / (args.slug + '-2025.yaml')}",
            )
        )
    return path


def run(args: argparse.Namespace, console: Console) -> int:
    content_dir: Path = args.content.resolve()
    if bool(args.emails) == bool(args.csv):
        raise InsigneError("give either emails or --csv FILE (see insigne award --help)")
    if args.evidence and not is_http_url(args.evidence):
        raise InsigneError(f"--evidence {args.evidence!r} is not an absolute http(s) URL")
    # Read, edit and check again with no other writer of the project in between.
    with holding([content_dir], console.notice):
        return _award(args, content_dir, console)


def _award(args: argparse.Namespace, content_dir: Path, console: Console) -> int:
    loaded = load_model(content_dir)
    model = loaded.model
    if args.slug not in model.badges:
        known = ", ".join(model.badges) or "(none)"
        raise InsigneError(
            Problem(
                None,
                f"unknown badge {args.slug!r}",
                hint=f"one of: {known}; or create it: insigne new badge {args.slug}",
            )
        )
    site = model.site
    today = datetime.now(site.timezone).date()
    try:
        default_date: date = parse_date(args.date) if args.date else today
    except BadDate as exc:
        raise InsigneError(f"--date: {exc}") from None
    target = _target(args, content_dir)

    problems_block = False
    if args.csv:
        try:
            table = read_csv(read_csv_file(args.csv))
        except CsvError as exc:
            raise InsigneError(Problem(args.csv, str(exc))) from None
        for note in table.notes:
            console.notice(f"{args.csv}: {note}")
        for column in table.unknown_columns:
            console.error(f"{args.csv}: unknown column {column!r} (ignored with --skip-bad)")
            problems_block = True
        rows = table.rows
    else:
        rows = [AwardRow(None, email) for email in args.emails]

    existing = [a.spec for a in model.awards] + list(model.held_back)
    already = {
        (s.recipient.email, s.issued_on.date())
        for s in existing
        if s.badge == args.slug and s.recipient.email
    }
    accepted, rejected = check_rows(rows, default_date, already)
    source = str(args.csv) if args.csv else "argument"
    for row, reason in rejected:
        where = f"{source}:{row.line}" if row.line else f"{row.email!r}"
        console.error(f"rejected {where}: {reason}")
    for checked in accepted:
        console.debug(f"accepted {checked.email} ({checked.issued_on.isoformat()})")
    console.info(f"{len(accepted)} accepted, {len(rejected)} rejected")

    if (rejected or problems_block) and not args.skip_bad:
        console.error("nothing written: fix the rejected rows, or pass --skip-bad")
        return 1
    if not accepted:
        console.info("nothing to add")
        return 0 if not rejected else 1
    edit = plan_append(target, args.slug, site, accepted, args.evidence)
    if args.dry_run:
        console.info(f"dry run: would add {len(accepted)} recipient(s) to {target}")
        return 0
    apply(edit, content_dir)
    verb = "created" if edit.before is None else "updated"
    console.info(f"{verb} {target}: {len(accepted)} recipient(s) added; run insigne build")
    return 0
