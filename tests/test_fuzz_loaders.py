"""Every loader of what a maintainer writes either succeeds or says what is wrong (issue 15,
item 11): site.yaml, badge files (front matter, body, translations), award files, a CSV export
and keys.json are fed structured values of every YAML kind (wrong types, huge integers, odd
dates and zones, unicode, nested mappings) in place of valid ones. The only exception allowed
out of a loader is Insigne's own `InsigneError` (the CSV reader's `CsvError`, which the command
turns into one); anything else is a traceback a user would see.

Deterministic (derandomized, no example database) and bounded (`max_examples`), so it runs the
same everywhere in well under a minute.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.awards import load_award_file, load_awards
from generator.badges import load_badges
from generator.content import load_model
from generator.csvimport import CsvError, check_rows, read_csv
from generator.errors import InsigneError, Problems
from generator.keys import KeyRing
from generator.model import Badge, Site
from generator.siteconfig import load_site
from tests.harness import repo_root

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class Digits(str):
    """An integer written out, of any size: 5,000 digits cannot go through int() and back."""


# -- YAML values and their text ------------------------------------------------------------

ZONES = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=-12)), timezone(timedelta(hours=14, minutes=59))]
)
ODD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "2017-02-30",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "10000 years",
        "2 years",
        "18 mois",
        "999999999999 days",
        "https://example.org/a",
        "javascript:alert(1)",
        "images/../../etc/passwd",
        "images/ping.png",
        "/dev/zero",
        "a@example.org",
        "Ada@Example.ORG ",
        "sha256$" + "0" * 64,
        "Europe/Paris",
        "Pacific/Auckland",
        "../../etc/localtime",
        "fr",
        "en",
        "x" * 300,
        "é\u0301\u200b\u202e",
        "\ufeff",
        "<script>alert(1)</script>",
        "hosted",
        "signed",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.just(Digits("9" * 5000)),
    st.just(Digits("-" + "1" * 4400)),
    st.floats(),
    st.text(max_size=20),
    ODD_TEXT,
    st.dates(),
    st.datetimes(timezones=ZONES),
)


def values(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)
        ),
        max_leaves=12,
    )


def to_yaml(value: Any) -> str:
    """YAML flow text for any value above (flow style nests anywhere on one line)."""
    if isinstance(value, Digits):
        return str.__str__(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value)  # a YAML double-quoted string
    if isinstance(value, list):
        return "[" + ", ".join(map(to_yaml, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{to_yaml(k)}: {to_yaml(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def document(base: dict[str, Any], overrides: dict[str, Any], removed: list[str]) -> str:
    merged = {k: v for k, v in {**base, **overrides}.items() if k not in removed}
    return "".join(f"{to_yaml(k)}: {to_yaml(v)}\n" for k, v in merged.items())


def fields_of(names: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=8))


# -- a scratch project, reused from one example to the next ----------------------------------

EXAMPLE = repo_root() / "content"


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="insigne-fuzz-") as folder:
        content = Path(folder) / "content"
        shutil.copytree(EXAMPLE, content)
        yield content


def reset(content: Path) -> None:
    for sub in ("badges", "awards"):
        shutil.rmtree(content / sub, ignore_errors=True)
        shutil.copytree(EXAMPLE / sub, content / sub)
    for name in ("site.yaml", "ledger.json"):
        shutil.copyfile(EXAMPLE / name, content / name)
    (content / "keys.json").unlink(missing_ok=True)


def example_site(content: Path) -> tuple[Site, dict[str, Badge]]:
    site, problems = load_site(content, None)
    assert site is not None and not problems
    badges = load_badges(site, problems)
    assert not problems
    return site, badges


def loads_or_says_why(load: Any, *args: Any) -> Any:
    """Run a loader: a result, or InsigneError (whatever else escapes fails the test)."""
    try:
        return load(*args)
    except InsigneError as exc:
        assert exc.problems, "an error must say what is wrong"
        return None


# -- site.yaml -------------------------------------------------------------------------------

SITE_BASE = {
    "base_url": "https://badges.example.org/",
    "title": "Badges",
    "language": "fr",
    "languages": ["fr", "en"],
    "timezone": "Europe/Paris",
    "issuer": {"name": "PING", "url": "https://www.pingbase.net/", "email": "b@pingbase.net"},
}
SITE_FIELDS = [*SITE_BASE, "theme", "verification", "linkedin"]
ISSUER_FIELDS = ["name", "url", "email", "description", "image"]


@FUZZ
@given(
    overrides=st.dictionaries(st.sampled_from(SITE_FIELDS), values(fields_of(ISSUER_FIELDS))),
    issuer=st.dictionaries(st.sampled_from(ISSUER_FIELDS), values(fields_of(ISSUER_FIELDS))),
    removed=st.lists(st.sampled_from(SITE_FIELDS)),
)
def test_site_yaml(
    scratch: Path, overrides: dict[str, Any], issuer: dict[str, Any], removed: list[str]
) -> None:
    reset(scratch)
    base = {**SITE_BASE, "issuer": {**SITE_BASE["issuer"], **issuer}}
    (scratch / "site.yaml").write_text(document(base, overrides, removed), "utf-8")
    loads_or_says_why(load_site, scratch, None)
    loads_or_says_why(load_model, scratch)


# -- badge files -----------------------------------------------------------------------------

BADGE_BASE = {
    "name": "Soldering",
    "description": "Can solder",
    "image": "images/echofablab.png",
    "expires_after": "2 years",
}
BADGE_FIELDS = [*BADGE_BASE, "tags", "alignments", "verification"]
ALIGNMENT_FIELDS = ["name", "url", "description", "framework", "code"]


@FUZZ
@given(
    overrides=st.dictionaries(
        st.sampled_from(BADGE_FIELDS), values(fields_of(ALIGNMENT_FIELDS)), max_size=3
    ),
    removed=st.lists(st.sampled_from(BADGE_FIELDS)),
    body=st.one_of(st.text(max_size=40), st.just(""), st.just("---\n")),
    translation=st.one_of(
        st.none(),
        st.dictionaries(st.sampled_from(BADGE_FIELDS), values(fields_of(ALIGNMENT_FIELDS))),
    ),
    front=st.booleans(),
)
def test_badge_files(
    scratch: Path,
    overrides: dict[str, Any],
    removed: list[str],
    body: str,
    translation: dict[str, Any] | None,
    front: bool,
) -> None:
    reset(scratch)
    site, _ = example_site(scratch)
    head = document(BADGE_BASE, overrides, removed)
    text = f"---\n{head}---\n{body}" if front else head + body
    (scratch / "badges" / "fuzz.md").write_text(text, "utf-8")
    if translation is not None:
        (scratch / "badges" / "fuzz.en.md").write_text(
            f"---\n{document({}, translation, [])}---\n{body}", "utf-8"
        )
    loads_or_says_why(load_badges, site, Problems())
    loads_or_says_why(load_model, scratch)


# -- award files -----------------------------------------------------------------------------

AWARD_BASE = {"badge": "echofablab", "issued_on": "2017-09-15", "recipients": ["a@example.org"]}
AWARD_FIELDS = [*AWARD_BASE, "expires", "evidence", "narrative"]
RECIPIENT_FIELDS = [
    "email",
    "name",
    "issued_on",
    "expires",
    "evidence",
    "narrative",
    "public",
    "revoked",
    "identity",
    "salt",
]


@FUZZ
@given(
    overrides=st.dictionaries(
        st.sampled_from(AWARD_FIELDS), values(fields_of(RECIPIENT_FIELDS)), max_size=3
    ),
    removed=st.lists(st.sampled_from(AWARD_FIELDS)),
    recipients=st.lists(
        st.one_of(
            ODD_TEXT,
            st.dictionaries(
                st.sampled_from(RECIPIENT_FIELDS), values(fields_of(RECIPIENT_FIELDS)), max_size=5
            ),
        ),
        max_size=3,
    ),
)
def test_award_files(
    scratch: Path, overrides: dict[str, Any], removed: list[str], recipients: list[Any]
) -> None:
    reset(scratch)
    site, badges = example_site(scratch)
    base = dict(AWARD_BASE)
    if recipients:
        base["recipients"] = recipients
    path = scratch / "awards" / "fuzz.yaml"
    path.write_text(document(base, overrides, removed), "utf-8")
    loads_or_says_why(load_award_file, path, site, badges, Problems())
    loads_or_says_why(load_awards, site, badges, Problems())
    loads_or_says_why(load_model, scratch)


# -- CSV exports -----------------------------------------------------------------------------

CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "email",
            "courriel",
            "nom",
            "date",
            "preuve",
            "a@example.org",
            "15/09/2017",
            "09/15/2017",
            "2017-02-30",
            '"',
            '"quoted',
            'a "b" c',
            "x;y",
            "x,y",
            "line\nbreak",
            "\r\n",
            "x" * (130 * 1024),
            "https://example.org/",
        ]
    ),
)


@FUZZ
@given(
    rows=st.lists(st.lists(CELLS, max_size=5), max_size=5),
    separator=st.sampled_from([",", ";", "\t"]),
    quote=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    noise=st.binary(max_size=8),
)
def test_csv_import(
    rows: list[list[str]], separator: str, quote: bool, encoding: str, noise: bytes
) -> None:
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if quote else text

    text = "\n".join(separator.join(map(cell, row)) for row in rows)
    data = text.encode(encoding, "replace") + noise
    try:
        table = read_csv(data)
    except CsvError as exc:
        assert str(exc)
        return
    check_rows(table.rows, date(2020, 1, 1), set())


# -- keys.json -------------------------------------------------------------------------------

KEY_FIELDS = ["id", "type", "created", "publicKeyPem", "publicKeyMultibase"]
KEY_BASE = {
    "id": "ed25519-0123abcd",
    "type": "Ed25519",
    "created": "2026-01-01",
    "publicKeyMultibase": "z6MkexampleExampleExample",
}


def json_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(["RSA", "Ed25519", "rsa-0123abcd", "ed25519-0123abcd", ""]),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.one_of(st.sampled_from(KEY_FIELDS), st.text(max_size=5)), inner),
        ),
        max_leaves=10,
    )


@FUZZ
@given(
    entries=st.lists(
        st.one_of(
            st.dictionaries(st.sampled_from(KEY_FIELDS), json_values()).map(
                lambda o: {**KEY_BASE, **o}
            ),
            json_values(),
        ),
        max_size=3,
    ),
    whole=st.one_of(st.none(), json_values()),
    raw=st.one_of(st.none(), st.binary(max_size=12)),
)
def test_keys_json(scratch: Path, entries: list[Any], whole: Any, raw: bytes | None) -> None:
    reset(scratch)
    path = scratch / "keys.json"
    if raw is not None:
        path.write_bytes(raw)
    else:
        path.write_text(json.dumps(whole if whole is not None else {"keys": entries}), "utf-8")
    ring = loads_or_says_why(KeyRing.load, scratch)
    if ring is not None:
        ring.active("Ed25519")
        ring.active("RSA")
