"""The published JSON text is json.dumps(indent=2)'s, whichever printer makes it."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from generator import prettyjson
from generator.ob2 import to_json_bytes


def reference(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2)


# Text with what JSON escapes: quotes, backslashes, controls, non-ASCII, surrogate-free astral.
TEXT = st.text(
    st.one_of(
        st.sampled_from('"\\/\n\r\t\x00\x1f\x7f\u2028é€😀<>&'),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=12,
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    TEXT,
)
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(TEXT, children, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(TREES)
def test_same_text_as_json_dumps(doc: Any) -> None:
    assert prettyjson.dumps(doc) == reference(doc)


def test_unusual_values_are_left_to_json_dumps() -> None:
    unusual = [
        {"score": 1.5, "nested": [0.1, -2.0, 1e300]},
        {1: "int key", False: "bool key", None: "none key"},
        {"tuple": ("a", 1, None)},
        OrderedDict([("b", 1), ("a", [])]),
        {"float": float("inf")},
        [[], {}, [[]], [{}]],
        "",
        7,
    ]
    for doc in unusual:
        assert prettyjson.dumps(doc) == reference(doc)


def test_str_and_int_subclasses_keep_json_dumps_text() -> None:
    class Flag(int):
        def __repr__(self) -> str:
            return "Flag()"

    class Name(str):
        pass

    doc = {"flag": Flag(3), Name("k"): Name("v"), "flags": [True, False]}
    assert prettyjson.dumps(doc) == reference(doc)


def test_circular_document_is_an_error_as_with_json_dumps() -> None:
    doc: dict[str, Any] = {}
    doc["self"] = doc
    try:
        prettyjson.dumps(doc)
    except ValueError as error:
        assert "ircular" in str(error)
    else:
        raise AssertionError("a circular document must not print")


def test_published_bytes_end_with_one_newline_and_are_utf8() -> None:
    data = to_json_bytes({"name": "Éco-citoyenneté", "n": [1, 2]})
    assert data == (reference({"name": "Éco-citoyenneté", "n": [1, 2]}) + "\n").encode("utf-8")
    assert data.endswith(b"]\n}\n")
    assert "Éco".encode() in data
