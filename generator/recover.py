"""Rebuild lost ledger entries from a published site (`insigne ledger recover`).

Everything the ledger records about a published award is published too: the id is in the URL of
its assertion, the salt and the hashed identity are in its recipient, and the Open Badges 3.0
status index is in its credential's `credentialStatus`. An award of the content is the published
one with the same badge and issue date whose identity is the content's email hashed with the
published salt (or the content's pre-hashed identity itself).

Limits, reported rather than guessed: a revoked Open Badges 2.0 assertion publishes neither its
recipient nor its salt (its credential does, where the site publishes 3.0 credentials); it is
matched only when it is the one revoked award left on both sides, and then gets a new salt,
which nothing published uses. A status index is recovered only where credentials are published
(otherwise no build has published one, and the next build records a new one).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator import urls
from generator.ledger import Entry, Ledger
from generator.model import AwardSpec
from generator.recipients import IDENTITY_RE, hash_email, new_salt
from generator.sitecrawl import ID_RE, FetchError, fetch

MAX_DOCUMENT_BYTES = 8 * 2**20
# What a salt read from a site may be before it is compared with anything: printable ASCII.
_SALT_RE = re.compile(r"[!-~]{1,256}")


@dataclass(frozen=True)
class Published:
    """What a site publishes about one award."""

    id: str
    badge: str | None = None
    day: str | None = None  # the issue date, YYYY-MM-DD as in the published date
    identity: str | None = None
    salt: str | None = None
    status: int | None = None
    revoked: bool = False


def _slug(url: object, folder: str) -> str | None:
    if not isinstance(url, str):
        return None
    head, _, name = url.rpartition("/")
    if not head.endswith(folder) or not name.endswith(".json"):
        return None
    return name[: -len(".json")] or None


def _day(value: object) -> str | None:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def read_published(award_id: str, assertion: object, credential: object) -> Published:
    """The facts of one award from its assertion (2.0) and credential (3.0), either may be None."""
    badge = day = identity = salt = None
    status: int | None = None
    revoked = False
    if isinstance(assertion, dict):
        revoked = assertion.get("revoked") is True
        recipient = assertion.get("recipient")
        if isinstance(recipient, dict):
            identity, salt = _text(recipient.get("identity")), _text(recipient.get("salt"))
        badge = _slug(assertion.get("badge"), "/badges")
        day = _day(assertion.get("issuedOn"))
    if isinstance(credential, dict):
        subject = credential.get("credentialSubject")
        if isinstance(subject, dict):
            found = subject.get("identifier")
            first = found[0] if isinstance(found, list) and found else None
            if isinstance(first, dict) and identity is None:
                identity, salt = _text(first.get("identityHash")), _text(first.get("salt"))
            achievement = subject.get("achievement")
            if badge is None and isinstance(achievement, dict):
                badge = _slug(achievement.get("id"), "/achievements")
        day = day or _day(credential.get("validFrom"))
        entry = credential.get("credentialStatus")
        index = entry.get("statusListIndex") if isinstance(entry, dict) else None
        if isinstance(index, str) and index.isascii() and index.isdigit() and len(index) < 10:
            status = int(index)
    if identity is not None and not IDENTITY_RE.match(identity):
        identity = None
    if salt is not None and not _SALT_RE.fullmatch(salt):
        salt = None  # not one Insigne wrote (or a content's pre-hashed one): matches nothing
    return Published(award_id, badge, day, identity, salt, status, revoked)


def _parse(raw: bytes | None, where: str, notes: list[str]) -> object:
    if raw is None:
        return None
    if len(raw) > MAX_DOCUMENT_BYTES:
        notes.append(f"{where}: too large to be an award's document; ignored")
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        notes.append(f"{where}: not JSON; ignored")
        return None


def from_folder(root: Path, ids: set[str] | None = None) -> tuple[list[Published], list[str]]:
    """The awards published in `root` (a copy of a deployed site, or an output folder).

    `ids`: only these (default: every one).
    """
    notes: list[str] = []
    folder = root / "assertions"
    if ids is not None:
        names = sorted(f"{award_id}.json" for award_id in ids)
    else:
        try:
            names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".json"))
        except OSError as exc:
            raise FetchError(f"{folder}: {exc.strerror or exc}") from None
    found = []
    for name in names:
        award_id = name[: -len(".json")]
        if not ID_RE.fullmatch(award_id):
            notes.append(f"{folder / name}: not an award id; ignored")
            continue
        docs = []
        for rel in (urls.assertion_json(award_id), urls.credential_json(award_id)):
            path = root / rel
            try:
                raw = path.read_bytes() if path.is_file() else None
            except OSError as exc:
                notes.append(f"{path}: {exc.strerror or exc}; ignored")
                raw = None
            docs.append(_parse(raw, str(path), notes))
        found.append(read_published(award_id, docs[0], docs[1]))
    return found, notes


def from_site(base_url: str, ids: Iterable[str]) -> tuple[list[Published], list[str]]:
    """The awards `ids` as published at `base_url`."""
    notes: list[str] = []
    found = []
    for award_id in sorted(set(ids)):
        docs = []
        for rel in (urls.assertion_json(award_id), urls.credential_json(award_id)):
            url = base_url + rel
            try:
                raw = fetch(url)
            except FetchError as exc:
                notes.append(str(exc))
                raw = None
            docs.append(_parse(raw, url, notes))
        if docs[0] is None and docs[1] is None:
            notes.append(f"{base_url}{urls.assertion_json(award_id)}: not found; ignored")
            continue
        found.append(read_published(award_id, docs[0], docs[1]))
    return found, notes


@dataclass
class Recovery:
    entries: dict[str, Entry] = field(default_factory=dict)  # by award key: what to add
    kept: int = 0  # published awards the ledger already holds
    new_salts: list[str] = field(default_factory=list)  # ids of revoked awards given a new salt
    conflicts: list[str] = field(default_factory=list)
    unmatched: list[Published] = field(default_factory=list)  # published, no content award
    unpublished: list[AwardSpec] = field(default_factory=list)  # content, not found published


def _matches(spec: AwardSpec, found: Published) -> bool:
    recipient = spec.recipient
    if found.identity is None or found.salt is None:
        return False
    if recipient.identity is not None:
        return recipient.identity == found.identity and recipient.salt == found.salt
    return recipient.email is not None and hash_email(recipient.email, found.salt) == found.identity


def match(specs: list[AwardSpec], ledger: Ledger, published: list[Published]) -> Recovery:
    """Pair published awards with the content's; never touch an entry the ledger holds."""
    result = Recovery()
    by_id = {entry.id: key for key, entry in ledger.entries.items()}
    statuses = {e.extra.get("status") for e in ledger.entries.values()} - {None}
    candidates: dict[tuple[str, str], list[AwardSpec]] = {}
    for spec in specs:
        candidates.setdefault((spec.badge, spec.issued_on.date().isoformat()), []).append(spec)
    matched: set[str] = set()
    anonymous: list[Published] = []  # revoked, with no recipient published

    def add(spec: AwardSpec, found: Published, salt: str) -> None:
        key = spec.key
        matched.add(key)
        held = ledger.entries.get(key)
        if held is not None:
            result.conflicts.append(
                f"{spec.source.name}:{spec.line}: the ledger gives this award the id {held.id}, "
                f"the site publishes it as {found.id}; the ledger entry was left as it is"
            )
            return
        extra: dict[str, object] = {}
        if found.status is not None:
            if found.status in statuses:
                result.conflicts.append(
                    f"award {found.id}: its status index {found.status} is another award's in "
                    "the ledger; recorded without it"
                )
            else:
                extra["status"] = found.status
                statuses.add(found.status)
        day = spec.issued_on.date().isoformat()
        result.entries[key] = Entry(found.id, salt, spec.badge, day, extra)

    for found in sorted(published, key=lambda p: p.id):
        if found.id in by_id:
            result.kept += 1
            matched.add(by_id[found.id])
            continue
        if found.identity is None:
            if found.revoked:
                anonymous.append(found)
            else:
                result.unmatched.append(found)
            continue
        pool = candidates.get((found.badge or "", found.day or ""), [])
        spec = next((s for s in pool if s.key not in matched and _matches(s, found)), None)
        if spec is None:
            result.unmatched.append(found)
        else:
            assert found.salt is not None
            add(spec, found, found.salt)
    left = [s for s in specs if s.key not in matched and s.key not in ledger.entries]
    revoked_left = [s for s in left if s.revoked is not None]
    if len(anonymous) == 1 and len(revoked_left) == 1:
        # The one revoked award left on each side: they are the same award.
        spec, found = revoked_left[0], anonymous[0]
        salt = spec.recipient.salt if spec.recipient.identity else new_salt()
        assert salt is not None
        add(spec, found, salt)
        if spec.recipient.identity is None:
            result.new_salts.append(found.id)
    else:
        result.unmatched.extend(anonymous)
    result.unpublished = [s for s in specs if s.key not in matched and s.key not in ledger.entries]
    return result


def published_facts(found: Published) -> str:
    """One line about a published award that matched nothing, for the report."""
    facts = [f"badge {found.badge}" if found.badge else "badge unknown"]
    if found.day:
        facts.append(f"issued {found.day}")
    if found.revoked:
        facts.append("revoked")
    return f"{found.id} ({', '.join(facts)})"
