"""The ledger: what was issued, decided once (id, salt) and committed with the content.

An award is identified by its badge, its recipient and its issue date. The first build that sees
an award gives it a random id and salt and records them here; every later build, on any machine,
reuses them, so published URLs and recipient hashes never change. The ledger holds no email: the
key is a hash, and the salt is public anyway (it is in every published assertion).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.atomic import write_atomic
from generator.errors import InsigneError, Problem
from generator.recipients import new_salt

if TYPE_CHECKING:
    from generator.model import AwardSpec

LEDGER_NAME = "ledger.json"
FORMAT_VERSION = 1
# Award ids appear in URLs people type and read: no characters that look alike (0/o, 1/l/i).
_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_ID_LENGTH = 10
# One encoder for every entry: json.dumps with options makes a new one per call.
_ENTRY_ENCODER = json.JSONEncoder(ensure_ascii=False)
_CORE = ("id", "salt", "badge", "issued_on")
# Keys, ids, salts, slugs and dates are plain ASCII as a rule: such an entry is written without
# the encoder, in the very bytes it would give (25 ms of each addition at 10,000 awards).
_PLAIN = re.compile(r"[\w.:+-]*", re.ASCII)


def award_key(spec: AwardSpec) -> str:
    who = spec.recipient.email or spec.recipient.identity or ""
    raw = "\0".join((spec.badge, who, spec.issued_on.date().isoformat()))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def new_award_id(taken: set[str]) -> str:
    while True:
        candidate = "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))
        if candidate not in taken:
            return candidate


@dataclass(slots=True)
class Entry:
    id: str
    salt: str
    badge: str
    issued_on: str  # the date, for messages about awards that went missing
    extra: dict[str, object] = field(default_factory=dict)  # e.g. status list index

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "salt": self.salt,
            "badge": self.badge,
            "issued_on": self.issued_on,
            **self.extra,
        }


def _entry_line(key: str, entry: Entry) -> str:
    """`"key": {entry as JSON}`, as `json.dumps` and `_ENTRY_ENCODER` write it."""
    extra = entry.extra
    status = extra.get("status")
    if (
        len(extra) == 1
        and type(status) is int
        and _PLAIN.fullmatch(f"{key}{entry.id}{entry.salt}{entry.badge}{entry.issued_on}")
    ):
        return (
            f'"{key}": {{"id": "{entry.id}", "salt": "{entry.salt}", "badge": "{entry.badge}", '
            f'"issued_on": "{entry.issued_on}", "status": {status}}}'
        )
    return f"{json.dumps(key)}: {_ENTRY_ENCODER.encode(entry.to_json())}"


@dataclass
class Ledger:
    path: Path
    entries: dict[str, Entry]  # by award key
    changed: bool = False
    new_ids: set[str] = field(default_factory=set)
    _next_status: int | None = None
    _taken: set[str] | None = None  # every id in use, made when the first new award needs one

    @classmethod
    def load(cls, content_dir: Path) -> Ledger:
        path = content_dir / LEDGER_NAME
        if not path.exists():
            return cls(path, {})
        try:
            data = json.loads(path.read_text("utf-8"))
            if data.get("version") != FORMAT_VERSION:
                raise ValueError(f"unsupported ledger version {data.get('version')!r}")
            entries = {}
            for key, value in data["awards"].items():
                if not isinstance(value, dict):
                    raise TypeError(f"the entry of {key!r} is not a mapping")
                # The parsed mapping is ours: what is left once the core fields are popped
                # is the entry's extra (one pass, no copies: the ledger has an entry per award).
                entries[key] = Entry(*[value.pop(k) for k in _CORE], extra=value)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InsigneError(
                Problem(
                    path,
                    f"the ledger cannot be read ({exc})",
                    hint="restore it from git (git checkout -- content/ledger.json): it records "
                    "the ids and salts of every published award and must not be edited by hand",
                )
            ) from None
        return cls(path, entries)

    def is_new(self, award_id: str) -> bool:
        return award_id in self.new_ids

    def status_index(self, entry: Entry) -> int:
        """The award's position in the Open Badges 3.0 revocation status list, decided once."""
        index = entry.extra.get("status")
        if not isinstance(index, int):
            if self._next_status is None:
                taken = [e.extra.get("status") for e in self.entries.values()]
                self._next_status = max((i for i in taken if isinstance(i, int)), default=-1) + 1
            index = self._next_status
            self._next_status += 1
            entry.extra["status"] = index
            self.changed = True
        return index

    def ids(self) -> set[str]:
        return {e.id for e in self.entries.values()}

    def assign(self, spec: AwardSpec) -> Entry:
        """The ledger entry of an award, created (and the ledger marked changed) if new."""
        key = spec.key  # award_key(spec), cached on the spec
        entry = self.entries.get(key)
        if entry is None:
            salt = spec.recipient.salt if spec.recipient.identity else new_salt()
            assert salt is not None
            if self._taken is None:
                self._taken = self.ids()
            entry = Entry(
                new_award_id(self._taken), salt, spec.badge, spec.issued_on.date().isoformat()
            )
            self.entries[key] = entry
            self._taken.add(entry.id)
            self.new_ids.add(entry.id)
            self.changed = True
        return entry

    def forget(self, key: str) -> None:
        """Drop an entry that was never published (see content._check_nothing_lost)."""
        del self.entries[key]
        self.changed = True

    def serialise(self) -> str:
        # One award per line, sorted: merges and diffs in git stay readable and conflict-free
        # when two maintainers add awards in parallel.
        entries = self.entries
        body = ",\n".join([_entry_line(key, entries[key]) for key in sorted(entries)])
        return f'{{"version": {FORMAT_VERSION}, "awards": {{\n{body}\n}}}}\n'

    def save(self) -> None:
        write_atomic(self.path, self.serialise().encode("utf-8"))
        self.changed = False
