"""The two-process build's primitives: shared chunks of work, the latch, run_pair's result."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.parallel import Latch, SharedChunks, run_pair
from generator.writer import OutputWriter

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_shared_chunks_are_each_taken_once_by_two_processes(tmp_path: Path) -> None:
    items = list(range(10_000))
    shared = SharedChunks(items, size=7)
    start = Latch()
    pid = os.fork()
    if pid == 0:  # the child: take chunks as fast as it can, write down what it took
        status = 1
        try:
            start.wait()
            taken = [i for chunk in shared for i in chunk]
            (tmp_path / "child").write_text(" ".join(map(str, taken)))
            status = 0
        finally:
            os._exit(status)
    start.set()
    mine = [i for chunk in shared for i in chunk]
    _, status = os.waitpid(pid, 0)
    assert status == 0
    theirs = [int(i) for i in (tmp_path / "child").read_text().split()]
    assert sorted(mine + theirs) == items  # nothing lost, nothing twice
    assert shared.take() is None
    shared.close()


def test_shared_chunks_grow_so_the_pipe_holds_every_number() -> None:
    items = list(range(1_000_003))
    shared = SharedChunks(items, size=1)
    assert shared.size == 251  # 1,000,003 items in at most 4,000 chunks
    assert [i for chunk in shared for i in chunk] == items
    shared.close()


def test_shared_chunks_of_nothing() -> None:
    shared: SharedChunks[int] = SharedChunks([])
    assert shared.take() is None
    shared.close()


def test_run_pair_returns_the_child_result_and_its_files(tmp_path: Path) -> None:
    writer = OutputWriter(tmp_path / "output")
    writer.begin()
    latch = Latch()

    def parent() -> None:
        writer.write("parent.txt", b"p")
        latch.set()

    def child() -> tuple[int, bool]:
        writer.write("child.txt", b"c")
        latch.wait()  # the parent's file is staged from here on
        return os.getpid(), (writer.staging / "parent.txt").is_file()

    child_pid, saw_parent = run_pair(writer, parent, child)
    latch.close()
    assert child_pid != os.getpid()
    assert saw_parent
    assert writer.produced_paths() == {"parent.txt", "child.txt"}
    writer.commit()
    assert (tmp_path / "output" / "child.txt").read_bytes() == b"c"
