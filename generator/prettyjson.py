"""The published JSON text: what `json.dumps(doc, ensure_ascii=False, indent=2)` gives, faster.

With `indent`, the standard library falls back to its pure-Python encoder (a generator per
level), which was about a tenth of a cold build. The documents we publish are plain trees of
dict, list, str, int, bool and None, so a small recursive printer using the C string encoder
produces the same text in a fraction of the time. Anything else (a float, a subclass, a
non-string key) sends the whole document to `json.dumps`, so the output is identical for every
input; tests/test_prettyjson.py compares the two on generated documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import repeat
from json.encoder import encode_basestring
from typing import Any


class _Unusual(Exception):
    """A value this printer leaves to json.dumps."""


def dumps(doc: Any) -> str:
    """`json.dumps(doc, ensure_ascii=False, indent=2)`, character for character."""
    out: list[str] = []
    try:
        _emit(doc, out, "\n")
    except (_Unusual, RecursionError):
        return json.dumps(doc, ensure_ascii=False, indent=2)
    return "".join(out)


def _emit(value: Any, out: list[str], newline: str) -> None:
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif kind is dict:
        _members(_dict_members(value), "{}", out, newline)
    elif kind is list or kind is tuple:
        _members(zip(repeat(""), value), "[]", out, newline)
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif value is None:
        out.append("null")
    elif kind is int:
        out.append(int.__repr__(value))
    else:
        raise _Unusual


def _members(
    members: Iterable[tuple[str, Any]], brackets: str, out: list[str], newline: str
) -> None:
    """An object's or array's members, each (its `"key": ` or "", its value), one per line."""
    inner = newline + "  "
    separator = "," + inner
    start = len(out)
    out.append(brackets[0] + inner)
    for prefix, item in members:
        if type(item) is str:  # most values: no call
            out.append(prefix + encode_basestring(item))
        else:
            out.append(prefix)
            _emit(item, out, inner)
        out.append(separator)
    if len(out) == start + 1:
        out[start] = brackets  # empty: "{}" or "[]" on one line, as json.dumps writes it
    else:
        out[-1] = newline + brackets[1]  # the last separator becomes the closing line


def _dict_members(value: dict[Any, Any]) -> Iterator[tuple[str, Any]]:
    for key, item in value.items():
        if type(key) is not str:
            raise _Unusual
        yield encode_basestring(key) + ": ", item
