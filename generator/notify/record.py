"""`content/notifications.json`: which award got which message, so none is ever sent twice.

Committed with the content, like the ledger, and written the same way (see ledger.py): one
entry per line, each ending with a comma, sorted, the version on the last line, and git's union
merge declared in `content/.gitattributes`. Two branches that each sent letters then merge
without a conflict; the merged file may hold a line twice, or out of order, and is read line by
line, which takes both in its stride. An entry holds no email: the award id, the kind of
message, when the server accepted it, and its Message-ID.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from generator.atomic import write_atomic
from generator.errors import InsigneError, Problem, Problems
from generator.gitmerge import ensure_merge_attributes

RECORD_NAME = "notifications.json"
FORMAT_VERSION = 1
# The kinds of message Insigne sends; only the letter of a new award so far.
KINDS = ("award",)

_ENTRY = re.compile(r'"([a-z0-9]{1,64}):([a-z]{1,16})": (\{[^\n]*\}),')
_VERSION = re.compile(r'"version": (\d+)\}')
_SENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9._-]{1,200}@[A-Za-z0-9.:\[\]-]{1,255}>")
_FIELDS = {"sent", "message_id"}
_RESTORE = (
    "restore it from git (git checkout -- content/notifications.json); Insigne writes it, "
    "one line per message sent"
)


@dataclass(frozen=True)
class Sent:
    award_id: str
    kind: str
    sent: str  # UTC, to the second: 2026-12-04T06:30:00Z
    message_id: str

    def line(self) -> str:
        body = json.dumps({"sent": self.sent, "message_id": self.message_id})
        return f'"{self.award_id}:{self.kind}": {body},'


class Record:
    def __init__(self, path: Path, entries: dict[tuple[str, str], Sent]) -> None:
        self.path = path
        self.entries = entries

    @classmethod
    def load(cls, content_dir: Path) -> Record:
        path = content_dir / RECORD_NAME
        if not path.exists():
            return cls(path, {})
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InsigneError(
                Problem(path, f"the record of sent messages cannot be read ({exc})", hint=_RESTORE)
            ) from None
        problems = Problems()
        entries: dict[tuple[str, str], Sent] = {}
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line == "{":
                continue  # a union merge may repeat the opening line
            version = _VERSION.fullmatch(line)
            if version is not None:
                if int(version.group(1)) != FORMAT_VERSION:
                    problems.add(
                        path,
                        f"format version {version.group(1)} is not one this Insigne reads",
                        number,
                        "upgrade Insigne",
                    )
                continue
            sent = _entry(line)
            if sent is None:
                problems.add(path, f"line {number} is not a record entry", number, _RESTORE)
                continue
            key = (sent.award_id, sent.kind)
            kept = entries.get(key)
            # A merge may bring the same message twice: it was sent once, keep the first time.
            if kept is None or sent.sent < kept.sent:
                entries[key] = sent
        problems.raise_if_any()
        return cls(path, entries)

    def has(self, award_id: str, kind: str) -> bool:
        return (award_id, kind) in self.entries

    def serialise(self) -> str:
        lines = ["{", *(self.entries[key].line() for key in sorted(self.entries))]
        return "\n".join(lines) + f'\n"version": {FORMAT_VERSION}}}\n'

    def add(self, sent: Sent) -> None:
        """Record one message the server accepted, on disk at once (call under the lock)."""
        self.entries[(sent.award_id, sent.kind)] = sent
        write_atomic(self.path, self.serialise().encode("utf-8"))
        ensure_merge_attributes(self.path.parent)


def _entry(line: str) -> Sent | None:
    match = _ENTRY.fullmatch(line)
    if match is None:
        return None
    award_id, kind, body = match.groups()
    try:
        fields = json.loads(body)
    except ValueError:
        return None
    if not isinstance(fields, dict) or set(fields) != _FIELDS or kind not in KINDS:
        return None
    sent, message_id = fields["sent"], fields["message_id"]
    if not isinstance(sent, str) or not _SENT.fullmatch(sent):
        return None
    if not isinstance(message_id, str) or not _MESSAGE_ID.fullmatch(message_id):
        return None
    return Sent(award_id, kind, sent, message_id)
