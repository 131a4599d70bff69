"""`insigne revoke` and the comment-preserving YAML edits under it (generator.yamledit)."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from generator.content import load_model
from generator.yamledit import YamlEditError, append_item, quote, set_item_key
from tests.harness import repo_root

AWARDS = """\
# Awards of the spring session (comments must survive).
badge: echofablab
issued_on: 2019-04-01
recipients:
  # the organisers
  - email: ada@example.org   # keeps its comment
    name: Ada
    narrative: |
      Led the workshop.

  - bob@example.org  # plain item
  - email: "carol@example.org"
    evidence:
      - url: https://example.org/carol
        name: Carol's project
  - email: dan@example.org
    revoked:
  - {email: eve@example.org, name: Eve}
"""


def added_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(True), after.splitlines(True)))
    return (
        [line[2:] for line in diff if line.startswith("+ ")],
        [line[2:] for line in diff if line.startswith("- ")],
    )


def recipients(text: str) -> list[object]:
    return yaml.safe_load(text)["recipients"]


# --- yamledit ------------------------------------------------------------------------------


def test_mapping_item_gets_one_new_line_after_its_block_scalar() -> None:
    out = set_item_key(AWARDS, 6, "revoked", quote("Mistake"), scalar_key="email")
    added, removed = added_lines(AWARDS, out)
    assert (added, removed) == (['    revoked: "Mistake"\n'], [])
    assert out.index("revoked") > out.index("Led the workshop.")
    assert recipients(out)[0]["narrative"] == "Led the workshop.\n"
    assert recipients(out)[0]["revoked"] == "Mistake"


def test_scalar_item_becomes_a_mapping_keeping_its_comment() -> None:
    out = set_item_key(AWARDS, 11, "revoked", quote("Left"), scalar_key="email")
    added, removed = added_lines(AWARDS, out)
    assert removed == ["  - bob@example.org  # plain item\n"]
    assert added == [
        "  - email: bob@example.org  # plain item\n",
        '    revoked: "Left"\n',
    ]
    assert recipients(out)[1] == {"email": "bob@example.org", "revoked": "Left"}


def test_item_ending_in_a_nested_list() -> None:
    out = set_item_key(AWARDS, 12, "revoked", quote("x"), scalar_key="email")
    data = recipients(out)
    assert data[2]["revoked"] == "x"
    assert data[2]["evidence"] == [{"url": "https://example.org/carol", "name": "Carol's project"}]
    assert data[3] == {"email": "dan@example.org", "revoked": None}


def test_empty_existing_key_is_filled_in_place() -> None:
    out = set_item_key(AWARDS, 16, "revoked", quote("Duplicate"), scalar_key="email")
    added, removed = added_lines(AWARDS, out)
    assert (added, removed) == (['    revoked: "Duplicate"\n'], ["    revoked:\n"])


def test_flow_mapping_and_missing_item_are_refused() -> None:
    with pytest.raises(YamlEditError, match="inline"):
        set_item_key(AWARDS, 18, "revoked", quote("x"), scalar_key="email")
    with pytest.raises(YamlEditError, match="no list item starts on line 3"):
        set_item_key(AWARDS, 3, "revoked", quote("x"), scalar_key="email")


@pytest.mark.parametrize(
    "reason",
    ['a "quoted": reason # not a comment', "multi\nline", "émoji 🎉 and \\ backslash", "- x"],
)
def test_quote_round_trips_any_reason(reason: str) -> None:
    out = set_item_key(AWARDS, 11, "revoked", quote(reason), scalar_key="email")
    assert recipients(out)[1]["revoked"] == reason


def test_crlf_and_missing_final_newline_are_kept() -> None:
    text = "badge: b\r\nrecipients:\r\n  - a@example.org\r\n  - b@example.org"
    out = set_item_key(text, 4, "revoked", quote("r"), scalar_key="email")
    assert out == (
        "badge: b\r\nrecipients:\r\n  - a@example.org\r\n"
        '  - email: b@example.org\r\n    revoked: "r"\r\n'
    )


def test_append_item_scalar_and_mapping() -> None:
    out = append_item(AWARDS, "recipients", quote("zed@example.org"))
    assert out.startswith(AWARDS)
    assert out[len(AWARDS) :] == '  - "zed@example.org"\n'
    out = append_item(AWARDS, "recipients", {"email": quote("y@example.org"), "name": quote("Y")})
    assert recipients(out)[-1] == {"email": "y@example.org", "name": "Y"}
    assert out[len(AWARDS) :] == '  - email: "y@example.org"\n    name: "Y"\n'
    with pytest.raises(YamlEditError):
        append_item(AWARDS, "missing", "x")


# --- insigne revoke ---------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    return content


def ids_by_email(content: Path) -> dict[str, str]:
    loaded = load_model(content)
    return {
        a.spec.recipient.email or "": a.id for a in loaded.model.awards if a.badge == "echofablab"
    }


def test_revoke_edits_only_that_recipient(site: Path, capsys: pytest.CaptureFixture) -> None:
    path = site / "awards" / "2017-echofablab.yaml"
    before = path.read_text("utf-8")
    award_id = ids_by_email(site)["lea.nguyen@example.org"]
    code = main(["revoke", award_id, "--reason", "Attribué par erreur", "--content", str(site)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"revoked award {award_id} (echofablab)" in out
    assert "git add" in out and "2017-echofablab.yaml" in out and "insigne build" in out
    after = path.read_text("utf-8")
    added, removed = added_lines(before, after)
    assert removed == ["  - lea.nguyen@example.org\n"]
    assert added == ["  - email: lea.nguyen@example.org\n", '    revoked: "Attribué par erreur"\n']
    loaded = load_model(site)
    revoked = {a.id: a.revoked for a in loaded.model.awards if a.revoked}
    assert revoked == {award_id: "Attribué par erreur"}
    assert not loaded.ledger.changed  # same award, same id: revoking never re-keys


def test_revoke_mapping_entry_keeps_comments(site: Path) -> None:
    path = site / "awards" / "2017-echofablab.yaml"
    before = path.read_text("utf-8")
    award_id = ids_by_email(site)["camille.martin@example.org"]
    assert main(["revoke", award_id, "--reason", "Doublon", "--content", str(site)]) == 0
    after = path.read_text("utf-8")
    assert added_lines(before, after) == (['    revoked: "Doublon"\n'], [])
    assert after.startswith("# Awards of the echofablab")


def test_unknown_id(site: Path, capsys: pytest.CaptureFixture) -> None:
    before = {p: p.read_bytes() for p in (site / "awards").iterdir()}
    assert main(["revoke", "nope000000", "--reason", "x", "--content", str(site)]) == 1
    err = capsys.readouterr().err
    assert "unknown award id 'nope000000'" in err
    assert "Traceback" not in err
    assert {p: p.read_bytes() for p in (site / "awards").iterdir()} == before


def test_already_revoked(site: Path, capsys: pytest.CaptureFixture) -> None:
    award_id = ids_by_email(site)["jerome.leclerc@example.org"]
    assert main(["revoke", award_id, "--reason", "first", "--content", str(site)]) == 0
    path = site / "awards" / "2017-echofablab.yaml"
    once = path.read_bytes()
    capsys.readouterr()
    assert main(["revoke", award_id, "--reason", "second", "--content", str(site)]) == 1
    err = capsys.readouterr().err
    assert f"award {award_id} is already revoked ('first')" in err
    assert path.read_bytes() == once


def test_id_of_an_award_never_built_is_unknown(site: Path, capsys: pytest.CaptureFixture) -> None:
    path = site / "awards" / "2017-echofablab.yaml"
    path.write_text(path.read_text("utf-8") + "  - new.person@example.org\n", "utf-8")
    loaded = load_model(site)
    [new_id] = loaded.ledger.new_ids
    assert main(["revoke", new_id, "--reason", "x", "--content", str(site)]) == 1
    assert "unknown award id" in capsys.readouterr().err


def test_empty_reason_is_refused(site: Path, capsys: pytest.CaptureFixture) -> None:
    award_id = ids_by_email(site)["lea.nguyen@example.org"]
    assert main(["revoke", award_id, "--reason", "  ", "--content", str(site)]) == 1
    assert "the reason is empty" in capsys.readouterr().err


def test_revoke_keeps_a_bom(site: Path) -> None:
    path = site / "awards" / "2017-echofablab.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    award_id = ids_by_email(site)["amina.diallo@example.org"]
    assert main(["revoke", award_id, "--reason", "x", "--content", str(site)]) == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbfbadge:") or path.read_bytes().startswith(
        b"\xef\xbb\xbf#"
    )
    ledger = json.loads((site / "ledger.json").read_text("utf-8"))
    assert award_id in {entry["id"] for key, entry in ledger.items() if key != "version"}


def test_an_edit_that_revokes_the_wrong_award_is_undone(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import generator.commands.revoke as revoke_module

    path = site / "awards" / "2017-echofablab.yaml"
    before = path.read_bytes()
    award_id = ids_by_email(site)["lea.nguyen@example.org"]

    def edits_the_first_recipient(text: str, line: int, key: str, value: str, **kw: str) -> str:
        return set_item_key(text, 11, key, value, **kw)  # Camille's entry, not Léa's

    monkeypatch.setattr(revoke_module, "set_item_key", edits_the_first_recipient)
    assert main(["revoke", award_id, "--reason", "x", "--content", str(site)]) == 1
    assert "the edit did not read back as a revocation" in capsys.readouterr().err
    assert path.read_bytes() == before
