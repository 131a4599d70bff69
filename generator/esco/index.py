"""The ESCO index: the official CSV download read into one SQLite file in the user's cache.

Why SQLite and our own token table (not FTS5): `sqlite3` is in the standard library, but FTS5
is a compile-time option that some Python builds lack; one code path that works everywhere is
easier to trust. Each label (preferred, alternative, hidden) is cut into words folded to
lowercase without accents, so "Gestion de PROJET" finds "gérer des projets"' alternative
label "gestion de projets"; a search word matches every indexed word it starts.

The index lives outside the repository ($INSIGNE_ESCO_DIR, else $XDG_CACHE_HOME/insigne/esco,
else ~/.cache/insigne/esco): it is a tool for picking concepts, never an input of the build.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.errors import InsigneError, Problem
from generator.esco.concepts import KINDS, Concept, parse_uri

ENV_DIR = "INSIGNE_ESCO_DIR"
INDEX_NAME = "index.sqlite3"
FORMAT = "2"  # of the index file; another value means "import again"
# The official download has one file per pillar and language: skills_fr.csv, occupations_en.csv.
FILE_RE = re.compile(r"^(skills|occupations)_([a-z]{2,3})\.csv$")
FILE_KINDS = {"skills": "skill", "occupations": "occupation"}
REQUIRED_COLUMNS = ("conceptType", "conceptUri", "preferredLabel", "status")
CONCEPT_TYPES = {"skill": "KnowledgeSkillCompetence", "occupation": "Occupation"}
# The package is named like "ESCO dataset - v1.2.0 - classification - fr - csv".
VERSION_RE = re.compile(r"(?<![\w.])v(\d+\.\d+(?:\.\d+)?)(?![\w.])")
WORD_RE = re.compile(r"\w+")
_FOLD = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})


def index_dir() -> Path:
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override)
    cache = os.environ.get("XDG_CACHE_HOME")
    base = Path(cache) if cache and Path(cache).is_absolute() else Path.home() / ".cache"
    return base / "insigne" / "esco"


def index_path() -> Path:
    return index_dir() / INDEX_NAME


def fold(text: str) -> str:
    """Lowercase, without accents: how labels and queries are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return WORD_RE.findall(fold(text))


@dataclass(frozen=True)
class SourceFile:
    path: Path
    kind: str  # "skill" or "occupation"
    language: str


def find_files(folders: Iterable[Path]) -> list[SourceFile]:
    """The skills_<lang>.csv and occupations_<lang>.csv under `folders` (any depth)."""
    found: list[SourceFile] = []
    for folder in folders:
        for path in sorted(folder.rglob("*.csv")):
            match = FILE_RE.match(path.name)
            if match:
                found.append(SourceFile(path, FILE_KINDS[match.group(1)], match.group(2)))
    return found


def detect_version(paths: Iterable[Path]) -> str | None:
    """The ESCO version named by the download's folder or archive name, if exactly one."""
    versions: set[str] = set()
    for path in paths:
        for part in path.resolve().parts:
            versions.update(VERSION_RE.findall(part))
    return versions.pop() if len(versions) == 1 else None


def _split_labels(value: str | None) -> tuple[str, ...]:
    # Alternative and hidden labels are one per line inside one CSV field.
    if not value:
        return ()
    return tuple(label.strip() for label in value.splitlines() if label.strip())


def read_concepts(source: SourceFile) -> Iterator[tuple[Concept, tuple[str, ...]]]:
    """Each concept of one CSV file with its hidden labels; InsigneError on a malformed file."""
    try:
        handle = source.path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InsigneError(Problem(source.path, f"cannot be read: {exc.strerror}")) from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InsigneError(Problem(source.path, f"not an ESCO CSV file: {exc}", 1)) from None
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise InsigneError(
                Problem(
                    source.path,
                    f"not an ESCO CSV file: no column {', '.join(missing)}",
                    1,
                    "pass the folder of the unzipped official download (format: csv)",
                )
            )
        # A record spans several lines when a field does (altLabels): report where it starts.
        start = reader.line_num + 1
        try:
            for row in reader:
                line, start = start, reader.line_num + 1
                uri = (row.get("conceptUri") or "").strip()
                parsed = parse_uri(uri)
                if parsed is None or parsed[0] != source.kind:
                    raise InsigneError(
                        Problem(
                            source.path,
                            f"conceptUri {uri!r} is not an ESCO {source.kind} URI",
                            line,
                            "use the files of the official download as they are",
                        )
                    )
                label = (row.get("preferredLabel") or "").strip()
                if not label:
                    # Not every concept is translated into every language yet.
                    continue
                description = (row.get("description") or row.get("definition") or "").strip()
                concept = Concept(
                    uri=uri,
                    kind=source.kind,
                    language=source.language,
                    label=label,
                    description=" ".join(description.split()),
                    status=(row.get("status") or "").strip() or "released",
                    alt_labels=_split_labels(row.get("altLabels")),
                )
                yield concept, _split_labels(row.get("hiddenLabels"))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InsigneError(
                Problem(source.path, f"not a readable CSV file: {exc}", reader.line_num)
            ) from None


SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE concept (
    id INTEGER PRIMARY KEY,
    uri TEXT NOT NULL,
    language TEXT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    alt_labels TEXT NOT NULL,
    folded TEXT NOT NULL,  -- each label's words as compared, one label a line, preferred first
    UNIQUE (uri, language)
);
CREATE TABLE term (word TEXT NOT NULL, concept INTEGER NOT NULL, PRIMARY KEY (word, concept))
    WITHOUT ROWID;
"""


@dataclass(frozen=True)
class ImportResult:
    path: Path
    version: str
    counts: dict[tuple[str, str], int]  # (language, kind) -> concepts
    kept_languages: tuple[str, ...]  # languages of the previous index kept as they were


def build_index(
    sources: list[SourceFile], version: str, target: Path | None = None
) -> ImportResult:
    """Write the index of `sources` (replacing their languages) atomically at `target`."""
    target = target or index_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    languages = sorted({s.language for s in sources})
    descriptor, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".index.", suffix=".tmp")
    os.close(descriptor)
    tmp = Path(tmp_name)
    kept: tuple[str, ...] = ()
    counts: dict[tuple[str, str], int] = {}
    try:
        tmp.unlink()
        db = sqlite3.connect(tmp)
        try:
            db.executescript(SCHEMA)
            with db:
                kept = _keep_other_languages(db, target, version, languages)
                for source in sources:
                    counts[(source.language, source.kind)] = _insert(db, source)
                db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("format", FORMAT), ("version", version)],
                )
            db.execute("VACUUM")
        finally:
            db.close()
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return ImportResult(target, version, counts, kept)


def _keep_other_languages(
    db: sqlite3.Connection, previous: Path, version: str, replaced: list[str]
) -> tuple[str, ...]:
    """Copy the previous index's other languages when it is of the same ESCO version."""
    old = open_index(previous)
    if old is None:
        return ()
    try:
        if old.version != version:
            return ()
        keep = [lang for lang in old.languages() if lang not in replaced]
    finally:
        old.close()
    if not keep:
        return ()
    db.execute("ATTACH DATABASE ? AS old", (str(previous),))
    marks = ",".join("?" * len(keep))
    db.execute(
        f"INSERT INTO concept SELECT * FROM old.concept WHERE language IN ({marks})",  # noqa: S608
        keep,
    )
    db.execute(
        "INSERT INTO term SELECT t.* FROM old.term t JOIN old.concept c ON c.id = t.concept "
        f"WHERE c.language IN ({marks})",  # noqa: S608
        keep,
    )
    db.commit()
    db.execute("DETACH DATABASE old")
    return tuple(keep)


def _insert(db: sqlite3.Connection, source: SourceFile) -> int:
    count = 0
    for concept, hidden in read_concepts(source):
        cursor = db.execute(
            "INSERT OR REPLACE INTO concept (uri, language, kind, label, description, status, "
            "alt_labels, folded) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                concept.uri,
                concept.language,
                concept.kind,
                concept.label,
                concept.description,
                concept.status,
                "\n".join(concept.alt_labels),
                "\n".join(" ".join(words(label)) for label in (concept.label, *concept.alt_labels)),
            ),
        )
        terms = {w for text in (concept.label, *concept.alt_labels, *hidden) for w in words(text)}
        db.executemany(
            "INSERT OR IGNORE INTO term VALUES (?, ?)", [(w, cursor.lastrowid) for w in terms]
        )
        count += 1
    return count


@dataclass(frozen=True)
class Hit:
    concept: Concept
    matched: str  # the label the query matched (the preferred one, or an alternative)


