"""Two build programs at once: one in a forked child, both writing into the same staging tree.

Pages (Jinja2) and the Open Badges documents (JSON, baking) are independent and each takes
about half of a cold build, so on a machine with two cores the pages are rendered in a child
process forked after the model is loaded (it shares the model, copy-on-write) while the parent
writes the documents. The child writes its files directly into the staging tree and sends
back only its bookkeeping (which files it produced, its statistics), which the parent merges
into its writer, so `commit` sees one build.

Loading uses a fork too (`run_beside`): when many award files are to be parsed (a first build,
a deploy without the build manifest), a child parses part of them and sends back their specs.

The child dies with the parent (PR_SET_PDEATHSIG): a build killed with -9 must not leave a
process writing into a staging tree that the next build is about to reuse.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from generator.writer import OutputWriter, write_and_close

_PR_SET_PDEATHSIG = 1
T = TypeVar("T")
P = TypeVar("P")


def _die_with_parent() -> bool:
    # Imported here, in the child: ctypes.util pulls in subprocess, a cost every build that
    # does not fork would pay.
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def available() -> bool:
    """Forking helps only with a second core, and is safe only where the child can be tied
    to its parent's life (Linux) and where no other thread runs: a lock another thread holds
    at the fork (an import, a log handler) would stay locked forever in the child. So
    `insigne serve`, which builds from a watcher thread, renders in one process."""
    return (
        hasattr(os, "fork")
        and (os.cpu_count() or 1) > 1
        and sys.platform == "linux"
        and threading.active_count() == 1
    )


def run_pair(
    writer: OutputWriter,
    in_parent: Callable[[], None],
    in_child: Callable[[], T],
    on_fork: Callable[[], None] | None = None,
) -> T:
    """Run `in_child` in a forked process and `in_parent` here, both writing with `writer`;
    return what `in_child` returned once both are done, with the child's bookkeeping merged
    into `writer` (see `run_beside`)."""
    mark = writer.fork_mark()

    def child() -> tuple[dict[str, object], T]:
        if on_fork is not None:
            on_fork()
        result = in_child()
        return writer.fork_report(mark), result

    _none, (report, result) = run_beside(in_parent, child)
    writer.fork_merge(report)
    return result


def run_beside(in_parent: Callable[[], P], in_child: Callable[[], T]) -> tuple[P, T]:
    """Run `in_child` in a forked process and `in_parent` here; return both results.

    What `in_child` returns must pickle. An exception in either is raised here (the child's
    as it was raised, when it pickles); a failure here kills the child.
    """
    parent_pid = os.getpid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read_end)
            if not _die_with_parent() or os.getppid() != parent_pid:
                raise RuntimeError("cannot tie the second build process to the build")
            payload: tuple[str, Any] = ("ok", in_child())
            status = 0
        except BaseException as exc:  # everything goes back to the parent, which decides
            payload = ("error", _picklable(exc))
        try:
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(payload, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        mine = in_parent()
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(read_end)
        raise
    with os.fdopen(read_end, "rb") as pipe:
        try:
            kind, value = pickle.load(pipe)
        except EOFError:
            kind, value = "error", RuntimeError("the second build process died")
    os.waitpid(pid, 0)
    if kind == "error":
        raise value
    return mine, value


class SharedChunks(Generic[T]):
    """Chunks of one list of work, taken by whichever side of `run_pair` is free first.

    Made before the fork, so both sides hold the same list. A pipe holds one number per
    chunk; each side reads a number at a time (a pipe read of a few bytes is atomic, so no
    chunk is taken twice) until none is left. The pipe's buffer (64 KiB on Linux) must hold
    every number: chunks grow with the work so that there are never more than 4,000.
    """

    _MAX_CHUNKS = 4000
    _NUMBER = struct.Struct("<I")

    def __init__(self, items: Sequence[T], size: int = 64) -> None:
        self.items = items
        self.size = max(size, -(-len(items) // self._MAX_CHUNKS))
        self._read, write = os.pipe()
        os.set_blocking(self._read, False)
        count = -(-len(items) // self.size)
        # Closed once written: a read then finds the end once every number is taken.
        write_and_close(write, b"".join(self._NUMBER.pack(i) for i in range(count)))

    def take(self) -> Sequence[T] | None:
        """A chunk no one else has, or None when all are taken."""
        try:
            data = os.read(self._read, self._NUMBER.size)
        except BlockingIOError:  # pragma: no cover - the write end is closed: reads end
            return None
        if len(data) < self._NUMBER.size:
            return None
        start = self._NUMBER.unpack(data)[0] * self.size
        return self.items[start : start + self.size]

    def __iter__(self) -> Iterator[Sequence[T]]:
        while (chunk := self.take()) is not None:
            yield chunk

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._read)


class Latch:
    """A one-shot signal from one side of `run_pair` to the other (a pipe: fork-safe).

    Made before the fork. `wait` blocks until `set` was called, in either process; the side
    that never sets it must not be waited on by the other (`run_pair` kills a child whose
    parent failed, so a child waiting on its parent is safe).
    """

    def __init__(self) -> None:
        self._read, self._write = os.pipe()

    def set(self) -> None:
        os.write(self._write, b"!")

    def wait(self) -> None:
        if not os.read(self._read, 1):
            raise RuntimeError("the other build process closed the signal without setting it")

    def close(self) -> None:
        for fd in (self._read, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(exc))
        return RuntimeError(f"in the second build process:\n{text}")
