"""Nothing issued is ever lost: ids and salts are decided once and survive rebuilds and clones."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.content import load_model
from generator.ledger import Entry, Ledger, _entry_line
from tests.conftest import Project

NEW_AWARD = "badge: echofablab\nissued_on: 2019-01-10\nrecipients:\n  - nouvelle@example.org\n"


def _ids_and_salts(project: Project) -> dict[str, tuple[str, str]]:
    model = load_model(project.content).model
    return {
        a.spec.recipient.email or "": (a.id, a.salt)
        for a in model.awards
        if a.badge == "echofablab"
    }


def test_committed_ledger_gives_same_ids_salts_and_bytes_in_a_clone(
    project: Project, tmp_path: Path
) -> None:
    assert project.build().code == 0
    clone = Project(tmp_path / "clone")
    shutil.copytree(project.content, clone.content)
    assert clone.build().code == 0
    assert _ids_and_salts(clone) == _ids_and_salts(project)
    for path in sorted(project.output.rglob("*.json")):
        rel = path.relative_to(project.output)
        assert (clone.output / rel).read_bytes() == path.read_bytes(), rel


def test_example_ledger_is_complete_so_the_example_builds_locked(project: Project) -> None:
    before = (project.content / "ledger.json").read_bytes()
    result = project.build("--locked")
    assert result.code == 0, result.err
    assert (project.content / "ledger.json").read_bytes() == before


def test_new_award_gets_an_id_without_touching_existing_ones(project: Project) -> None:
    assert project.build().code == 0
    ledger_before = json.loads((project.content / "ledger.json").read_text())
    (project.content / "awards" / "2019.yaml").write_text(NEW_AWARD, "utf-8")
    result = project.build()
    assert result.code == 0, result.err
    assert "ledger.json" in result.err  # the maintainer is told to commit it
    ledger_after = json.loads((project.content / "ledger.json").read_text())
    assert len(ledger_after) == len(ledger_before) + 1
    for key, entry in ledger_before.items():
        assert ledger_after[key] == entry


def test_ledger_and_output_hold_no_plaintext_email(project: Project) -> None:
    (project.content / "awards" / "2019.yaml").write_text(NEW_AWARD, "utf-8")
    assert project.build().code == 0
    emails = {"nouvelle@example.org", "camille.martin@example.org", "lea.nguyen@example.org"}
    files = [project.content / "ledger.json", *project.output.rglob("*")]
    for path in files:
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace").lower()
            for email in emails:
                assert email not in text, f"{email} found in {path}"


def test_locked_build_refuses_a_new_award(project: Project) -> None:
    (project.content / "awards" / "2019.yaml").write_text(NEW_AWARD, "utf-8")
    result = project.build("--locked")
    assert result.code == 1
    assert "--locked" in result.err and "ledger" in result.err
    assert not project.output.exists()


_PLAIN = st.from_regex(r"[a-z0-9-]{0,12}", fullmatch=True)
# Plain text with one character JSON escapes or a plain line must not hold.
_SPECIAL = st.builds(
    lambda text, char, at: text[:at] + char + text[at:],
    _PLAIN,
    st.sampled_from(['"', "\\", "\n", "\x00", "\x7f", "é", "\u2028", "😀", " ", "/"]),
    st.integers(0, 12),
)
_STATUS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.booleans(), st.floats(), st.none()
)


def _line_as_json_writes_it(key: str, entry: Entry) -> str:
    return f"{json.dumps(key)}: {json.dumps(entry.to_json(), ensure_ascii=False)}"


@settings(max_examples=200, deadline=None)
@given(key=_PLAIN, fields=st.tuples(_PLAIN, _PLAIN, _PLAIN, _PLAIN), status=_STATUS)
def test_a_plain_ledger_line_is_what_the_json_encoder_writes(
    key: str, fields: tuple[str, str, str, str], status: object
) -> None:
    entry = Entry(*fields, extra={"status": status})
    assert _entry_line(key, entry) == _line_as_json_writes_it(key, entry)


@settings(max_examples=300, deadline=None)
@given(
    key=st.one_of(_PLAIN, _SPECIAL),
    fields=st.lists(st.one_of(_PLAIN, _SPECIAL), min_size=4, max_size=4),
    extra=st.dictionaries(st.sampled_from(["status", "x"]), _STATUS),
)
def test_any_ledger_line_is_what_the_json_encoder_writes(
    key: str, fields: list[str], extra: dict[str, object]
) -> None:
    entry = Entry(*fields, extra=extra)
    assert _entry_line(key, entry) == _line_as_json_writes_it(key, entry)


def test_a_saved_ledger_reads_back_as_it_was(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.json", {})
    ledger.entries["b" * 32] = Entry("aaaaaaaaa3", "salt", "badge-b", "2020-01-02", {"status": 1})
    ledger.entries["a" * 32] = Entry(
        "aaaaaaaaa2", 'sa"lt', "badge-a", "2020-01-01", {"status": 0, "note": "à"}
    )
    ledger.entries["c" * 32] = Entry("aaaaaaaaa4", "salt", "badge-c", "2020-01-03", {})
    ledger.save()
    text = ledger.path.read_text("utf-8")
    assert text.splitlines()[1].startswith(f'"{"a" * 32}": {{"id": "aaaaaaaaa2", "salt": "sa\\"lt"')
    again = Ledger.load(tmp_path)
    assert {k: e.to_json() for k, e in again.entries.items()} == {
        k: e.to_json() for k, e in ledger.entries.items()
    }
    assert again.serialise() == text
