"""One Insigne process at a time writes a project: the others wait their turn, and say for whom.

Two builds at once would race on the staging tree beside the output and on the ledger and the
signatures in `content/`. Every command that writes either (build, each rebuild of serve, award,
revoke, ledger recover) holds an exclusive `flock` on `.<content>.insigne-lock` beside the
content folder: the content's state is what every output of a project is made from, so one lock
there orders every writer of the project, whichever output each builds. A build also locks
`.<output>.insigne-lock` beside its output (after the content's: a fixed order, so no two
processes can each hold what the other waits for), for two projects built into one folder.
Both names are in the `.*.insigne-*` family that `.gitignore` leaves out of git.

The lock file holds the pid and command of its holder, so that the one waiting can say whom it
waits for. The lock itself is the kernel's: it is released when its holder exits, even killed,
so a stale file never blocks anyone. The file is never deleted (deleting it would let a third
process lock a new file while the second still waits on the old one).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from generator.errors import InsigneError, Problem

# Waits longer than any build of a large site (100,000 awards build in minutes).
DEFAULT_TIMEOUT = 1800.0
_POLL = 0.1


def lock_path(folder: Path) -> Path:
    folder = Path(os.path.realpath(folder))
    return folder.parent / f".{folder.name}.insigne-lock"


def _timeout() -> float:
    try:
        return max(0.0, float(os.environ.get("INSIGNE_LOCK_TIMEOUT", DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def _holder(descriptor: int) -> str:
    try:
        text = os.pread(descriptor, 1024, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "another insigne process"


def _command() -> str:
    return " ".join(["insigne", *sys.argv[1:]])[:300]


@contextlib.contextmanager
def holding(
    folders: list[Path], waiting: Callable[[str], None], timeout: float | None = None
) -> Iterator[None]:
    """Hold the lock of each of `folders` in turn; `waiting(message)` once if one must wait."""
    timeout = _timeout() if timeout is None else timeout
    with contextlib.ExitStack() as stack:
        for folder in folders:
            stack.enter_context(_hold(lock_path(folder), waiting, timeout))
        yield


@contextlib.contextmanager
def _hold(path: Path, waiting: Callable[[str], None], timeout: float) -> Iterator[None]:
    descriptor = _open(path)
    if descriptor is None:
        yield
        return
    try:
        _acquire(descriptor, path, waiting, timeout)
        mine = f"pid {os.getpid()}: {_command()}\n".encode()
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, mine, 0)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _open(path: Path) -> int | None:
    """The lock file, opened; None where there is no folder for it or it may not be made."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError | PermissionError) or exc.errno == errno.EROFS:
            # A missing content folder is reported by the command itself; a project folder
            # this process may not write (a read-only checkout, built into an output
            # elsewhere) goes without that lock rather than refusing to build.
            return None
        raise InsigneError(
            Problem(
                path,
                f"cannot create the lock file ({exc.strerror or exc})",
                hint="Insigne needs to write beside the content and output folders",
            )
        ) from None


def _acquire(descriptor: int, path: Path, waiting: Callable[[str], None], timeout: float) -> None:
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    holder = _holder(descriptor)
    if timeout > 0:
        waiting(f"waiting for {holder} to finish (it holds {path})")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(_POLL)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            continue
    raise InsigneError(
        Problem(
            path,
            f"the project is busy: {_holder(descriptor)} has held this lock for more than "
            f"{timeout:g} s; nothing was written",
            hint="wait for that command to finish (or stop it), then run this one again; "
            "INSIGNE_LOCK_TIMEOUT=SECONDS waits longer",
        )
    )
