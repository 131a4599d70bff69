"""The verify page's strings: every one its script shows exists in every shipped language."""

from __future__ import annotations

import re

from generator.i18n import LOCALES_DIR, Catalogue
from generator.verifypage import script_strings, verify_query
from tests.harness import repo_root

SCRIPT = repo_root() / "themes" / "default" / "static" / "verify" / "verify.js"
VERDICTS = ("valid", "expired", "revoked", "email_mismatch", "tampered", "invalid", "not_found")


def _keys_the_script_uses() -> set[str]:
    source = SCRIPT.read_text("utf-8")
    keys = set(re.findall(r"\bt\('(verify_[a-z0-9_]+)'", source))
    # Verdicts are looked up by name: t(`verify_verdict_${kind}`).
    for kind in (*VERDICTS, "not_a_badge", "working"):
        keys |= {f"verify_verdict_{kind}", f"verify_summary_{kind}"}
    return keys


def test_every_string_the_script_shows_is_in_every_language() -> None:
    used = _keys_the_script_uses()
    assert len(used) > 60
    for path in sorted(LOCALES_DIR.glob("*.json")):
        given = script_strings(Catalogue(path.stem))
        assert used <= given.keys(), (path.name, sorted(used - given.keys()))
        assert all(value.strip() for value in given.values()), path.name


def test_the_script_gets_only_the_verify_strings_unformatted() -> None:
    strings = script_strings(Catalogue("en"))
    assert all(key.startswith("verify_") for key in strings)
    # Placeholders stay for the script to fill.
    assert strings["verify_fail_expired"] == "Expired on {date}."


def test_the_query_carries_the_whole_url() -> None:
    query = verify_query("https://example.org/a b/assertions/x.json?y=1&z=2")
    assert query == "?url=https%3A%2F%2Fexample.org%2Fa%20b%2Fassertions%2Fx.json%3Fy%3D1%26z%3D2"
