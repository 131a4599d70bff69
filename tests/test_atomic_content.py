"""Every file Insigne writes into content/ is replaced whole or not at all (generator.atomic)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

import generator.atomic
from generator.content import load_model
from tests.conftest import run_cli
from tests.harness import repo_root


@pytest.fixture
def site(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    return content


def lea_id(content: Path) -> str:
    loaded = load_model(content)
    return next(
        a.id for a in loaded.model.awards if a.spec.recipient.email == "lea.nguyen@example.org"
    )


def strays(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("crash_at", ["replace", "fsync"])
def test_revoke_interrupted_mid_write_leaves_the_award_file_intact(
    site: Path, monkeypatch: pytest.MonkeyPatch, crash_at: str
) -> None:
    path = site / "awards" / "2017-echofablab.yaml"
    before = path.read_bytes()
    award_id = lea_id(site)

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    # The crash point: the bytes are not yet on disk (fsync) or not yet in place (rename).
    monkeypatch.setattr(generator.atomic.os, crash_at, crash)
    result = run_cli("revoke", award_id, "--reason", "Awarded by mistake", "--content", site)
    assert result.code == 1
    assert "No space left on device" in result.err
    assert "Traceback" not in result.err
    assert path.read_bytes() == before
    assert strays(path.parent) == []


def test_revoke_keeps_the_award_file_mode(site: Path) -> None:
    path = site / "awards" / "2017-echofablab.yaml"
    path.chmod(0o640)
    assert run_cli("revoke", lea_id(site), "--reason", "x", "--content", site).code == 0
    assert "revoked:" in path.read_text("utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert strays(path.parent) == []


def test_ledger_save_interrupted_keeps_the_old_ledger(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = site / "ledger.json"
    before = ledger.read_bytes()
    (site / "awards" / "new.yaml").write_text(
        "badge: echofablab\nissued_on: 2019-01-10\nrecipients:\n  - new@example.org\n", "utf-8"
    )
    real_replace = os.replace

    def crash(src: str, dst: str) -> None:
        if Path(dst).name == "ledger.json":
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(generator.atomic.os, "replace", crash)
    result = run_cli("build", "--content", site, "--output", tmp_path / "output")
    assert result.code == 1
    assert ledger.read_bytes() == before
    assert strays(site) == []


def test_award_file_created_by_award_gets_the_usual_mode(site: Path) -> None:
    old = os.umask(0o027)
    try:
        result = run_cli("award", "echofablab", "new@example.org", "--content", site)
    finally:
        os.umask(old)
    assert result.code == 0, result.err
    created = site / "awards" / "echofablab.yaml"
    assert stat.S_IMODE(created.stat().st_mode) == 0o640
