"""Reading the files of content/: regular files inside content/, of a bounded size.

A FIFO, a device or a symbolic link to `/dev/zero` under content/ would make a plain `open` and
`read` wait forever or fill the memory; a huge file would fill it too. Every file a loader reads
goes through `read_content`, and before anything is read `check_tree` refuses, anywhere under
content/, what is neither a regular file nor a folder (or a link to one inside content/) and
what is larger than its kind allows. Both say which file, what is wrong and the limit.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import Literal

from generator.errors import Problem

Kind = Literal["yaml", "markdown", "image", "state", "other"]

MiB = 1024 * 1024
# Generous for real content, small enough that reading one never hurts.
CAPS: dict[str, int] = {
    "yaml": 16 * MiB,  # an award file of some 100,000 recipients
    "markdown": 1 * MiB,  # a badge's fields and criteria
    "image": 8 * MiB,  # a badge or issuer image, baked into every award
    "state": 512 * MiB,  # ledger.json, signatures.json, keys.json: an entry per award
    "other": 64 * MiB,  # anything else kept in content/ (never published)
}
_KIND_HINT = {
    "yaml": "split the awards over several files",
    "markdown": "shorten the criteria",
    "image": "export the image smaller: it is copied into every award",
    "state": "restore it from git: Insigne never writes a file this large",
    "other": "keep large files outside content/: only what the site is built from belongs there",
}
_STATE_FILES = frozenset({"ledger.json", "signatures.json", "keys.json"})
_CHUNK = 1 * MiB


class ContentFileError(Exception):
    """A content file that must not be read: not a regular file inside content/, or too big."""

    def __init__(self, path: Path, message: str, hint: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.hint = hint

    def problem(self, line: int | None = None) -> Problem:
        return Problem(self.path, self.message, line, self.hint)


def kind_of(path: Path) -> Kind:
    """Which cap applies to a file, from its name."""
    suffix = path.suffix.lower()
    if path.name in _STATE_FILES:
        return "state"
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".md":
        return "markdown"
    if suffix in (".png", ".svg"):
        return "image"
    return "other"


def _size_text(size: int) -> str:
    return f"{size / MiB:.1f} MiB" if size >= MiB else f"{size} bytes"


_KIND_NAME = {
    "yaml": "a YAML file",
    "markdown": "a Markdown file",
    "image": "an image",
    "state": "Insigne's own records",
    "other": "any other file in content/",
}


def _too_big(path: Path, kind: Kind, size: int | None) -> ContentFileError:
    cap = CAPS[kind]
    found = f" ({_size_text(size)})" if size is not None else ""
    return ContentFileError(
        path,
        f"is larger than the {_size_text(cap)} allowed for {_KIND_NAME[kind]}{found}",
        _KIND_HINT[kind],
    )


def _not_regular(path: Path, mode: int) -> ContentFileError:
    if stat.S_ISFIFO(mode):
        what = "a FIFO (named pipe)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    elif stat.S_ISSOCK(mode):
        what = "a socket"
    elif stat.S_ISDIR(mode):
        return ContentFileError(path, "is a folder, not a file", "name a file, not a folder")
    else:
        what = "not a regular file"
    return ContentFileError(
        path,
        f"is {what}, not a regular file",
        "content/ may hold only regular files and folders: remove it",
    )


def _inside(root: Path, target: Path) -> bool:
    return target == root or root in target.parents


def _resolved(path: Path, root: Path | None) -> Path:
    """The file `path` names, refused when a symbolic link leads it outside `root`."""
    if root is None:
        return path
    target = path.resolve()
    if not _inside(root.resolve(), target):
        raise ContentFileError(
            path,
            f"is a symbolic link to {target}, outside the content folder",
            "copy the file into content/ instead of linking to it",
        )
    return target


def read_content(path: Path, kind: Kind | None = None, root: Path | None = None) -> bytes:
    """The bytes of a content file; `ContentFileError` unless it is a regular file (inside
    `root`, the content folder, when given) of at most the cap of its kind.

    Opened without following a last symbolic link and without blocking, then checked with
    fstat, so that a FIFO or a device swapped in after any earlier check is never read.
    Raises OSError (FileNotFoundError...) as `open` would.
    """
    kind = kind or kind_of(path)
    target = _resolved(path, root)
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link put in place since it was resolved
            raise ContentFileError(
                path, "is a symbolic link that changed while it was read", "run it again"
            ) from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, info.st_mode)
        cap = CAPS[kind]
        if info.st_size > cap:
            raise _too_big(path, kind, info.st_size)
        data = handle.read(cap + 1)  # a file that grows while read is caught as well
    if len(data) > cap:
        raise _too_big(path, kind, None)
    return data


def read_content_text(path: Path, kind: Kind | None = None, root: Path | None = None) -> str:
    """A UTF-8 content file as text (a BOM is tolerated: editors on Windows add one).

    Raises `ContentFileError`, OSError or UnicodeDecodeError.
    """
    data = read_content(path, kind, root)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8")


def check_tree(content_dir: Path) -> list[Problem]:
    """Everything under `content_dir` that no loader may read: special files, links that leave
    the folder or lead to a special file, and files over the cap of their kind (hidden files
    and folders aside)."""
    root = content_dir.resolve()
    problems: list[Problem] = []
    for folder, dirs, files in os.walk(root):
        # Hidden entries (.git of a content repository, .DS_Store) are never loaded, and the
        # build's change detection reads them without blocking (`file_digest`).
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted([*dirs, *(f for f in files if not f.startswith("."))]):
            path = Path(folder, name)
            try:
                _check_entry(path, root)
            except ContentFileError as exc:
                problems.append(exc.problem())
            except OSError:
                continue  # gone meanwhile, or unreadable: the loader that needs it says so
    return problems


def _check_entry(path: Path, root: Path) -> None:
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        target = _resolved(path, root)
        try:
            info = os.stat(target)
        except OSError:
            raise ContentFileError(
                path, "is a broken symbolic link", "remove it, or link to a file that exists"
            ) from None
    if stat.S_ISDIR(info.st_mode):
        return
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode)
    kind = kind_of(path)
    if info.st_size > CAPS[kind]:
        raise _too_big(path, kind, info.st_size)


def file_digest(path: Path) -> bytes:
    """sha256 of a regular file, read in chunks; of a marker for anything else (never blocks).

    For the build's change detection (generator/manifest.py), which reads every file of
    content/ and the themes: a special file there must neither hang it nor match a cache.
    """
    h = hashlib.sha256()
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            h.update(f"not a regular file {mode} {os.urandom(8).hex()}".encode())
            return h.digest()
        while chunk := handle.read(_CHUNK):
            h.update(chunk)
    return h.digest()
