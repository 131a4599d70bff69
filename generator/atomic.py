"""One way to write a file that Insigne keeps in `content/`: whole or not at all.

A kill, a full disk or a power cut during a write must never leave an award file, the ledger or
the signatures half written (or empty): the bytes go to a temporary file in the same folder,
reach the disk (fsync), and only then replace the file in one rename, whose folder is synced
too so that the rename itself survives a power cut. The file keeps its permissions.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    # The only way to read the umask is to set it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace (or create) `path` with `data` atomically.

    `mode`: the permissions of a new file (default: 0o666 less the umask, as `open` gives);
    an existing file keeps its own.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    try:
        keep = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        keep = mode if mode is not None else 0o666 & ~_umask()
    # A dot name ending in .tmp: editors' watchers (and `insigne serve`) ignore it.
    descriptor, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), keep)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (not every system lets a folder be synced)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(descriptor)
    finally:
        os.close(descriptor)
