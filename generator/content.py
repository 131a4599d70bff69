"""Load the whole content folder into a validated `SiteModel` (phase one of every build)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from generator.awards import load_awards
from generator.badges import load_badges
from generator.contentfile import check_tree
from generator.dates import is_published, ledger_moment
from generator.emailguard import check_addresses
from generator.errors import InsigneError, Problem, Problems
from generator.esco.checks import check_with_user_index
from generator.gitmerge import first_recorded
from generator.ledger import LEDGER_NAME, Ledger
from generator.ledgerguard import check_ledger_kept
from generator.manifest import Manifest, paused_gc, site_inputs
from generator.model import Award, AwardSpec, SiteModel
from generator.placeholders import unedited_placeholders
from generator.siteconfig import load_site


@dataclass
class Loaded:
    model: SiteModel
    ledger: Ledger
    notices: list[str] = field(default_factory=list)


def load_model(
    content_dir: Path,
    base_url: str | None = None,
    now: datetime | None = None,
    locked: bool = False,
    cache: Manifest | None = None,
    previous_output: Path | None = None,
) -> Loaded:
    """Read and check everything; raise `InsigneError` listing every problem found.

    `cache`: the build manifest, whose parsed award files spare re-reading unchanged ones.
    `previous_output`: an output folder whose published awards the ledger must hold (see
    generator/ledgerguard.py; the ledger committed in git is checked in any case).
    """
    # Loading makes an object or more per award and frees next to nothing: see paused_gc.
    with paused_gc():
        return _load_model(content_dir, base_url, now, locked, cache, previous_output)


def _load_model(
    content_dir: Path,
    base_url: str | None,
    now: datetime | None,
    locked: bool,
    cache: Manifest | None,
    previous_output: Path | None = None,
) -> Loaded:
    content_dir = content_dir.resolve()
    if not content_dir.is_dir():
        raise InsigneError(
            Problem(
                content_dir,
                "content folder not found",
                hint="run insigne from your project folder, or pass --content DIR",
            )
        )
    # Before anything reads content/: a FIFO or a link to /dev/zero would hang the reading.
    unreadable = check_tree(content_dir)
    if unreadable:
        raise InsigneError(unreadable)
    site_key = site_inputs(content_dir, base_url) if cache is not None else ""
    hit = cache.cached_site(site_key) if cache is not None else None
    if hit is not None:
        site, badges = hit
        problems = Problems()
    else:
        loaded_site, problems = load_site(content_dir, base_url)
        if loaded_site is None:
            problems.raise_if_any()
            raise InsigneError(Problem(content_dir / "site.yaml", "site.yaml is incomplete"))
        site = loaded_site
        badges = load_badges(site, problems)
        if cache is not None and not problems:
            cache.keep_site(site_key, site, badges)
    specs = load_awards(site, badges, problems, cache)
    check_addresses(site, badges, specs, problems)
    ledger = Ledger.load(content_dir)
    # ESCO alignments against the user's index, if they have one (the build never needs it).
    esco_errors, esco_notices = check_with_user_index(badges.values(), site.language)
    problems.items.extend(esco_errors)
    problems.raise_if_any()

    now = now or datetime.now(UTC)
    published: list[AwardSpec] = []
    held_back: list[AwardSpec] = []
    for spec in specs:
        (published if is_published(spec.issued_on, now) else held_back).append(spec)
    notices = [
        f"{s.source.name}:{s.line}: award of '{s.badge}' dated {s.issued_on.date()} is in the "
        "future; it will be published by the first build on or after that date"
        for s in held_back
    ]
    keys_in_content = {s.key for s in specs}
    recorded = len(ledger.entries)
    _check_nothing_lost(ledger, keys_in_content, now, site.timezone, content_dir, problems)
    forgotten = recorded - len(ledger.entries)  # unpublished future awards taken out
    notices.extend(resolve_clashes(ledger, content_dir, problems))
    problems.raise_if_any()
    # Before any id is assigned: a lost ledger must not re-issue what was published.
    check_ledger_kept(ledger, content_dir, previous_output, now, site.timezone, published)

    # Future awards get their id now too, so that the build which publishes them on their date
    # (a scheduled deploy with --locked) needs no ledger change.
    for spec in held_back:
        ledger.assign(spec)
    awards = [_award(ledger, spec) for spec in published]
    if locked and ledger.changed:
        new = len(ledger.new_ids)
        reasons = [f"{new} new award(s) have no id yet"] if new else []
        if forgotten:
            reasons.append(f"{forgotten} unpublished future award(s) were removed")
        if ledger.moved:
            reasons.append(
                f"{len(ledger.moved)} award(s) shared a status index with another after a merge"
            )
        detail = "; ".join(reasons) or "its entries need updating for this version of Insigne"
        raise InsigneError(
            Problem(
                ledger.path,
                f"--locked: the ledger is out of date ({detail})",
                hint="run 'insigne build' without --locked, then commit content/ledger.json",
            )
        )
    placeholders = unedited_placeholders(site, badges.values())
    if locked and placeholders:
        raise InsigneError(
            [
                Problem(p.path, f"--locked: {p.message}; it must not be published", hint=p.hint)
                for p in placeholders
            ]
        )
    notices += [p.format(content_dir) for p in placeholders]
    notices += [p.format(content_dir) for p in esco_notices]
    awards.sort(key=lambda a: (a.badge, a.issued_on, a.id))
    for award in awards:
        # Computed here, before a build forks, so that both of its processes share it.
        _ = award.fingerprint
    model = SiteModel(site, dict(sorted(badges.items())), awards, held_back)
    return Loaded(model, ledger, notices)


def _award(ledger: Ledger, spec: AwardSpec) -> Award:
    entry = ledger.assign(spec)
    return Award(entry.id, entry.salt, spec, ledger.status_index(spec.key))


def resolve_clashes(ledger: Ledger, content_dir: Path, problems: Problems) -> list[str]:
    """Give a new status index to each award that shares one with an award main published.

    Two branches that each added awards draw their indexes independently (see
    ledger.home_status_index), so a merge may, rarely, hold two awards with one index. The
    award main's first-parent history recorded first with that index keeps it (only main is
    deployed, so it is the one that may be published); the others get a free index in this
    build, before anything is published. When git cannot tell, it is an error: an index
    that may be published is never moved. Returns the notices to show.
    """
    notices: list[str] = []
    for index, keys in ledger.clashes().items():
        patterns = {
            key: re.compile(rf'^\s*"{key}":.*"status": {index}\b', re.MULTILINE) for key in keys
        }
        keep = first_recorded(content_dir, LEDGER_NAME, patterns)
        ids = ", ".join(ledger.entries[key].id for key in keys)
        if keep is None or len(keep) != 1:
            problems.add(
                ledger.path,
                f"awards {ids} have the same status index {index} (two branches each gave it "
                "to a new award) and git's history of main does not say which was published",
                ledger.lines.get(keys[-1]),
                "look up statusListIndex in credentials/<id>.json on the live site; in "
                "ledger.json, delete '\"status\": ...' from the entry of the award that does "
                "not have it there, then build and commit the ledger",
            )
            continue
        [kept] = keep
        for key in keys:
            if key != kept:
                ledger.release_status(key)
                notices.append(
                    f"award {ledger.entries[key].id} had the status index {index} of award "
                    f"{ledger.entries[kept].id}, which main recorded first; it gets a new one "
                    "(commit content/ledger.json)"
                )
    return notices


def _check_nothing_lost(
    ledger: Ledger,
    keys_in_content: set[str],
    now: datetime,
    timezone: tzinfo,
    content_dir: Path,
    problems: Problems,
) -> None:
    missing = [(key, entry) for key, entry in ledger.entries.items() if key not in keys_in_content]
    for key, entry in sorted(missing, key=lambda kv: kv[1].id):
        # The rule that held the award back (is_published), on the instant its date means.
        if not is_published(ledger_moment(entry.issued_on, timezone), now):
            # Never published (still in the future): removing it loses nothing.
            ledger.forget(key)
        else:
            problems.add(
                content_dir / "awards",
                f"award {entry.id} ({entry.badge}, issued {entry.issued_on}) was published and is "
                "no longer in the content",
                hint="put the award back; to withdraw it, keep it and add "
                "'revoked: \"reason\"' to its recipient entry "
                f'(or run: insigne revoke {entry.id} --reason "...")',
            )
