"""`insigne award`: appending keeps the maintainer's bytes, rejects bad rows, checks afterwards."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.awardfile import AwardFileEdit, apply
from generator.cli import main
from generator.content import load_model
from generator.errors import InsigneError
from tests.harness import repo_root
from tests.test_csvimport import EXCEL_FR

HAND_WRITTEN = """# Awards of the 2017 echofablab, written by hand.

badge:   echofablab      # the slug
issued_on: 2017-10-01

# Evidence shared by everyone
evidence:
      - https://medium.com/echofablab

recipients:
    # the first two came from Nantes
    - email: Someone@Example.org
      name: "Someone"

    - other@example.org   # trailing comment
# a comment at the end, after the list
"""


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(repo_root() / "content", root)
    return root


def award(content: Path, *args: str) -> int:
    return main(["award", *args, "--content", str(content)])


def test_append_keeps_every_original_byte(content: Path) -> None:
    path = content / "awards" / "hand.yaml"
    path.write_text(HAND_WRITTEN, "utf-8")
    ledger = (content / "ledger.json").read_bytes()
    hand = ["--file", str(path)]
    assert award(content, "echofablab", "new@example.org", "--date", "2017-10-01", *hand) == 0
    after = path.read_text("utf-8")
    head, tail = HAND_WRITTEN.split("# a comment at the end")
    assert after.startswith(head) and after.endswith("# a comment at the end" + tail)
    added = after[len(head) : len(after) - len(tail) - len("# a comment at the end")]
    assert added == "    - new@example.org\n"
    # Same date as the file: a bare email. Another date: on the recipient.
    assert award(content, "echofablab", "late@example.org", "--date", "2017-11-05", *hand) == 0
    after = path.read_text("utf-8")
    assert after.startswith(head)
    assert "    - email: late@example.org\n      issued_on: 2017-11-05\n" in after
    emails = {
        (a.spec.recipient.email, a.issued_on.date().isoformat())
        for a in load_model(content).model.awards
    }
    assert {("new@example.org", "2017-10-01"), ("late@example.org", "2017-11-05")} <= emails
    assert (content / "ledger.json").read_bytes() == ledger  # ids come at build time


def test_new_file_with_header(content: Path) -> None:
    path = content / "awards" / "gestion-de-projet.yaml"
    assert not path.exists()
    code = award(
        content,
        "gestion-de-projet",
        "a@example.org",
        "b@example.org",
        "--date",
        "15/09/2024",
        "--evidence",
        "https://example.org/p",
    )
    assert code == 0
    text = path.read_text("utf-8")
    assert text.startswith("# Awards of the 'gestion-de-projet' badge.")
    assert "issued_on: 2024-09-15\n" in text
    awards = load_model(content).model.awards_of("gestion-de-projet")
    new = [a for a in awards if a.spec.recipient.email in ("a@example.org", "b@example.org")]
    assert len(new) == 2
    assert all(a.spec.evidence[0].url == "https://example.org/p" for a in new)


def test_bad_rows_write_nothing_unless_skip_bad(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = content / "awards" / "echofablab.yaml"
    # Camille already has this badge on that date (content/awards/2017-echofablab.yaml).
    args = ["echofablab", "ok@example.org", "not-an-email", "camille.martin@example.org"]
    assert award(content, *args, "--date", "2017-09-15") == 1
    err = capsys.readouterr().err
    assert "not a valid email address" in err and "already has this badge" in err
    assert "nothing written" in err
    assert not path.exists()
    assert award(content, *args, "--date", "2017-09-15", "--skip-bad") == 0
    assert "ok@example.org" in path.read_text("utf-8")
    assert "not-an-email" not in path.read_text("utf-8")


def test_csv_import(content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "membres.csv"
    csv_path.write_bytes(EXCEL_FR)
    assert award(content, "echofablab", "--csv", str(csv_path), "--dry-run") == 0
    target = content / "awards" / "echofablab.yaml"
    assert not target.exists()
    assert award(content, "echofablab", "--csv", str(csv_path)) == 0
    assert "2 accepted, 0 rejected" in capsys.readouterr().out
    specs = {a.spec.recipient.email: a.spec for a in load_model(content).model.awards}
    jerome = specs["jerome.dupont@example.org"]
    assert jerome.recipient.name == "Jérôme Dupont"
    assert jerome.narrative == "Atelier ; vélos\nà Saint-Nazaire"
    assert jerome.evidence[0].url == "https://ex.org/j"
    assert specs["amina.diallo@example.org"].issued_on.date().isoformat() == "2017-09-16"
    # The same import again: every row is already awarded, nothing changes.
    before = target.read_bytes()
    assert award(content, "echofablab", "--csv", str(csv_path)) == 1
    assert "already has this badge" in capsys.readouterr().err
    assert target.read_bytes() == before


def test_unknown_column_blocks_unless_skip_bad(content: Path, tmp_path: Path) -> None:
    csv_path = tmp_path / "m.csv"
    csv_path.write_text("email;shoe size\r\nx@example.org;42\r\n", "utf-8")
    assert award(content, "echofablab", "--csv", str(csv_path)) == 1
    assert not (content / "awards" / "echofablab.yaml").exists()
    assert award(content, "echofablab", "--csv", str(csv_path), "--skip-bad") == 0


def test_unknown_badge_and_wrong_file(content: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert award(content, "nope", "a@example.org") == 1
    assert "unknown badge 'nope'" in capsys.readouterr().err
    other = content / "awards" / "2018-gestion-de-projet.yaml"
    before = other.read_bytes()
    assert award(content, "echofablab", "a@example.org", "--file", str(other)) == 1
    assert "not 'echofablab'" in capsys.readouterr().err
    assert other.read_bytes() == before


def test_an_edit_that_breaks_the_content_is_undone(content: Path) -> None:
    path = content / "awards" / "2017-echofablab.yaml"
    before = path.read_bytes()
    broken = before + b"  - not an email\n"
    with pytest.raises(InsigneError, match="undone"):
        apply(AwardFileEdit(path, before, broken), content)
    assert path.read_bytes() == before
    new = content / "awards" / "new.yaml"
    with pytest.raises(InsigneError, match="undone"):
        apply(AwardFileEdit(new, None, b"badge: nope\n"), content)
    assert not new.exists()


def test_csv_with_an_unclosed_quote_names_the_row(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = tmp_path / "m.csv"
    csv_path.write_text('email,name\na@example.org,"Bob\nc@example.org,Carl\nd@x.org,D"\n')
    before = {p: p.read_bytes() for p in (content / "awards").iterdir()}
    assert award(content, "echofablab", "--csv", str(csv_path)) == 1
    err = capsys.readouterr().err
    assert "m.csv:2: its name runs over lines 2-4" in err
    assert {p: p.read_bytes() for p in (content / "awards").iterdir()} == before


@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "huge field"])
def test_csv_that_is_not_a_readable_file_is_a_clear_error(
    content: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = tmp_path / "m.csv"
    if kind == "device":
        path = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)  # no writer: reading it would wait for ever
    elif kind == "folder":
        path.mkdir()
    else:
        path.write_bytes(b"email,name\na@example.org," + b"x" * (200 * 1024) + b"\n")
    assert award(content, "echofablab", "--csv", str(path)) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    expected = "a field is longer than 128 KiB" if kind == "huge field" else "not a regular file"
    assert expected in err and path.name in err
