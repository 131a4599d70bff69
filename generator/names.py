"""The allow-lists of every name that becomes part of an output path.

An award id, a badge slug, a language code, a theme or key name is read from a file someone
may have edited (or a merge may have mixed up), and ends up in a path under `output/` (or a
folder Insigne reads). Each is checked here, where it is read, against what Insigne itself
writes: never a deny-list of dangerous characters. `OutputWriter` checks every path again
(`safe_relative`) as a second line of defence.
"""

from __future__ import annotations

import re

# Award ids: what `ledger.new_award_id` draws (no characters that look alike: 0/o, 1/l/i).
AWARD_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
AWARD_ID_LENGTH = 10
AWARD_ID_RE = re.compile(rf"[{AWARD_ID_ALPHABET}]{{{AWARD_ID_LENGTH}}}")
# Badge slugs: the file name of `badges/<slug>.md`.
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
# BCP 47 language tags as Insigne accepts them; pages of other languages live under `<tag>/`.
LANGUAGE_RE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8}){0,4}")
# Theme names: a folder under `themes/`.
THEME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
# Key ids: `keys.key_id`, "<type>-<8 hex digits>"; published as `keys/<id>.json`.
KEY_ID_RE = re.compile(r"(rsa|ed25519)-[0-9a-f]{8}")


def is_award_id(value: object) -> bool:
    return isinstance(value, str) and AWARD_ID_RE.fullmatch(value) is not None


def is_slug(value: object) -> bool:
    return isinstance(value, str) and SLUG_RE.fullmatch(value) is not None


def is_language(value: object) -> bool:
    return isinstance(value, str) and LANGUAGE_RE.fullmatch(value) is not None


def is_theme_name(value: object) -> bool:
    return isinstance(value, str) and THEME_RE.fullmatch(value) is not None


def is_key_id(value: object) -> bool:
    return isinstance(value, str) and KEY_ID_RE.fullmatch(value) is not None


def safe_relative(rel: str) -> bool:
    """A path relative to the output root that stays inside it, written as Insigne writes them.

    Plain `/`-separated names: not absolute, no `.` or `..` or empty part, no backslash, no
    control character, nothing a file system could read as a drive or a stream.
    """
    if not rel or rel.startswith("/") or "\\" in rel or ":" in rel:
        return False
    if any(ord(c) < 0x20 or c == "\x7f" for c in rel):
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))
