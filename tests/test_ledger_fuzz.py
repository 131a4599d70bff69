"""Property-based: the ledger and signature cache loaders read anything without crashing.

Whatever is in content/ledger.json or content/signatures.json (hand edits, a merge's
doing, a hostile commit), loading either succeeds or raises Insigne's own error, never
anything else; what loads writes back and loads again to the same entries.
"""

from __future__ import annotations

import json
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings
from hypothesis import strategies as st

from generator import ledger as ledger_module
from generator import sigcache as sigcache_module
from generator.errors import InsigneError, Problems
from generator.ledger import Ledger
from generator.sigcache import SignatureCache
from tests.conftest import EXAMPLE_CONTENT

EXAMPLE_LINES = (EXAMPLE_CONTENT / "ledger.json").read_text("utf-8").splitlines(keepends=True)

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(["5ucxwabqdt", "../x", "echofablab", "2017-09-15", "0" * 32, ""]),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=12), inner, max_size=5),
    ),
    max_leaves=20,
)
_FIELD = st.sampled_from(["id", "salt", "badge", "issued_on", "status", "note", "../x"])
_ENTRY = st.dictionaries(_FIELD, _JSON, max_size=7)
_KEY = st.one_of(
    st.sampled_from(["a" * 32, "b" * 32, "0123456789abcdef" * 2]), st.text(max_size=34)
)


def _load_ledger(text: str) -> Ledger | None:
    with TemporaryDirectory() as folder:
        (Path(folder) / "ledger.json").write_text(text, "utf-8")
        try:
            ledger = Ledger.load(Path(folder))
        except InsigneError:
            return None
        # What loads round-trips: written as version 2, read back to the same entries.
        ledger.save()
        again = Ledger.load(Path(folder))
        assert {k: e.to_json() for k, e in again.entries.items()} == {
            k: e.to_json() for k, e in ledger.entries.items()
        }
        assert not again.reformat
        return ledger


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_as_a_ledger(text: str) -> None:
    _load_ledger(text)


@settings(max_examples=300, deadline=None)
@given(
    version=st.one_of(st.sampled_from([1, 2]), _JSON),
    entries=st.lists(st.tuples(_KEY, _ENTRY), max_size=5),
)
def test_any_json_as_a_ledger(
    version: object, entries: list[tuple[str, dict[str, object]]]
) -> None:
    members = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in entries]
    if version == 1:
        text = f'{{"version": 1, "awards": {{{", ".join(members)}}}}}'
    else:
        text = "{\n" + "".join(m + ",\n" for m in members) + f'"version": {json.dumps(version)}}}'
    _load_ledger(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(range(1, len(EXAMPLE_LINES) - 1)), max_size=12))
def test_entry_lines_in_any_order_and_number(picks: list[int]) -> None:
    # What a union merge may leave: the example's entry lines, repeated, dropped, reordered.
    text = EXAMPLE_LINES[0] + "".join(EXAMPLE_LINES[i] for i in picks) + EXAMPLE_LINES[-1]
    ledger = _load_ledger(text)
    assert ledger is not None
    assert len(ledger.entries) == len(set(picks))


_PROOF = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["DataIntegrityProof", "x"]),
        "cryptosuite": st.sampled_from(["eddsa-rdfc-2022", "x"]),
        "created": st.sampled_from(["2024-01-01T00:00:00Z", "yesterday"]),
        "verificationMethod": st.sampled_from(
            ["did:web:example.org#ed25519-0123abcd", "https://evil.example/#x"]
        ),
        "proofPurpose": st.sampled_from(["assertionMethod", "x"]),
        "proofValue": st.sampled_from(["z" + "3" * 86, "<script>"]),
    },
    optional={"extra": _JSON},
)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.builds(
            lambda version, items: json.dumps(
                {"version": version, "signatures": dict(items)}
                if version == 1
                else {**dict(items), "version": version}
            ),
            st.one_of(st.sampled_from([1, 2]), _JSON),
            st.lists(
                st.tuples(
                    st.one_of(st.just("a" * 40), st.text(max_size=41)),
                    st.one_of(_PROOF, _JSON, st.just("AbCd_-" * 10)),
                ),
                max_size=4,
            ),
        ),
    )
)
def test_any_signature_cache(text: str) -> None:
    with TemporaryDirectory() as folder:
        (Path(folder) / "signatures.json").write_text(text, "utf-8")
        try:
            cache = SignatureCache.load(Path(folder))
        except InsigneError:
            return
        cache.used = set(cache.entries)
        cache.added = 1
        assert cache.save()
        again = SignatureCache.load(Path(folder))
        assert again.entries == cache.entries


def test_deeply_nested_json_is_an_error_not_a_crash() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert _load_ledger(deep) is None
    with TemporaryDirectory() as folder:
        (Path(folder) / "signatures.json").write_text(deep, "utf-8")
        try:
            SignatureCache.load(Path(folder))
        except InsigneError as error:
            assert "not valid JSON" in str(error)
        else:
            raise AssertionError("a nested list is no signature cache")


_VALID_ENTRY = st.fixed_dictionaries(
    {
        "id": st.text("23456789abcdefghjkmnpqrstuvwxyz", min_size=10, max_size=10),
        "salt": st.one_of(
            st.text("0123456789abcdef", min_size=32, max_size=32), st.text(min_size=1, max_size=8)
        ),
        "badge": st.sampled_from(["echofablab", "a", "b-2"]),
        "issued_on": st.sampled_from(["2017-09-15", "2024-02-29", "2023-02-29"]),
        "status": st.integers(0, 2**25),
    }
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.text("0123456789abcdef", min_size=32, max_size=32), _VALID_ENTRY, max_size=6)
)
def test_the_quick_reading_of_plain_lines_agrees_with_the_general_one(
    entries: dict[str, dict[str, object]],
) -> None:
    ledger = Ledger(Path("ledger.json"), {})
    text = (
        "{\n"
        + "".join(
            f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n"
            for k, v in sorted(entries.items())
        )
        + '"version": 2}\n'
    )
    quick = ledger_module._parse_plain(text)
    problems = Problems()
    general = ledger_module._parse(ledger.path, text.replace("{\n", "{ \n", 1), problems)
    if quick is not None:
        assert not problems
        assert {k: e.to_json() for k, e in quick[0].items()} == {
            k: e.to_json() for k, e in general[0].items()
        }
        assert quick[1] == general[2]


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.text("0123456789abcdef", min_size=40, max_size=40),
        st.one_of(st.text("AbCd_-09", min_size=16, max_size=40), _PROOF),
        max_size=5,
    )
)
def test_the_quick_reading_of_signature_lines_agrees_with_the_general_one(
    entries: dict[str, object],
) -> None:
    cache = SignatureCache(Path("signatures.json"), dict(entries), True)
    cache.used = set(entries)
    text = cache.serialise()
    quick = sigcache_module._parse_plain(text)
    general, problems = sigcache_module.parse_signatures(cache.path, text.replace("{\n", "{ \n", 1))
    if quick is not None:
        assert not problems and quick == general == entries
