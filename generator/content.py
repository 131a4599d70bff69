"""Load the whole content folder into a validated `SiteModel` (phase one of every build)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from generator.awards import load_awards
from generator.badges import load_badges
from generator.contentfile import check_tree
from generator.emailguard import check_addresses
from generator.errors import InsigneError, Problem, Problems
from generator.ledger import Ledger
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
    problems.raise_if_any()

    now = now or datetime.now(UTC)
    published: list[AwardSpec] = []
    held_back: list[AwardSpec] = []
    for spec in specs:
        (held_back if spec.issued_on > now else published).append(spec)
    notices = [
        f"{s.source.name}:{s.line}: award of '{s.badge}' dated {s.issued_on.date()} is in the "
        "future; it will be published by the first build on or after that date"
        for s in held_back
    ]
    keys_in_content = {s.key for s in specs}
    recorded = len(ledger.entries)
    _check_nothing_lost(ledger, keys_in_content, now, content_dir, problems)
    forgotten = recorded - len(ledger.entries)  # unpublished future awards taken out
    problems.raise_if_any()
    # Before any id is assigned: a lost ledger must not re-issue what was published.
    check_ledger_kept(ledger, content_dir, previous_output, now.date().isoformat(), published)

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
    awards.sort(key=lambda a: (a.badge, a.issued_on, a.id))
    for award in awards:
        # Computed here, before a build forks, so that both of its processes share it.
        _ = award.fingerprint
    model = SiteModel(site, dict(sorted(badges.items())), awards, held_back)
    return Loaded(model, ledger, notices)


def _award(ledger: Ledger, spec: AwardSpec) -> Award:
    entry = ledger.assign(spec)
    return Award(entry.id, entry.salt, spec, ledger.status_index(entry))


def _check_nothing_lost(
    ledger: Ledger,
    keys_in_content: set[str],
    now: datetime,
    content_dir: Path,
    problems: Problems,
) -> None:
    today = now.date().isoformat()
    missing = [(key, entry) for key, entry in ledger.entries.items() if key not in keys_in_content]
    for key, entry in sorted(missing, key=lambda kv: kv[1].id):
        if entry.issued_on > today:
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
