"""Same content + ledger => byte-identical output, whatever the folder, cwd, hash seed, time zone,
locale or day of the build; a second clone with the committed ledger gets the same ids and salts."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from generator.build import BuildOptions, build
from tests.harness import repo_root


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run_build(cwd: Path, content: str, output: str, **env: str) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "-q",
            "build",
            "--content",
            content,
            "--output",
            output,
        ],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(repo_root()), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def copy_content(dest: Path, with_ledger: bool = True) -> Path:
    shutil.copytree(repo_root() / "content", dest)
    if not with_ledger:
        (dest / "ledger.json").unlink()
    return dest


def test_two_checkouts_build_byte_identical_trees(tmp_path: Path) -> None:
    one = tmp_path / "one"
    two = tmp_path / "elsewhere" / "deeper" / "two"
    copy_content(one / "content")
    copy_content(two / "site-content")
    (two / "run").mkdir()
    run_build(one, "content", "output", PYTHONHASHSEED="1", TZ="UTC", LC_ALL="C")
    run_build(
        two / "run",
        "../site-content",
        "../public",
        PYTHONHASHSEED="4242",
        TZ="Pacific/Kiritimati",
        LC_ALL="C.UTF-8",
    )
    first, second = tree_digest(one / "output"), tree_digest(two / "public")
    assert len(first) > 20
    assert first.keys() == second.keys()
    differing = sorted(rel for rel in first if first[rel] != second[rel])
    assert differing == []
    assert (one / "content" / "ledger.json").read_bytes() == (
        two / "site-content" / "ledger.json"
    ).read_bytes()


def test_second_clone_with_the_committed_ledger_gets_the_same_ids_and_salts(
    tmp_path: Path,
) -> None:
    # The first maintainer builds without a ledger: ids and salts are drawn at random...
    first = copy_content(tmp_path / "first" / "content", with_ledger=False)
    run_build(tmp_path / "first", "content", "output", PYTHONHASHSEED="7")
    ledger = (first / "ledger.json").read_bytes()
    # ...and commits the ledger: a clone elsewhere rebuilds the very same site.
    clone = tmp_path / "clone" / "content"
    shutil.copytree(first, clone)
    run_build(tmp_path / "clone", "content", "output", PYTHONHASHSEED="8")
    assert (clone / "ledger.json").read_bytes() == ledger
    assert tree_digest(tmp_path / "first" / "output") == tree_digest(tmp_path / "clone" / "output")

    # A build without the ledger would have drawn other ids: the ledger is what keeps them.
    fresh = copy_content(tmp_path / "fresh" / "content", with_ledger=False)
    run_build(tmp_path / "fresh", "content", "output")
    assert (fresh / "ledger.json").read_bytes() != ledger


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_rebuilding_changes_nothing_and_the_clock_does_not_leak(tmp_path: Path) -> None:
    content = copy_content(tmp_path / "content")
    output = tmp_path / "output"
    # Two build dates far apart, both after every example date (the last expiry is 2028-07-12;
    # pages say "expired" from that day on, the one intended dependency on the date).
    early = datetime(2028, 8, 1, 0, 0, tzinfo=UTC)
    late = datetime(2031, 11, 30, 23, 59, tzinfo=UTC)
    first = build(BuildOptions(content_dir=content, output_dir=output, now=early))
    before = _files(output)
    ledger = (content / "ledger.json").read_bytes()
    second = build(BuildOptions(content_dir=content, output_dir=output, now=late))
    assert second.stats.removed == 0
    assert (content / "ledger.json").read_bytes() == ledger
    assert first.stats.written > 20
    # The other intended dependency: an award page's status banner says on which day the build
    # checked it (issue #19). Only award pages are written again, and only that day differs.
    award_pages = sorted(rel for rel in before if re.match(r"(en/)?awards/.*\.html$", rel))
    assert sorted(second.stats.written_paths) == award_pages
    after = _files(output)
    assert after.keys() == before.keys()
    days = {
        b"1er ao\xc3\xbbt 2028": "1er décembre 2031".encode(),  # in Europe/Paris
        b"1 August 2028": b"1 December 2031",
    }
    for rel, data in before.items():
        if rel in award_pages:
            for old, new in days.items():
                data = data.replace(old, new)
        assert after[rel] == data, rel
