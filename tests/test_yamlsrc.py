"""YAML loading: the fast construction gives exactly what PyYAML's constructor gives."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.yamlsrc import LineDict, LineList, YamlError, _Loader, parse_yaml


def reference(text: str) -> Any:
    """The same loader through PyYAML's own construction of every node."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - safe loader subclass


def same(fast: Any, full: Any) -> None:
    assert type(fast) is type(full)
    if isinstance(full, LineDict):
        assert list(fast) == list(full)
        assert (fast.line, fast.key_lines) == (full.line, full.key_lines)
        for key in full:
            same(fast[key], full[key])
    elif isinstance(full, LineList):
        assert (fast.line, fast.item_lines, len(fast)) == (full.line, full.item_lines, len(full))
        for a, b in zip(fast, full, strict=True):
            same(a, b)
    else:
        assert fast == full


scalars = st.one_of(
    st.text(max_size=20),
    st.integers(),
    st.booleans(),
    st.none(),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    st.floats(allow_nan=False),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=10), st.integers()), inner, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from([None, False, True]))
def test_any_document_loads_as_pyyaml_loads_it(data: Any, flow: bool | None) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow)
    same(parse_yaml(text), reference(text))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "badge: atelier\nissued_on: 2018-06-30\nrecipients:\n  - a@example.org\n"
        "  - email: b@example.org\n    public: yes\n    name: Zoé\n",
        "base: &base\n  badge: atelier\n  issued_on: 2018-06-30\nother:\n  <<: *base\n"
        "  badge: fablab\n",  # merge key
        "a: &list [1, 2]\nb: *list\n",  # a sequence in two places
        "name: &n Zoé\nalso: *n\n",  # an alias of a string
        "when: 2018-13-45\n",  # not a date: kept as text
        "? [a, b]\n: value\n",  # a key that cannot be one
        "a: 1\na: 2\n",  # duplicate key
        "a: !custom x\n",
        "a: [1, 2\n",
        "--- 1\n--- 2\n",
        "=: value\n",
    ],
)
def test_edge_documents_load_or_fail_as_pyyaml_does(text: str) -> None:
    try:
        expected = reference(text)
    except yaml.MarkedYAMLError as exc:
        with pytest.raises(YamlError) as raised:
            parse_yaml(text)
        mark = exc.problem_mark or exc.context_mark
        assert mark is not None and raised.value.line == mark.line + 1
        assert str(exc.problem or exc.context) in raised.value.message
        return
    same(parse_yaml(text), expected)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: &me\n  self: *me\n", 1),  # a mapping inside itself
        ("a: &l [1, [2, *l]]\n", 1),  # a list inside itself
    ],
)
def test_a_document_inside_itself_is_refused(text: str, line: int) -> None:
    with pytest.raises(YamlError) as raised:
        parse_yaml(text)
    assert raised.value.message == (
        "invalid YAML: an alias (*name) refers to a mapping or list that contains it"
    )
    assert raised.value.line == line


def test_alias_expansion_is_bounded() -> None:
    lines = ['l0: &l0 ["lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 30)]
    with pytest.raises(YamlError) as raised:
        parse_yaml("\n".join(lines))  # 3 * 10**29 "lol"s when expanded
    assert raised.value.message.startswith(
        "invalid YAML: aliases (*name) expand this document beyond 100,000 characters"
    )
    # Aliases that only share a few values stay allowed: merge keys, lists reused.
    shared = "d: &d {badge: a, issued_on: 2020-01-01}\n" + "".join(
        f"r{i}: {{<<: *d, n: {i}}}\n" for i in range(2000)
    )
    assert parse_yaml(shared)["r1999"] == {"badge": "a", "issued_on": date(2020, 1, 1), "n": 1999}
