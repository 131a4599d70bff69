"""Rows of awards from a spreadsheet export (LibreOffice, Excel, Google Sheets), checked one by one.

Spreadsheets are exported in many dialects: `,` or `;` separators (`;` wherever the decimal mark
is a comma, as in French), UTF-8 with or without a byte order mark, CRLF line ends, quoted
fields holding separators or line breaks, headers in English or French. This module turns any
of them into `AwardRow`s, and every row into either an accepted row or a reason to reject it.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.fields import is_http_url
from generator.recipients import is_valid_email, normalise_email

# Header spellings, compared after `_header_key` (lowercase, no accents, single spaces).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email",
        "e-mail",
        "mail",
        "courriel",
        "adresse e-mail",
        "adresse email",
        "adresse mail",
        "adresse courriel",
        "adresse electronique",
        "email address",
        "e-mail address",
    ),
    "name": ("name", "full name", "nom", "nom complet", "prenom nom", "nom prenom", "recipient"),
    "given": ("prenom", "first name", "given name"),
    "family": ("nom de famille", "last name", "surname", "family name"),
    "date": (
        "date",
        "issued on",
        "issued_on",
        "issue date",
        "date d'obtention",
        "date obtention",
        "date de delivrance",
        "date d'attribution",
    ),
    "evidence": ("evidence", "evidence url", "preuve", "lien", "lien preuve", "url", "link"),
    "narrative": ("narrative", "recit", "commentaire", "comment", "comments", "commentaires"),
}
_ALIASES = {alias: column for column, aliases in COLUMN_ALIASES.items() for alias in aliases}
KNOWN_HEADERS = "email, name, date, evidence, narrative (or courriel, nom, date, preuve, récit)"


class CsvError(ValueError):
    """The file as a whole cannot be read as awards (no email column, not text, ...)."""


@dataclass(frozen=True)
class AwardRow:
    """One recipient to award, as given (a CSV row or a command-line email)."""

    line: int | None  # the CSV line, None for command-line arguments
    email: str
    name: str | None = None
    date_text: str | None = None
    evidence: str | None = None
    narrative: str | None = None
    problem: str | None = None  # why the row cannot be read as one recipient (see _row)


@dataclass(frozen=True)
class CheckedRow:
    row: AwardRow
    email: str  # normalised
    issued_on: date


@dataclass
class CsvTable:
    rows: list[AwardRow]
    columns: dict[str, str]  # header as written -> our column
    unknown_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _header_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("’", "'").replace("_", " ").strip().lower()
    return re.sub(r"\s+", " ", plain)


def decode(data: bytes) -> tuple[str, str | None]:
    """The text of a CSV file, and a note when it was not UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        # Excel's plain "CSV" on Windows is cp1252; reading it as such is right far more
        # often than refusing, and the accents in the report let the maintainer check.
        return data.decode("cp1252", errors="replace"), (
            "the file is not UTF-8; read it as Windows-1252 (Excel's default). Check the "
            "accents below, or export as 'CSV UTF-8'"
        )


def sniff_delimiter(header_line: str) -> str:
    """`,`, `;` or tab: whichever splits the header line the most (outside quotes)."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {sep: outside.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


# A spreadsheet export larger than this is not a list of recipients.
MAX_CSV_BYTES = 32 * 1024 * 1024
_FIELD_LIMIT_KIB = csv.field_size_limit() // 1024


def read_csv_file(path: Path) -> bytes:
    """The bytes of a CSV file; a FIFO, a device or a folder is refused before it is read."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; regular files ignore it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise CsvError(f"cannot open the file ({exc.strerror})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise CsvError("not a regular file (a device, a pipe or a folder): export to a file")
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > MAX_CSV_BYTES:
            raise CsvError(
                f"the file is {info.st_size // (1024 * 1024)} MiB; a list of recipients "
                f"fits in {MAX_CSV_BYTES // (1024 * 1024)} MiB: split it"
            )
        return handle.read(MAX_CSV_BYTES + 1)


def read_csv(data: bytes) -> CsvTable:
    text, note = decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if not first_line:
        raise CsvError("the file is empty")
    delimiter = sniff_delimiter(first_line)
    # strict: a quote left open to the end of the file is an error, not one long last field.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[AwardRow] = []
    indexes: dict[str, int] = {}
    columns: dict[str, str] = {}
    unknown: list[str] = []
    line = 0
    while True:
        start_line = line + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise CsvError(_syntax_error(str(exc), start_line, reader.line_num)) from None
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = record
            indexes, columns, unknown = _map_header(header)
            continue
        rows.append(_row(record, indexes, start_line, line, delimiter))
    if header is None:
        raise CsvError("the file is empty")
    if "email" not in indexes:
        raise CsvError(
            f"no email column in the header {[h.strip() for h in header]}; "
            f"name the columns {KNOWN_HEADERS}"
        )
    return CsvTable(rows, columns, unknown, [note] if note else [])


