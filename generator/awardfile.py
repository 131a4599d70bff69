"""Appending recipients to an award file, keeping every byte the maintainer wrote.

The text of a new recipient is spliced in after the last item of `recipients:` (through
`yamledit.append_item`), never produced by dumping the whole file again, so comments, blank
lines and odd indentation elsewhere stay exactly as they were. After writing, the whole content
is loaded again: an edit that breaks the content is undone, never left behind silently.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.atomic import write_atomic
from generator.contentfile import ContentFileError, read_content
from generator.csvimport import CheckedRow
from generator.dates import DateError, parse_moment
from generator.errors import InsigneError, Problem
from generator.model import Site
from generator.yamledit import YamlEditError, append_item, quote
from generator.yamlsrc import YamlError, parse_yaml

_PLAIN_EMAIL_RE = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+$")
_BOM = "\ufeff"


@dataclass(frozen=True)
class AwardFileEdit:
    path: Path
    before: bytes | None  # None when the file is new
    after: bytes


def _email(value: str) -> str:
    return value if _PLAIN_EMAIL_RE.match(value) else quote(value)


def recipient_item(
    row: CheckedRow, file_date: date | None, evidence: str | None
) -> str | dict[str, str]:
    """YAML text of one recipient: a bare email when nothing else needs saying."""
    fields: dict[str, str] = {"email": _email(row.email)}
    if row.row.name:
        fields["name"] = quote(row.row.name)
    if row.issued_on != file_date:
        fields["issued_on"] = row.issued_on.isoformat()
    link = row.row.evidence or evidence
    if link:
        fields["evidence"] = quote(link)
    if row.row.narrative:
        fields["narrative"] = quote(row.row.narrative)
    if len(fields) == 1:
        return fields["email"]
    return fields


def _item_lines(item: str | dict[str, str], newline: str) -> str:
    if isinstance(item, str):
        return f"  - {item}{newline}"
    pairs = list(item.items())
    text = f"  - {pairs[0][0]}: {pairs[0][1]}{newline}"
    return text + "".join(f"    {k}: {v}{newline}" for k, v in pairs[1:])


def new_file_text(slug: str, rows: list[CheckedRow], evidence: str | None) -> str:
    # The most common date becomes the file's issued_on; the others are set per recipient.
    file_date = Counter(r.issued_on for r in rows).most_common(1)[0][0]
    head = (
        f"# Awards of the '{slug}' badge. Add recipients by hand or with:\n"
        f"#   insigne award {slug} EMAIL... [--date YYYY-MM-DD]\n"
        f"badge: {slug}\n"
        f"issued_on: {file_date.isoformat()}\n"
        "recipients:\n"
    )
    return head + "".join(_item_lines(recipient_item(r, file_date, evidence), "\n") for r in rows)


def _file_date(data: dict, site: Site) -> date | None:
    value = data.get("issued_on")
    if value is None:
        return None
    try:
        return parse_moment(value, site.timezone).date()
    except DateError:
        return None


def plan_append(
    path: Path, slug: str, site: Site, rows: list[CheckedRow], evidence: str | None
) -> AwardFileEdit:
    if not path.exists():
        return AwardFileEdit(path, None, new_file_text(slug, rows, evidence).encode("utf-8"))
    try:
        before = read_content(path, "yaml", site.content_dir)
    except ContentFileError as exc:
        raise InsigneError(exc.problem()) from None
    try:
        text = before.decode("utf-8")
    except UnicodeDecodeError:
        raise InsigneError(Problem(path, "not UTF-8 text", hint="save the file as UTF-8")) from None
    bom = text.startswith(_BOM)
    body = text[1:] if bom else text
    try:
        data = parse_yaml(body)
    except YamlError as exc:
        raise InsigneError(Problem(path, exc.message, exc.line, "fix the file first")) from None
    if not isinstance(data, dict):
        raise InsigneError(
            Problem(path, "not an award file (badge:, issued_on:, recipients:)", 1)
        ) from None
    if data.get("badge") != slug:
        raise InsigneError(
            Problem(
                path,
                f"this file awards {data.get('badge')!r}, not {slug!r}",
                hint="pass --file with a file of this badge, or leave --file out",
            )
        )
    file_date = _file_date(data, site)
    newline = "\r\n" if "\r\n" in body else "\n"
    items = [recipient_item(r, file_date, evidence) for r in rows]
    try:
        if "recipients" not in data:
            tail = "" if not body or body.endswith(("\n", "\r")) else newline
            body += tail + "recipients:" + newline
            body += "".join(_item_lines(item, newline) for item in items)
        else:
            for item in items:
                body = append_item(body, "recipients", item)
    except YamlEditError as exc:
        raise InsigneError(
            Problem(path, f"cannot append to this file: {exc}", hint="add the recipients by hand")
        ) from None
    after = (_BOM if bom else "") + body
    return AwardFileEdit(path, before, after.encode("utf-8"))


def apply(edit: AwardFileEdit, content_dir: Path) -> None:
    """Write the edit, then load the content again; undo the edit if the content is broken."""
    from generator.content import load_model

    write_atomic(edit.path, edit.after)
    try:
        load_model(content_dir)
    except InsigneError as exc:
        if edit.before is None:
            edit.path.unlink()
        else:
            write_atomic(edit.path, edit.before)
        raise InsigneError(
            [*exc.problems, Problem(edit.path, "the edit above broke the content; it was undone")]
        ) from None
