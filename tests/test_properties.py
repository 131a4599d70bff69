"""Property: whatever text a maintainer puts in site.yaml, a badge file or an award file, `insigne
build` either builds (exit 0) or explains the problem (exit 1) — never a traceback.

Inputs are generated three ways: arbitrary text, YAML dumped from random nested data using the
real field names (so the loader gets past parsing and into the field checks), and small
mutations of the real example files.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator.cli import main
from tests.harness import repo_root

EXAMPLE = repo_root() / "content"
SITE_KEYS = [
    "base_url",
    "title",
    "language",
    "languages",
    "timezone",
    "theme",
    "issuer",
    "name",
    "url",
    "email",
    "description",
    "image",
    "linkedin_organization_id",
]
BADGE_KEYS = ["name", "description", "image", "tags", "alignment", "expires_after", "criteria"]
AWARD_KEYS = [
    "badge",
    "issued_on",
    "expires",
    "evidence",
    "narrative",
    "recipients",
    "email",
    "name",
    "public",
    "revoked",
    "identity",
    "salt",
    "url",
]
TRICKY_TEXT = st.sampled_from(
    [
        "echofablab",
        "gestion-de-projet",
        "images/echofablab.png",
        "images/ping.png",
        "images/../../etc/passwd",
        "https://badges.example.org/",
        "http://127.0.0.1:8000/x",
        "ada@example.org",
        "not an email",
        "2017-09-15",
        "2017-02-30",
        "2099-01-01",
        "18 months",
        "-3 years",
        "Europe/Paris",
        "Mars/Olympus",
        "sha256$" + "0" * 64,
        "sha256$XYZ",
        "fr",
        "",
        " ",
        "\t",
        "é🎉\u202e",
        "{{ 7*7 }}",
        "<script>alert(1)</script>",
        "null",
        "~",
        "---",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    TRICKY_TEXT,
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
)


def nested(keys: list[str]) -> st.SearchStrategy[Any]:
    key = st.one_of(st.sampled_from(keys), st.text(max_size=12), st.integers(), st.booleans())
    return st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(key, inner, max_size=6),
        max_leaves=14,
    )


def dumped(keys: list[str]) -> st.SearchStrategy[str]:
    top = st.dictionaries(st.sampled_from(keys), nested(keys), max_size=len(keys))
    return st.one_of(top, nested(keys)).map(
        lambda data: yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    )


def mutated(text: str) -> st.SearchStrategy[str]:
    """The example file with one line replaced, deleted or duplicated, or cut short."""
    lines = text.splitlines(keepends=True)

    def apply(choice: tuple[int, int, str]) -> str:
        index, action, new = choice
        index %= len(lines)
        copy = list(lines)
        if action == 0:
            copy[index] = new + "\n"
        elif action == 1:
            del copy[index]
        elif action == 2:
            copy.insert(index, copy[index])
        else:
            return "".join(copy)[: index * 7]
        return "".join(copy)

    return st.tuples(
        st.integers(min_value=0, max_value=10_000),
        st.integers(min_value=0, max_value=3),
        st.one_of(st.text(max_size=40), TRICKY_TEXT.map(lambda t: f"x: {t}")),
    ).map(apply)


def text_input(keys: list[str], example: str) -> st.SearchStrategy[str]:
    return st.one_of(st.text(max_size=200), dumped(keys), mutated(example))


def build_with(relative: str, text: str, front_matter: bool = False) -> None:
    """Build a copy of the example with one file replaced; assert a clean exit."""
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        shutil.copytree(EXAMPLE, content)
        (content / "ledger.json").unlink()  # so changed awards may build, not only fail
        if front_matter:
            text = f"---\n{text}\n---\nCriteria in *Markdown*.\n"
        (content / relative).write_bytes(text.encode("utf-8", "surrogatepass"))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["build", "--content", str(content), "--output", str(Path(tmp) / "out")])
        stderr = err.getvalue()
        event(f"exit {code}")  # --hypothesis-show-statistics: both outcomes must occur
        assert code in (0, 1), (code, stderr)
        assert "Traceback" not in stderr
        if code == 1:
            assert stderr.strip(), "a failed build must say why"


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@SETTINGS
@given(text_input(SITE_KEYS, (EXAMPLE / "site.yaml").read_text("utf-8")))
def test_any_site_yaml_builds_or_fails_cleanly(text: str) -> None:
    build_with("site.yaml", text)


@SETTINGS
@given(
    st.one_of(
        text_input(BADGE_KEYS, (EXAMPLE / "badges" / "echofablab.md").read_text("utf-8")),
        dumped(BADGE_KEYS).map(lambda t: "\x00FM\x00" + t),
    )
)
def test_any_badge_file_builds_or_fails_cleanly(text: str) -> None:
    if text.startswith("\x00FM\x00"):
        build_with("badges/echofablab.md", text[4:], front_matter=True)
    else:
        build_with("badges/echofablab.md", text)


@SETTINGS
@given(text_input(AWARD_KEYS, (EXAMPLE / "awards" / "2017-echofablab.yaml").read_text("utf-8")))
def test_any_award_file_builds_or_fails_cleanly(text: str) -> None:
    build_with("awards/2017-echofablab.yaml", text)