def _syntax_error(message: str, start: int, end: int) -> str:
    where = f"line {start}" if end <= start else f"lines {start}-{end}"
    if "field larger than field limit" in message:
        return (
            f'{where}: a field is longer than {_FIELD_LIMIT_KIB} KiB, which is what a quote (") '
            "left open does: it takes in the rows after it. Close the quote (or remove it) "
            "and import again"
        )
    if "unexpected end of data" in message:
        return (
            f'line {start}: a quote (") opened in this row is never closed, so every row '
            "after it was read as part of one field. Close the quote (or remove it) and import "
            "again"
        )
    return (
        f'{where}: {message}: a quote (") opened on line {start} may be left open, taking in '
        'the rows after it, or a quote inside a field is not doubled (""). Close or double '
        "the quote, or export the file again from the spreadsheet"
    )


# Columns that never hold a line break: one there means a quote took in the rows after it.
_ONE_LINE_COLUMNS = ("email", "name", "given", "family", "date", "evidence")
# A line of a multi-line narrative that reads like a row of recipients.
_ROW_LIKE = re.compile(r"[^\s@,;]+@[^\s@,;]+\.[A-Za-z]{2,}")


def _map_header(header: list[str]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    indexes: dict[str, int] = {}
    columns: dict[str, str] = {}
    unknown: list[str] = []
    keys = [_header_key(h) for h in header]
    has_given = any(_ALIASES.get(k) == "given" for k in keys)
    for index, (written, key) in enumerate(zip(header, keys, strict=True)):
        if not key:
            continue  # a trailing separator: an empty, nameless column
        column = _ALIASES.get(key)
        if column == "name" and key == "nom" and has_given:
            column = "family"  # "Prénom" and "Nom" side by side: Nom is the family name
        if column is None:
            unknown.append(written.strip())
            continue
        if column in indexes:
            unknown.append(f"{written.strip()} (a second {column} column)")
            continue
        indexes[column] = index
        columns[written.strip()] = column
    return indexes, columns, unknown


def _row(
    record: list[str], indexes: dict[str, int], line: int, end_line: int, delimiter: str
) -> AwardRow:
    def cell(column: str) -> str | None:
        index = indexes.get(column)
        if index is None or index >= len(record):
            return None
        # Excel writes CRLF inside quoted multi-line cells too.
        value = record[index].replace("\r\n", "\n").strip()
        return value or None

    problem = None
    for column in (*_ONE_LINE_COLUMNS, "narrative"):
        value = cell(column)
        if value is None or "\n" not in value:
            continue
        later = value.split("\n")[1:]
        if column == "narrative" and not any(
            delimiter in text and _ROW_LIKE.search(text) for text in later
        ):
            continue  # a narrative may run over several lines
        problem = (
            f'its {column} runs over lines {line}-{end_line}: a quote (") left open took in '
            "the rows after it. Close the quote (or remove it) and import again"
        )
        break
    name = cell("name")
    parts = [p for p in (cell("given"), cell("family")) if p]
    if name is None and parts:
        name = " ".join(parts)
    return AwardRow(
        line=line,
        email=cell("email") or "",
        name=name,
        date_text=cell("date"),
        evidence=cell("evidence"),
        narrative=cell("narrative"),
        problem=problem,
    )


_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DMY_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")


class BadDate(ValueError):
    pass


def parse_date(text: str) -> date:
    """YYYY-MM-DD, or day first as spreadsheets in Europe write it: 15/09/2017, 15.09.17."""
    text = text.strip()
    try:
        match = _ISO_RE.match(text)
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        match = _DMY_RE.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            if month > 12 and day <= 12:
                # 09/15/2017 is month first: refuse rather than guess the other dates wrong.
                raise BadDate(f"{text!r} looks like month/day/year; write 2017-09-15")
            if year < 100:
                year += 2000
            return date(year, month, day)
    except ValueError as exc:
        if isinstance(exc, BadDate):
            raise
        raise BadDate(f"{text!r} is not a valid date") from None
    raise BadDate(f"{text!r} is not a date: write YYYY-MM-DD or DD/MM/YYYY")


def check_rows(
    rows: list[AwardRow], default_date: date, already: set[tuple[str, date]]
) -> tuple[list[CheckedRow], list[tuple[AwardRow, str]]]:
    """Accepted rows, and rejected rows with the reason; `already` holds (email, date) awarded."""
    accepted: list[CheckedRow] = []
    rejected: list[tuple[AwardRow, str]] = []
    seen: dict[tuple[str, date], AwardRow] = {}
    for row in rows:
        if row.problem is not None:
            rejected.append((row, row.problem))
            continue
        email = normalise_email(row.email)
        if not email:
            rejected.append((row, "no email"))
            continue
        if not is_valid_email(email):
            rejected.append((row, f"{row.email.strip()!r} is not a valid email address"))
            continue
        try:
            issued = parse_date(row.date_text) if row.date_text else default_date
        except BadDate as exc:
            rejected.append((row, str(exc)))
            continue
        if row.evidence is not None and not is_http_url(row.evidence):
            rejected.append((row, f"evidence {row.evidence!r} is not an absolute http(s) URL"))
            continue
        key = (email, issued)
        if key in already:
            rejected.append((row, f"{email} already has this badge dated {issued.isoformat()}"))
            continue
        first = seen.get(key)
        if first is not None:
            where = f"line {first.line}" if first.line else "an earlier argument"
            rejected.append((row, f"duplicate of {where} ({email}, {issued.isoformat()})"))
            continue
        seen[key] = row
        accepted.append(CheckedRow(row, email, issued))
    return accepted, rejected
