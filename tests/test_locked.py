"""`insigne build --locked`: a deploy never records ids the repository does not hold."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.cli import main
from tests.harness import repo_root


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the example whose ledger is up to date (as after a committed build)."""
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    assert build(content, tmp_path / "first") == 0
    return content


def build(content: Path, output: Path, *extra: str) -> int:
    return main(["-q", "build", "--content", str(content), "--output", str(output), *extra])


def add_recipient(content: Path, line: str) -> None:
    path = content / "awards" / "2017-echofablab.yaml"
    path.write_text(path.read_text("utf-8") + line, "utf-8")


def test_locked_succeeds_when_the_ledger_is_up_to_date(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    ledger = (site / "ledger.json").read_bytes()
    output = tmp_path / "out"
    assert build(site, output, "--locked") == 0
    assert (site / "ledger.json").read_bytes() == ledger
    assert len(list((output / "assertions").glob("*.json"))) == 6
    assert capsys.readouterr().err == ""


def test_locked_fails_on_a_new_award(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    ledger = (site / "ledger.json").read_bytes()
    add_recipient(site, "  - newcomer@example.org\n")
    capsys.readouterr()
    output = tmp_path / "out"
    assert build(site, output, "--locked") == 1
    err = capsys.readouterr().err
    assert "--locked: the ledger is out of date (1 new award(s) have no id yet)" in err
    assert "run 'insigne build' without --locked, then commit content/ledger.json" in err
    assert "Traceback" not in err
    assert (site / "ledger.json").read_bytes() == ledger
    assert not output.exists()

    # The maintainer's fix: an ordinary build records the id, then --locked passes.
    assert build(site, tmp_path / "local") == 0
    assert (site / "ledger.json").read_bytes() != ledger
    assert build(site, output, "--locked") == 0
    assert len(list((output / "assertions").glob("*.json"))) == 7


@pytest.mark.parametrize("locked", [True, False], ids=["locked", "unlocked"])
def test_removed_award_fails_with_what_to_do(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture, locked: bool
) -> None:
    path = site / "awards" / "2017-echofablab.yaml"
    path.write_text(path.read_text("utf-8").replace("  - lea.nguyen@example.org\n", ""), "utf-8")
    ledger = (site / "ledger.json").read_bytes()
    capsys.readouterr()
    assert build(site, tmp_path / "out", *(["--locked"] if locked else [])) == 1
    err = capsys.readouterr().err
    assert "(echofablab, issued 2017-09-15) was published and is no longer in the content" in err
    assert "insigne revoke" in err
    assert (site / "ledger.json").read_bytes() == ledger


def test_removed_award_file_and_badge(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (site / "awards" / "2018-gestion-de-projet.yaml").unlink()
    (site / "badges" / "gestion-de-projet.md").unlink()
    capsys.readouterr()
    assert build(site, tmp_path / "out", "--locked") == 1
    err = capsys.readouterr().err
    assert err.count("(gestion-de-projet, issued 2018-") == 2
    assert "was published and is no longer in the content" in err


def test_future_award_recorded_once_then_locked_builds_hold_it_back(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    add_recipient(site, "  - email: later@example.org\n    issued_on: 2099-01-01\n")
    assert build(site, tmp_path / "local") == 0  # records its id now
    output = tmp_path / "out"
    assert build(site, output, "--locked") == 0
    assert len(list((output / "assertions").glob("*.json"))) == 6  # not published yet
    ledger = (site / "ledger.json").read_text("utf-8")
    assert ledger.count('"id"') == 7  # its id is committed, ready for the day it is published

    # Withdrawing an award that was never published is allowed, but it changes the ledger.
    path = site / "awards" / "2017-echofablab.yaml"
    path.write_text(
        path.read_text("utf-8").replace(
            "  - email: later@example.org\n    issued_on: 2099-01-01\n", ""
        ),
        "utf-8",
    )
    capsys.readouterr()
    assert build(site, output, "--locked") == 1
    assert "1 unpublished future award(s) were removed" in capsys.readouterr().err
    assert build(site, output) == 0
    assert build(site, output, "--locked") == 0
