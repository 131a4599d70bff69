"""`insigne ledger recover --from DIR|URL`: rebuild a lost ledger from the published site."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from generator.awards import load_awards
from generator.badges import load_badges
from generator.commands import add_content_argument
from generator.console import Console
from generator.errors import InsigneError, Problem
from generator.ledger import Ledger
from generator.lock import holding
from generator.model import AwardSpec
from generator.recover import Recovery, from_folder, from_site, match, published_facts
from generator.siteconfig import load_site
from generator.sitecrawl import FetchError, award_id_in, crawl

EXAMPLES = """examples:
  insigne ledger recover --from output               from the last build's output folder
  insigne ledger recover --from ~/backup/site        from a copy of the deployed folder
  insigne ledger recover --from https://badges.example.org/
  insigne ledger recover --from https://badges.example.org/ --assertion 5ucxwabqdt \\
      --assertion https://badges.example.org/assertions/6zaqteuv6d.json

A site links only the award pages of recipients listed publicly: give the other awards'
assertion URLs (or ids) with --assertion or --assertions-from FILE. See docs/ledger.md.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ledger",
        help="recover a lost content/ledger.json from the published site",
        description=(
            "Rebuild the ledger's entries (ids, salts, status indexes) of the awards a site "
            "publishes, matched against the content's awards. Entries already in the ledger "
            "are never changed; nothing is written unless every published award is accounted "
            "for (or --partial)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=["recover"])
    parser.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="DIR|URL",
        help="a copy of the deployed site (or an output folder), or the site's base URL",
    )
    parser.add_argument(
        "--assertion",
        action="append",
        default=[],
        metavar="URL|ID",
        help="with a URL: an award the site does not link to (repeatable)",
    )
    parser.add_argument(
        "--assertions-from",
        type=Path,
        metavar="FILE",
        help="with a URL: a file of such assertion URLs or ids, one per line",
    )
    parser.add_argument(
        "--partial",
        action="store_true",
        help="write what was recovered even if some awards were not (they get new ids)",
    )
    parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
    add_content_argument(parser)
    parser.set_defaults(func=run)


def _explicit_ids(args: argparse.Namespace) -> set[str]:
    given: list[str] = list(args.assertion)
    if args.assertions_from is not None:
        try:
            text = args.assertions_from.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InsigneError(Problem(args.assertions_from, f"cannot be read ({exc})")) from None
        given += [line.strip() for line in text.splitlines() if line.strip()]
    ids = set()
    for item in given:
        award_id = award_id_in(item)
        if award_id is None:
            raise InsigneError(
                Problem(
                    None,
                    f"--assertion {item!r} names no award",
                    hint="give an assertion URL (…/assertions/<id>.json), an award page URL "
                    "(…/awards/<id>.html) or the 10-character id",
                )
            )
        ids.add(award_id)
    return ids


def run(args: argparse.Namespace, console: Console) -> int:
    content_dir: Path = args.content.resolve()
    if not content_dir.is_dir():
        raise InsigneError(
            Problem(
                args.content,
                "content folder not found",
                hint="run insigne from your project folder, or pass --content DIR",
            )
        )
    with holding([content_dir], console.notice):
        return _recover(args, content_dir, console)


def _recover(args: argparse.Namespace, content_dir: Path, console: Console) -> int:
    site, problems = load_site(content_dir)
    if site is None:
        problems.raise_if_any()
        raise InsigneError(Problem(content_dir / "site.yaml", "site.yaml is incomplete"))
    badges = load_badges(site, problems)
    specs = load_awards(site, badges, problems)
    problems.raise_if_any()
    ledger = Ledger.load(content_dir)
    explicit = _explicit_ids(args)
    source: str = args.source
    from_url = source.startswith(("http://", "https://"))
    try:
        if from_url:
            base = source if source.endswith("/") else source + "/"
            if base != site.base_url:
                console.notice(f"site.yaml's base_url is {site.base_url}; reading {base}")
            console.info(f"reading {base} (following its links)…")
            ids, notes = crawl(base)
            published, more = from_site(base, ids | explicit)
            notes += more
        else:
            if explicit:
                raise InsigneError("--assertion and --assertions-from go with --from URL")
            folder = Path(source)
            if not folder.is_dir():
                raise InsigneError(
                    Problem(
                        folder,
                        "not a folder",
                        hint="give a copy of the deployed site, an output folder, or the URL",
                    )
                )
            published, notes = from_folder(folder)
    except FetchError as exc:
        raise InsigneError(Problem(None, str(exc), hint="check the --from folder or URL")) from None
    for note in notes:
        console.notice(note)
    if not published:
        raise InsigneError(
            Problem(
                None,
                f"no published award found at {source}; nothing was written",
                hint="give the folder of the deployed site (it has assertions/<id>.json files) "
                "or its base URL, as in site.yaml",
            )
        )
    result = match(specs, ledger, published)
    now = datetime.now(UTC)
    missed = [s for s in result.unpublished if s.issued_on <= now]
    future = len(result.unpublished) - len(missed)
    blocking = _report(result, missed, from_url, console)
    if future:
        console.info(f"{future} award(s) dated in the future: they get their id when published")
    if not result.entries:
        if blocking:
            raise _incomplete()
        console.info("nothing to recover: the ledger already holds every published award")
        return 0
    if args.dry_run or (blocking and not args.partial):
        if blocking:
            raise _incomplete()
        console.info(f"dry run: would record {len(result.entries)} award(s) in {ledger.path}")
        return 0
    ledger.entries.update(result.entries)
    ledger.save()
    console.info(
        f"recovered {len(result.entries)} award(s) into {ledger.path}"
        f"{f' ({result.kept} were there already)' if result.kept else ''}; "
        "build, check that output/ is unchanged, then commit it"
    )
    return 1 if blocking else 0


def _report(result: Recovery, missed: list[AwardSpec], from_url: bool, console: Console) -> bool:
    """Print what could not be recovered; True if any of it must stop the write."""
    for found_id in result.new_salts:
        console.notice(
            f"award {found_id} is revoked and its salt is not published: recorded with a new "
            "salt (nothing published uses it)"
        )
    for line in result.conflicts:
        console.error(f"conflict: {line}")
    for found in result.unmatched:
        console.error(
            f"published but matched no award of the content: {published_facts(found)}; was its "
            "badge, date or email changed in the content? put it back as it was published"
        )
    for spec in missed:
        where = f"{spec.source.name}:{spec.line}: {spec.badge}, {spec.issued_on.date()}"
        if from_url:
            console.error(f"not found on the site: {where}")
        else:
            console.notice(f"not published in that folder (gets its id at the next build): {where}")
    if from_url and missed:
        console.error(
            f"{len(missed)} award(s) were not found: the site links only the award pages of "
            "recipients listed publicly. Give their assertion URLs or ids with --assertion "
            "(recipients and backpacks have them; so do the host's deploy files), or "
            "recover from a copy of the deployed folder; --partial if they were never published"
        )
    return bool(result.conflicts or result.unmatched or (from_url and missed))


def _incomplete() -> InsigneError:
    return InsigneError(
        Problem(
            None,
            "the ledger could not be recovered completely (see above); nothing was written",
            hint="resolve what is listed above and run the command again; --partial writes "
            "what was recovered (the rest then get new ids at the next build)",
        )
    )
