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
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.atomic import write_atomic
from generator.errors import InsigneError, Problem, Problems
from generator.names import (
    AWARD_ID_ALPHABET,
    AWARD_ID_LENGTH,
    AWARD_ID_RE,
    SLUG_RE,
    is_award_id,
    is_slug,
)
from generator.ob3 import STATUS_LIST_BITS
from generator.recipients import new_salt

if TYPE_CHECKING:
    from generator.model import AwardSpec

LEDGER_NAME = "ledger.json"
# Version 2: one award per line, each ending with a comma, and the version on the last line,
# so that a merge of two branches that each added awards is still valid JSON line by line
# (see docs/git-workflow.md). Version 1 ledgers are read, and written as version 2 by the
# next build that writes the ledger.
FORMAT_VERSION = 2
_READABLE = (1, 2)
# One encoder for every entry: json.dumps with options makes a new one per call.
_ENTRY_ENCODER = json.JSONEncoder(ensure_ascii=False)
_CORE = ("id", "salt", "badge", "issued_on")
# Keys, ids, salts, slugs and dates are plain ASCII as a rule: such an entry is written without
# the encoder, in the very bytes it would give (25 ms of each addition at 10,000 awards).
_PLAIN = re.compile(r"[\w.:+-]*", re.ASCII)
_KEY_RE = re.compile(r"[0-9a-f]{32}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Fields a later version may add to an entry: kept as they are, if named plainly.
_FIELD_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_SALT_MAX = 256
# A status index is a bit of the status list, whose size a verifier downloads: 2 MiB at most.
MAX_STATUS_INDEX = 2**24
# The line of an entry: its key, first on the line (as Insigne writes it, or as json.dumps
# with an indent would).
_LINE_KEY = re.compile(r'\s*("(?:[^"\\\n]|\\.)*")\s*:')
_RESTORE = (
    "restore it from git (git checkout -- content/ledger.json): it records the ids and "
    "salts of every published award and must not be edited by hand"
)


def award_key(spec: AwardSpec) -> str:
    who = spec.recipient.email or spec.recipient.identity or ""
    raw = "\0".join((spec.badge, who, spec.issued_on.date().isoformat()))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def new_award_id(taken: set[str]) -> str:
    while True:
        candidate = "".join(secrets.choice(AWARD_ID_ALPHABET) for _ in range(AWARD_ID_LENGTH))
        if candidate not in taken:
            return candidate


def status_list_size(awards: int) -> int:
    """Bits in the status list of a site with this many awards.

    The spec's minimum (131,072: herd privacy), doubled while it would be more than half
    full, so that a new award finds a free bit near where its key points.
    """
    size = STATUS_LIST_BITS
    while size < 2 * awards:
        size *= 2
    return size


def home_status_index(key: str, size: int) -> int:
    """Where a new award's status bit goes: a hash of its award key, not the next free bit.

    Two branches that each add awards then choose their bits independently, as two random
    draws (the next free bit, which each branch would take for its own first award, is what
    made merged branches share an index); the same award gets the same bit on any branch.
    """
    digest = hashlib.sha256(f"status\0{key}".encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") % size


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


class _Object(dict[str, Any]):
    """A JSON object that remembers its members in order, repeated names included.

    `json.loads` keeps the last of two members with the same name without a word; a ledger
    merged by git may hold an award twice, and that must be seen, not silently resolved.
    """

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def _key_lines(text: str) -> dict[str, list[int]]:
    """The line numbers where each member name opens a line (an entry per line)."""
    found: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = _LINE_KEY.match(line)
        if match is None:
            continue
        try:
            name = json.loads(match.group(1))
        except ValueError:
            continue
        found.setdefault(name, []).append(number)
    return found


def _entry_problems(key: str, value: object) -> list[str]:
    """What is wrong with one ledger entry, as phrases ("its id ... is not ...")."""
    if not _KEY_RE.fullmatch(key):
        return [f"{key[:40]!r} is not an award key (32 lowercase hexadecimal digits)"]
    if not isinstance(value, _Object):
        return ["the entry is not a mapping of id, salt, badge, issued_on and status"]
    wrong: list[str] = []
    names = [name for name, _ in value.pairs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        wrong.append(f"the field(s) {', '.join(repeated)} appear twice")
    for name in _CORE:
        if name not in value:
            wrong.append(f"the field {name!r} is missing")
    award_id = value.get("id")
    if "id" in value and not is_award_id(award_id):
        wrong.append(
            f"its id {_shown(award_id)} is not an award id "
            f"({AWARD_ID_LENGTH} characters among {AWARD_ID_ALPHABET})"
        )
    salt = value.get("salt")
    if "salt" in value and not (
        isinstance(salt, str) and 0 < len(salt) <= _SALT_MAX and salt.isprintable()
    ):
        wrong.append(f"its salt {_shown(salt)} is not a salt (printable text, 1-256 characters)")
    badge = value.get("badge")
    if "badge" in value and not is_slug(badge):
        wrong.append(f"its badge {_shown(badge)} is not a badge slug")
    issued = value.get("issued_on")
    if "issued_on" in value and not _is_date(issued):
        wrong.append(f"its issued_on {_shown(issued)} is not a date (YYYY-MM-DD)")
    if "status" in value:
        status = value["status"]
        if type(status) is not int or not 0 <= status < MAX_STATUS_INDEX:
            wrong.append(
                f"its status {_shown(status)} is not a status list index "
                f"(a whole number from 0 to {MAX_STATUS_INDEX - 1})"
            )
    for name in names:
        if name not in _CORE and name != "status" and not _FIELD_RE.fullmatch(name):
            wrong.append(f"it has a field named {_shown(name)}")
    return wrong


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# An entry line exactly as `_entry_line` writes a plain one: what nearly every line is. Each part
# is what `_entry_problems` allows (no quote or backslash anywhere, so JSON would read the same).
_PLAIN_LINE = re.compile(
    r'^"([0-9a-f]{32})": \{"id": "(' + AWARD_ID_RE.pattern + r')", '
    r'"salt": "([\w.:+-]{1,256})", "badge": "(' + SLUG_RE.pattern + r')", '
    r'"issued_on": "(\d{4}-\d{2}-\d{2})", "status": (0|[1-9]\d{0,6})\},$',
    re.ASCII | re.MULTILINE,
)


def _parse_plain(text: str) -> tuple[dict[str, Entry], dict[str, int]] | None:
    """A canonical version 2 ledger of plain lines, read without a JSON parser; else None.

    Ten times faster than the general reading below (which a no-change rebuild of 10,000
    awards would otherwise spend most of its time in); anything unusual, None, and the
    general reading then reports it.
    """
    if not text.startswith("{\n") or not text.endswith(f'"version": {FORMAT_VERSION}}}\n'):
        return None
    # One pass of the regular expression over the whole text (in C), then one over its rows.
    rows = _PLAIN_LINE.findall(text)
    if len(rows) != text.count("\n") - 2:
        return None  # some line is not plain
    keys = [row[0] for row in rows]
    if keys != sorted(set(keys)) or len({row[1] for row in rows}) != len(rows):
        return None  # out of order, an award twice, or an id twice
    if not all(_is_date(d) for d in {row[4] for row in rows}):  # few distinct dates
        return None
    entries = {
        key: Entry(award_id, salt, badge, issued, {"status": int(status)})
        for key, award_id, salt, badge, issued, status in rows
    }
    line_of = dict(zip(keys, range(2, len(keys) + 2), strict=True))
    return entries, line_of


def _parse(
    path: Path, text: str, problems: Problems
) -> tuple[dict[str, Entry], bool, dict[str, int]]:
    """The entries of a ledger's text, whether it is as `serialise` writes it, their lines.

    Every problem goes to `problems`, with the line of the entry where there is one.
    """
    plain = _parse_plain(text)
    if plain is not None:
        return plain[0], True, plain[1]
    try:
        data = json.loads(text, object_pairs_hook=_Object)
    except (ValueError, RecursionError) as exc:  # deep nesting exhausts the parser's stack
        line = getattr(exc, "lineno", None)
        problems.add(path, f"the ledger is not valid JSON ({exc})", line, _RESTORE)
        return {}, False, {}
    if not isinstance(data, _Object):
        problems.add(path, "the ledger is not a JSON object", 1, _RESTORE)
        return {}, False, {}
    version = data.get("version")
    if type(version) is not int or version not in _READABLE:
        problems.add(
            path,
            f"unsupported ledger version {_shown(version)}",
            None,
            "upgrade Insigne (pip install -U insigne): this ledger was written by a later "
            "version, or restore it from git",
        )
        return {}, False, {}
    if version == 1:
        awards = data.get("awards")
        others = sorted(set(data) - {"version", "awards"})
        if not isinstance(awards, _Object) or others:
            problems.add(path, "a version 1 ledger holds 'version' and 'awards' only", 1, _RESTORE)
            return {}, False, {}
        pairs = awards.pairs
    else:
        pairs = [(name, value) for name, value in data.pairs if name != "version"]
    lines = _key_lines(text)
    seen_lines: dict[str, int] = {}
    entries: dict[str, Entry] = {}
    line_of: dict[str, int] = {}
    raw: dict[str, object] = {}
    by_id: dict[str, str] = {}
    canonical = version == FORMAT_VERSION and data.pairs[-1][0] == "version"
    previous = ""
    for key, value in pairs:
        occurrence = seen_lines.get(key, -1) + 1
        seen_lines[key] = occurrence
        numbers = lines.get(key, [])
        line = numbers[occurrence] if occurrence < len(numbers) else None
        canonical = canonical and key > previous
        previous = key
        if key in raw:
            if raw[key] == value:
                continue  # the same entry twice (a merge took it from both sides): harmless
            first = lines.get(key, [None])[0]
            problems.add(
                path,
                f"award {key} has two different entries (line {first} and this one): two "
                "branches each gave the same award its own id",
                line,
                "keep the entry whose id is published (assertions/<id>.json on the live "
                "site) and delete the other line; if neither is published, keep either",
            )
            continue
        raw[key] = value
        wrong = _entry_problems(key, value)
        if wrong:
            problems.add(path, f"bad ledger entry: {'; '.join(wrong)}", line, _RESTORE)
            continue
        assert isinstance(value, _Object)
        award_id = value["id"]
        if award_id in by_id:
            other = by_id[award_id]
            problems.add(
                path,
                f"awards {other} and {key} have the same id {award_id}",
                line,
                "restore the ledger from git; ids are drawn at random and never shared",
            )
            continue
        by_id[award_id] = key
        # The parsed mapping is ours: what is left once the core fields are popped is the
        # entry's extra (one pass, no copies: the ledger has an entry per award).
        extra = dict(value)
        entries[key] = Entry(*[extra.pop(k) for k in _CORE], extra=extra)
        if line is not None:
            line_of[key] = line
    return entries, canonical, line_of


@dataclass
class Ledger:
    path: Path
    entries: dict[str, Entry]  # by award key
    changed: bool = False
    new_ids: set[str] = field(default_factory=set)
    # The file is not as `serialise` writes it (an older version, or lines a merge left out
    # of order): the next build that may write the ledger rewrites it, --locked does not mind.
    reformat: bool = False
    # Awards whose status index another award had too, after a merge (see resolve_clashes).
    moved: list[str] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # the line of each entry, for messages
    _status_taken: set[int] | None = None
    _status_size: int = 0
    _taken: set[str] | None = None  # every id in use, made when the first new award needs one

    @classmethod
    def parse(cls, path: Path, text: str) -> Ledger:
        """The ledger in `text` (as read from `path`, named in errors); InsigneError if bad."""
        problems = Problems()
        entries, canonical, lines = _parse(path, text, problems)
        problems.raise_if_any()
        return cls(path, entries, reformat=not canonical, lines=lines)

    @classmethod
    def load(cls, content_dir: Path) -> Ledger:
        path = content_dir / LEDGER_NAME
        if not path.exists():
            return cls(path, {})
        try:
            text = path.read_text("utf-8")
        except (OSError, ValueError) as exc:
            raise InsigneError(
                Problem(path, f"the ledger cannot be read ({exc})", hint=_RESTORE)
            ) from None
        return cls.parse(path, text)

    @property
    def stale(self) -> bool:
        """The file must be written: its entries changed, or its layout is not the current one."""
        return self.changed or self.reformat

    def clashes(self) -> dict[int, list[str]]:
        """Status indexes held by more than one award (keys, sorted), as a merge can leave."""
        holders: dict[int, list[str]] = {}
        for key, entry in self.entries.items():
            index = entry.extra.get("status")
            if isinstance(index, int):
                holders.setdefault(index, []).append(key)
        return {i: sorted(keys) for i, keys in sorted(holders.items()) if len(keys) > 1}

    def release_status(self, key: str) -> None:
        """Take an award's status index away; it gets a free one when next loaded.

        Only for an award that never published that index (see content.resolve_clashes).
        """
        del self.entries[key].extra["status"]
        self._status_taken = None
        self.moved.append(self.entries[key].id)
        self.changed = True

    def is_new(self, award_id: str) -> bool:
        return award_id in self.new_ids

    def status_index(self, key: str) -> int:
        """The award's position in the Open Badges 3.0 revocation status list, decided once.

        A new award takes the first free bit from where its key points (`home_status_index`);
        an index once recorded never changes.
        """
        entry = self.entries[key]
        index = entry.extra.get("status")
        if not isinstance(index, int):
            taken = self._status_taken
            if taken is None:
                statuses = (e.extra.get("status") for e in self.entries.values())
                taken = self._status_taken = {i for i in statuses if isinstance(i, int)}
                self._status_size = status_list_size(len(self.entries))
            if 2 * (len(taken) + 1) > self._status_size:  # many new awards at once
                self._status_size = status_list_size(len(taken) + 1)
            index = home_status_index(key, self._status_size)
            while index in taken:
                index = (index + 1) % self._status_size
            taken.add(index)
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
        # One award per line, sorted, each line ending with a comma and the version last:
        # branches that each add awards change separate lines, and the lines of both sides
        # together (git's union merge, see gitmerge.py) are still a valid ledger.
        entries = self.entries
        body = "".join([f"{_entry_line(key, entries[key])},\n" for key in sorted(entries)])
        return f'{{\n{body}"version": {FORMAT_VERSION}}}\n'

    def save(self) -> None:
        write_atomic(self.path, self.serialise().encode("utf-8"))
        self.changed = False
        self.reformat = False