class Index:
    """An open index; `open_index` gives one, or None when there is none to use."""

    def __init__(self, db: sqlite3.Connection, path: Path, version: str) -> None:
        self.db = db
        self.path = path
        self.version = version

    def close(self) -> None:
        self.db.close()

    def languages(self) -> list[str]:
        rows = self.db.execute("SELECT DISTINCT language FROM concept ORDER BY language")
        return [row[0] for row in rows]

    def concept(self, uri: str, language: str) -> Concept | None:
        row = self.db.execute(
            "SELECT uri, kind, language, label, description, status, alt_labels FROM concept "
            "WHERE uri = ? AND language = ?",
            (uri, language),
        ).fetchone()
        return _concept(row) if row else None

    def any_language(self, uri: str) -> Concept | None:
        row = self.db.execute(
            "SELECT uri, kind, language, label, description, status, alt_labels FROM concept "
            "WHERE uri = ? ORDER BY language LIMIT 1",
            (uri,),
        ).fetchone()
        return _concept(row) if row else None

    def search(
        self, query: str, language: str, kind: str | None = None, limit: int = 20
    ) -> list[Hit]:
        """Concepts whose labels hold a word starting with each word of `query`, best first."""
        wanted = words(query)
        if not wanted:
            return []
        ids: set[int] | None = None
        # The longest word first: it usually narrows the candidates most.
        for word in sorted(set(wanted), key=len, reverse=True):
            rows = self.db.execute(
                "SELECT concept FROM term WHERE word >= ? AND word < ?", (word, word + "\U0010ffff")
            )
            found = {row[0] for row in rows}
            ids = found if ids is None else ids & found
            if not ids:
                return []
        assert ids is not None
        hits: list[tuple[tuple[int, int, int, str], Hit]] = []
        for chunk in _chunks(sorted(ids), 500):
            marks = ",".join("?" * len(chunk))
            sql = (
                "SELECT uri, kind, language, label, description, status, alt_labels, folded "
                f"FROM concept WHERE id IN ({marks}) AND language = ?"  # noqa: S608
            )
            params: list[object] = [*chunk, language]
            if kind:
                sql += " AND kind = ?"
                params.append(kind)
            for row in self.db.execute(sql, params):
                hits.append(_ranked(_concept(row[:7]), row[7].split("\n"), wanted))
        hits.sort(key=lambda pair: pair[0])
        return [hit for _rank, hit in hits[:limit]]


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _covers(folded_label: str, wanted: list[str]) -> bool:
    have = folded_label.split()
    return all(any(h.startswith(w) for h in have) for w in wanted)


def _ranked(
    concept: Concept, folded: list[str], wanted: list[str]
) -> tuple[tuple[int, int, int, str], Hit]:
    """Released concepts first; then a label that is exactly the query (preferred or not);
    then a preferred label holding the words before an alternative one; then shorter labels.

    `folded`: the concept's labels as `words` gives them, the preferred one first.
    """
    labels = (concept.label, *concept.alt_labels)
    query = " ".join(wanted)
    exact = next((i for i, label in enumerate(folded) if label == query), None)
    if exact is not None:
        where, matched = 0, exact
    elif _covers(folded[0], wanted):
        where, matched = 1, 0
    else:
        where = 2
        matched = next((i for i, label in enumerate(folded) if _covers(label, wanted)), 0)
    rank = (int(concept.obsolete), where, len(concept.label), folded[0])
    return rank, Hit(concept, labels[matched] if matched < len(labels) else concept.label)


def _concept(row: tuple) -> Concept:
    uri, kind, language, label, description, status, alt = row
    return Concept(uri, kind, language, label, description, status, tuple(alt.splitlines()))


def open_index(path: Path | None = None) -> Index | None:
    """The index at `path` (default: the user's), or None if there is none or it is unusable."""
    path = path or index_path()
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error:
        return None
    if meta.get("format") != FORMAT or "version" not in meta:
        db.close()
        return None
    return Index(db, path, meta["version"])


def require_index() -> Index:
    index = open_index()
    if index is None:
        raise InsigneError(
            Problem(
                index_path(),
                "no ESCO index",
                hint="download ESCO (https://esco.ec.europa.eu/en/use-esco/download: "
                "classification, csv) and run 'insigne esco import FOLDER'",
            )
        )
    return index


__all__ = ["KINDS", "Hit", "Index", "build_index", "find_files", "open_index"]
