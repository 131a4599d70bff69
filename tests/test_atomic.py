"""An interrupted build never damages the live output: kill -9 mid-build, and a kill between the
two renames of the swap, both leave the previous `output/` whole; the next build cleans up."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import generator.writer
from generator.cli import main
from generator.selfcheck import check_tree
from generator.writer import OutputWriter
from tests.harness import repo_root

BULK_AWARDS = 3000
FIRST_BASE = "https://badges.example.org/"
SECOND_BASE = "https://other.example.net/badges/"


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under root: relative path -> sha256 of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def big_content(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    lines = ["badge: echofablab", "issued_on: 2019-01-10", "recipients:"]
    lines += [f"  - member{i:05d}@example.org" for i in range(BULK_AWARDS)]
    (content / "awards" / "bulk.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    return content


def siblings(output: Path) -> set[str]:
    return {p.name for p in output.parent.iterdir() if p.name.startswith(f".{output.name}.")}


@pytest.mark.slow  # 25-75 s: a 3,000-award site built three times
def test_kill_9_mid_build_leaves_the_previous_output_whole(tmp_path: Path) -> None:
    content = big_content(tmp_path)
    output = tmp_path / "output"
    base_args = ["build", "--content", str(content), "--output", str(output)]
    assert main(["-q", *base_args, "--base-url", FIRST_BASE, "--no-verify"]) == 0
    before = tree_digest(output)
    assert len(before) > 4 * BULK_AWARDS
    staging = output.parent / f".{output.name}.insigne-staging"
    assert not staging.exists()

    # A different base URL changes every JSON document and baked image: the killed build is
    # busy replacing files that are hard-linked to the live output.
    env = {**os.environ, "PYTHONPATH": str(repo_root())}
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "-q", *base_args, "--base-url", SECOND_BASE],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not staging.exists():
            assert process.poll() is None, "the build finished before it could be killed"
            assert time.monotonic() < deadline, "no staging folder appeared"
            time.sleep(0.01)
        # Let it replace a good share of the files, then kill it without warning.
        time.sleep(2.0)
        assert process.poll() is None, "the build finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert staging.exists(), "killed after the swap: the test did not interrupt the build"

    assert tree_digest(output) == before

    # The next build recovers: it succeeds, leaves no staging, and (same content, same base
    # URL as before the kill) publishes exactly the tree that was live.
    assert main(["-q", *base_args, "--base-url", FIRST_BASE]) == 0
    assert not staging.exists()
    assert tree_digest(output) == before
    report = check_tree(output)
    assert report.ok, report.problems[:5]
    assert report.assertions == BULK_AWARDS + 6


def test_kill_between_the_two_renames_is_recovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    output = tmp_path / "output"
    args = ["-q", "build", "--content", str(content), "--output", str(output)]
    assert main([*args, "--base-url", FIRST_BASE]) == 0
    before = tree_digest(output)

    # Where the file system cannot exchange two paths atomically, the swap is two renames.
    monkeypatch.setattr(generator.writer, "_exchange", lambda a, b: False)
    real_rename = os.rename

    def dies_before_swapping_in(src: object, dst: object) -> None:
        if Path(str(dst)) == output.resolve():
            raise SystemExit("simulated kill -9 between the renames")
        real_rename(src, dst)

    monkeypatch.setattr(generator.writer.os, "rename", dies_before_swapping_in)
    with pytest.raises(SystemExit):
        main([*args, "--base-url", SECOND_BASE])
    monkeypatch.setattr(generator.writer.os, "rename", real_rename)

    # The state a kill leaves: the old tree moved aside, no output folder at all.
    assert not output.exists()
    OutputWriter(output).recover()
    assert tree_digest(output) == before

    # And a build started in that state recovers by itself too.
    monkeypatch.setattr(generator.writer.os, "rename", dies_before_swapping_in)
    with pytest.raises(SystemExit):
        main([*args, "--base-url", SECOND_BASE])
    monkeypatch.setattr(generator.writer.os, "rename", real_rename)
    assert not output.exists()
    assert main([*args, "--base-url", SECOND_BASE]) == 0
    assert f'"{SECOND_BASE}issuer.json"' in (output / "issuer.json").read_text("utf-8")
    assert check_tree(output).ok


def test_failed_build_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    output = tmp_path / "output"
    args = ["-q", "build", "--content", str(content), "--output", str(output)]
    assert main(args) == 0
    before = tree_digest(output)
    (content / "images" / "echofablab.png").write_bytes(b"not a png")
    assert main(args) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert tree_digest(output) == before
    assert ".output.insigne-staging" not in siblings(output)


def test_swap_is_one_atomic_exchange_and_a_kill_after_it_is_recovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    output = tmp_path / "output"
    args = ["-q", "build", "--content", str(content), "--output", str(output)]
    assert main([*args, "--base-url", FIRST_BASE]) == 0
    staging = output.parent / f".{output.name}.insigne-staging"

    real_rename = os.rename

    def dies_after_the_exchange(src: object, dst: object) -> None:
        if Path(str(src)) == staging.resolve():
            raise SystemExit("simulated kill -9 after the exchange")
        real_rename(src, dst)

    monkeypatch.setattr(generator.writer.os, "rename", dies_after_the_exchange)
    with pytest.raises(SystemExit):
        main([*args, "--base-url", SECOND_BASE])
    monkeypatch.setattr(generator.writer.os, "rename", real_rename)
    # The live path went from the old tree to the new one in one step: the new one is live.
    assert f'"{SECOND_BASE}issuer.json"' in (output / "issuer.json").read_text("utf-8")
    assert check_tree(output).ok
    # (A real kill would leave the old tree as the staging folder; here the build's cleanup
    # ran and removed it. Either way the next build starts from the live tree.)

    # The next build discards it and publishes exactly what a clean build does.
    assert main([*args, "--base-url", FIRST_BASE]) == 0
    assert not staging.exists()
    clean = tmp_path / "clean"
    assert (
        main(
            ["-q", "build", "--content", str(content), "--output", str(clean)]
            + [
                "--base-url",
                FIRST_BASE,
            ]
        )
        == 0
    )
    assert tree_digest(output) == tree_digest(clean)


def test_a_kept_file_missing_from_the_staged_tree_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    output = tmp_path / "output"
    args = ["-q", "build", "--content", str(content), "--output", str(output), "--no-verify"]
    assert main(args) == 0
    before = tree_digest(output)
    (content / "awards" / "2019.yaml").write_text(
        "badge: echofablab\nissued_on: 2019-01-10\nrecipients:\n  - nouvelle@example.org\n",
        "utf-8",
    )
    page = sorted(p.name for p in (output / "awards").iterdir())[0]
    real_prune = OutputWriter.prune

    def prune_and_lose_a_page(self: OutputWriter) -> Path:
        staging = real_prune(self)
        (staging / "awards" / page).unlink()  # what a stray process could do
        return staging

    monkeypatch.setattr(OutputWriter, "prune", prune_and_lose_a_page)
    assert main(args) == 1
    assert "the staged tree lacks 1 file(s)" in capsys.readouterr().err
    assert tree_digest(output) == before
