"""The one place that writes `output/`: staged, atomic, and lazy about unchanged files.

A build never writes into the live output. It prepares a staging tree beside it holding hard
links to the previous output (cheap, and it keeps the mtimes of files that do not change),
replaces only the files whose bytes differ, deletes what the build no longer produces, and then
swaps the staging tree in. A build killed half-way leaves the previous output whole; a rebuild
with nothing changed writes nothing, so deploys upload only what changed.

Linking 30,000 files costs about as much as a small rebuild, so the tree swapped out by the
last build is kept beside the output as a spare (`.output.insigne-previous`); the build
manifest (`generator/manifest.py`) lists the paths where the spare and the live output differ,
and the next build turns the spare into its staging tree by re-linking just those. A first
build, which has no old tree to keep, links its new one into a spare: paid then rather than by
the small rebuild that follows, and on two cores by the process that finishes its share of
the work first (`prelink_spare`), so that it costs the build next to nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from generator.errors import InsigneError, Problem
from generator.manifest import Manifest
from generator.names import safe_relative

_RENAME_EXCHANGE = 2  # linux/fs.h
# Bytes of written files a process keeps for the self-check (see retain_written).
RETAIN_LIMIT = 128 * 2**20
_AT_FDCWD = -100


@cache
def _renameat2() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.renameat2
    except (OSError, AttributeError):
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(done == 0)


def _list_tree(root: Path) -> set[str]:
    """Every file under `root`, as paths relative to it."""
    found: set[str] = set()
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(f"{root}/{rel}" if rel else root) as entries:
            for entry in entries:
                path = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append(path)
                else:
                    found.add(path)
    return found


def _link_tree(source: Path, dest: Path) -> tuple[set[str], set[str]]:
    """Hard-link every file under `source` into `dest` (copy where links fail).

    Returns the relative paths of the files and of the folders made.
    """
    files: set[str] = set()
    dirs: set[str] = set()
    for root, dirnames, filenames in os.walk(source):
        rel_root = os.path.relpath(root, source)
        rel_root = "" if rel_root == "." else rel_root
        dest_root = dest / rel_root
        for name in dirnames:
            (dest_root / name).mkdir(exist_ok=True)
            dirs.add(os.path.join(rel_root, name) if rel_root else name)
        for name in filenames:
            _link_file(os.path.join(root, name), dest_root / name)
            files.add(f"{rel_root}/{name}" if rel_root else name)
    return files, dirs


def write_and_close(fd: int, data: bytes) -> None:
    """Write all of `data` to `fd` (a write may take less than it is given), then close it."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _link_file(source: str, dest: str | Path) -> None:
    try:
        os.link(source, dest)
    except OSError:  # a file system without hard links: copy instead
        shutil.copy2(source, dest)


class SpareLinker:
    """A first build's spare, linked in steps as the build writes (see `prelink_spare`).

    Each `catch_up` links the files this process wrote since the last one. Called after each
    chunk of shared work, it shares the linking between both processes as the chunks share
    the writing, instead of leaving it all to the end of one of them. `linked` is what was
    linked, or None once a step failed (`commit` then links the spare itself).
    """

    def __init__(self, writer: OutputWriter) -> None:
        self._writer = writer
        self._start = len(writer.stats.written_paths)
        self.linked: set[str] | None = set()

    def catch_up(self) -> None:
        written = self._writer.stats.written_paths
        new, self._start = written[self._start :], len(written)
        if self.linked is None or not new:
            return
        done = self._writer.prelink_spare(new)
        if done is None:
            self.linked = None
        else:
            self.linked |= done


def _unsafe(rel: str) -> InsigneError:
    return InsigneError(
        Problem(
            None,
            f"refusing to write {rel!r}: it is not a plain path inside the output folder",
            hint="a name in the content became part of a path unchecked: this is a bug in "
            "Insigne, please report it with the content that caused it",
        )
    )


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    bytes_written: int = 0
    written_paths: list[str] = field(default_factory=list)
    removed_paths: list[str] = field(default_factory=list)


class OutputWriter:
    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir.resolve()
        parent = self.output_dir.parent
        self.staging = parent / f".{self.output_dir.name}.insigne-staging"
        # During the swap: the old tree. Between builds: the spare (see the module docstring).
        self.backup = parent / f".{self.output_dir.name}.insigne-previous"
        # Where a first build links its spare before renaming it to `backup`.
        self.spare_tmp = parent / f".{self.output_dir.name}.insigne-spare"
        self.stats = WriteStats()
        self.manifest: Manifest | None = None
        self._produced: set[str] = set()
        self._previous: set[str] = set()
        self._dirs: set[str] = set()
        self._groups: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._recording: list[str] | None = None
        self._from_spare = False
        self._pruned = False
        self._at_fork: set[str] = set()
        self._groups_at_fork: set[str] = set()
        # The files `prelink_spare` linked (in whichever process ran it), or None.
        self._prelinked: set[str] | None = None
        # What this process wrote, by path, once `retain_written` is called (else None).
        self.retained: dict[str, bytes] | None = None
        self._retain_left = 0

    # -- lifecycle -------------------------------------------------------------------------
    def begin(self, manifest: Manifest | None = None) -> None:
        self.manifest = manifest if manifest is not None else Manifest.load(self.output_dir)
        self.recover()
        for leftover in (self.staging, self.spare_tmp):
            if leftover.exists():
                shutil.rmtree(leftover)  # left by a killed build
        m = self.manifest
        if self.output_dir.is_dir():
            if m.describes_output and m.spare_delta is not None and self.backup.is_dir():
                os.rename(self.backup, self.staging)
                self._from_spare = True
                self._apply_delta(m.spare_delta, m.files)
                self._previous = set(m.files)
                return
            if self.backup.exists():
                shutil.rmtree(self.backup)
            self.staging.mkdir(parents=True)
            self._previous, dirs = _link_tree(self.output_dir, self.staging)
            self._dirs.update(dirs)
        else:
            self.staging.mkdir(parents=True)

    def recover(self) -> None:
        """Repair what a build killed during the swap left behind (see `commit`)."""
        if self.backup.exists() and not self.output_dir.exists():
            os.rename(self.backup, self.output_dir)
        # Otherwise the backup is the spare tree, which `begin` reuses or discards.

    def prune(self) -> Path:
        """Drop what this build no longer produces; the staging tree is then the final tree.

        Returns the staging folder, so it can be checked before `commit` swaps it in.
        """
        if not self._pruned:
            removed = sorted(self._previous - self._produced)
            for rel in removed:
                (self.staging / rel).unlink()
                self.stats.removed += 1
            self.stats.removed_paths = removed
            self._remove_empty_dirs(removed)
            self._pruned = True
        return self.staging

    def commit(self) -> WriteStats:
        self.prune()
        self._check_complete()
        removed = self.stats.removed_paths
        spare_delta = set(self.stats.written_paths) | set(removed)
        if self.output_dir.exists():
            if self.backup.exists():  # a spare `begin` did not take (a subclass skipped it)
                shutil.rmtree(self.backup)
            if _exchange(self.staging, self.output_dir):
                # One atomic step: the live path never lacks a whole tree, not even for a
                # moment. A kill before the next rename leaves the old tree as the staging
                # folder, which the next build discards.
                os.rename(self.staging, self.backup)
            else:
                # Two renames; a kill between them leaves the old tree as the backup, which
                # the next build's `recover` puts back.
                os.rename(self.output_dir, self.backup)
                os.rename(self.staging, self.output_dir)
            # The old tree is then kept as the spare.
        else:
            os.rename(self.staging, self.output_dir)
            if self.manifest is not None and self._take_spare():
                spare_delta = set()  # the spare is the output, link for link
        self._discard_prelinked()
        if self.manifest is not None:
            m = self.manifest
            m.files = self._produced
            m.groups = self._groups
            m.spare_delta = spare_delta
            m.save(self.output_dir)
        return self.stats

    def abort(self) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)
        self._discard_prelinked()

    # -- the spare of a first build ----------------------------------------------------------
    def prelink_spare(self, files: Iterable[str] | None = None) -> set[str] | None:
        """Link staged files into the spare now, before the swap; return the files linked.

        For a first build on two cores: instead of `commit` linking the spare after the swap,
        the processes link it while the build goes on, each the files it wrote, in steps (see
        `SpareLinker`); with `files` None, the whole staging tree. The parent hands the union
        to `adopt_spare`, and `commit` keeps the spare only if it holds exactly the files that
        go live (a failure here returns None, and `commit` then links the spare itself).
        """
        if not self.is_fresh() or self.backup.exists():
            return None
        try:
            self.spare_tmp.mkdir(exist_ok=True)  # the other process may have made it
            if files is None:
                return _link_tree(self.staging, self.spare_tmp)[0]
            linked: set[str] = set()
            folders: set[str] = set()
            for rel in files:
                folder = os.path.dirname(rel)
                if folder and folder not in folders:
                    os.makedirs(f"{self.spare_tmp}/{folder}", exist_ok=True)
                    folders.add(folder)
                _link_file(f"{self.staging}/{rel}", f"{self.spare_tmp}/{rel}")
                linked.add(rel)
            return linked
        except OSError:
            return None

    def spare_linker(self) -> SpareLinker:
        """Links this process's files into the spare as they are written (see SpareLinker)."""
        return SpareLinker(self)

    def adopt_spare(self, files: set[str] | None) -> None:
        self._prelinked = files

    def _take_spare(self) -> bool:
        """After a first build's swap: keep the prelinked spare if it matches, else link one."""
        linked, self._prelinked = self._prelinked, None
        if linked is not None and linked == self._produced and not self.backup.exists():
            try:
                os.rename(self.spare_tmp, self.backup)
                return True
            except OSError:
                pass
        self._discard_prelinked()
        return self._make_spare()

    def _discard_prelinked(self) -> None:
        self._prelinked = None
        if self.spare_tmp.exists():
            shutil.rmtree(self.spare_tmp, ignore_errors=True)

    def is_fresh(self) -> bool:
        """No previous output: every file of this build is new (nothing stale in staging)."""
        return not self._previous

    def produced_paths(self) -> set[str]:
        """What this build (this process's part of it, before a merge) has produced so far."""
        return set(self._produced)

    # -- writing ---------------------------------------------------------------------------
    def retain_written(self, limit: int = RETAIN_LIMIT) -> None:
        """Keep the bytes of the files written from now on in `retained`, up to `limit` bytes.

        The self-check then takes them from memory instead of reading them back: about a
        second of system time in a first build of 10,000 awards (about 50 MB per process).
        They are the bytes the file holds (`write` writes them whole, to a file it has just
        created). Past `limit`, files are read back: a large site's build stays within its
        memory (100,000 awards write about 1 GB).
        """
        self.retained = {}
        self._retain_left = limit

    def write(self, rel: str, data: bytes) -> bool:
        """Stage `data` at `rel`; return True if it differed from the previous output."""
        if not safe_relative(rel):
            # Names are checked where they are read (generator/names.py); this is the second
            # line: nothing reaches the disk outside the staging tree, whatever the caller.
            raise _unsafe(rel)
        if rel in self._produced:
            raise RuntimeError(f"two outputs claim the same path: {rel}")
        self._produced.add(rel)
        if self._recording is not None:
            self._recording.append(rel)
        target = f"{self.staging}/{rel}"
        if rel in self._previous:
            try:
                if os.stat(target).st_size == len(data):
                    with open(target, "rb") as handle:
                        if handle.read() == data:
                            self.stats.unchanged += 1
                            return False
            except OSError:
                pass
            # Never write through the hard link: that would change the live output too.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
        else:
            self._ensure_dir(rel)
            if self._from_spare:
                # Defensive: a stray link in a recycled tree must never be written through.
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)
        write_and_close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), data)
        self.stats.written += 1
        self.stats.bytes_written += len(data)
        self.stats.written_paths.append(rel)
        if self.retained is not None and len(data) <= self._retain_left:
            self.retained[rel] = data
            self._retain_left -= len(data)
        return True

    def keep(self, rel: str) -> bool:
        """Declare `rel` unchanged without its bytes (the caller knows it is up to date)."""
        if not safe_relative(rel):
            raise _unsafe(rel)
        if rel not in self._previous:
            return False
        self._produced.add(rel)
        if self._recording is not None:
            self._recording.append(rel)
        self.stats.unchanged += 1
        return True

    def copy_file(self, rel: str, source: Path) -> bool:
        return self.write(rel, source.read_bytes())

    # -- skipping work ---------------------------------------------------------------------
    def reuse(self, group: str, key: str) -> bool:
        """Keep every file of `group` if the last build made them from inputs with this `key`.

        `key` must change whenever anything the group's files are made from changes (see
        `manifest.award_fingerprint`); the caller then skips rendering them altogether.
        """
        m = self.manifest
        if m is None or not m.made(group, key):
            return False
        previous = m.groups[group]
        if not self._keepable(previous[1]):
            return False
        self._keep_group(group, previous)
        return True

    def reuse_batch(self, batch: str, key: str, members: Iterable[str]) -> bool:
        """Keep every group of `members` as the last build made it, if that build recorded the
        same `key` for `batch` (see `record_batch`): one key to compare instead of one per
        member, for the groups (an award's page, say) of a site's largest parts.

        `key` must change whenever any member's own key would; all or nothing is kept.
        """
        m = self.manifest
        if m is None or not m.made(batch, key):
            return False
        found = []
        for group in members:
            previous = m.groups.get(group)
            if previous is None or group in self._groups or not self._keepable(previous[1]):
                return False
            found.append((group, previous))
        for group, previous in found:
            self._keep_group(group, previous)
        self.record_batch(batch, key)
        return True

    def record_batch(self, batch: str, key: str) -> None:
        """Say that this build made the members of `batch` from inputs with `key`."""
        self._groups[batch] = (key, ())

    def _keepable(self, files: tuple[str, ...]) -> bool:
        """Every file is in the previous output and not produced by this build yet."""
        return self._previous.issuperset(files) and self._produced.isdisjoint(files)

    def _keep_group(self, group: str, previous: tuple[str, tuple[str, ...]]) -> None:
        """`keep` for each file of a group found `_keepable`, and the group recorded as is."""
        files = previous[1]
        self._produced.update(files)
        if self._recording is not None:
            self._recording.extend(files)
        self.stats.unchanged += len(files)
        self._groups[group] = previous

    def cached(self, group: str, key: str, produce: Callable[[], str | None]) -> bool:
        """Run `produce` (which writes the group's files) unless `reuse(group, key)` holds.

        Returns True when the group was kept. `produce` may return the key to record instead
        of `key`, when rendering is what reveals part of it (a signature found or made).
        """
        if self.reuse(group, key):
            return True
        outer, self._recording = self._recording, []
        try:
            recorded = produce()
            self._groups[group] = (recorded or key, tuple(self._recording))
        finally:
            self._recording = outer
        return False

    # -- two processes, one staging tree (see generator/parallel.py) -------------------------
    def fork_mark(self) -> tuple[int, int, int, int]:
        """Where the bookkeeping stands at a fork; the child reports what it adds after it."""
        self._at_fork = set(self._produced)
        self._groups_at_fork = set(self._groups)
        s = self.stats
        return (s.written, s.unchanged, s.bytes_written, len(s.written_paths))

    def fork_report(self, mark: tuple[int, int, int, int]) -> dict[str, object]:
        s = self.stats
        return {
            "produced": self._produced - self._at_fork,
            "written": s.written - mark[0],
            "unchanged": s.unchanged - mark[1],
            "bytes_written": s.bytes_written - mark[2],
            "written_paths": s.written_paths[mark[3] :],
            "groups": {g: v for g, v in self._groups.items() if g not in self._groups_at_fork},
        }

    def fork_merge(self, report: dict[str, Any]) -> None:
        produced: set[str] = report["produced"]
        clash = produced & self._produced
        if clash:
            raise RuntimeError(f"two outputs claim the same path: {sorted(clash)[0]}")
        self._produced |= produced
        self.stats.written += report["written"]
        self.stats.unchanged += report["unchanged"]
        self.stats.bytes_written += report["bytes_written"]
        self.stats.written_paths.extend(report["written_paths"])
        self._groups.update(report["groups"])

    # -- internals -------------------------------------------------------------------------
    def _check_complete(self) -> None:
        """The staged tree holds exactly the files this build produced, before it goes live.

        Cheap (one directory listing per folder) and the last line of defence for the live
        output: a file declared kept but gone from the staging tree (unlinked by a process that
        should not be writing there any more, say) fails the build instead of going live
        missing; a stray file (a recycled spare tree's) is dropped.
        """
        found = _list_tree(self.staging)
        missing = self._produced - found
        if missing:
            raise InsigneError(
                Problem(
                    None,
                    f"the staged tree lacks {len(missing)} file(s) this build produced, such "
                    f"as {sorted(missing)[0]}; the previous output was kept",
                    hint="another process wrote into the staging folder beside the output; "
                    "build again",
                )
            )
        strays = sorted(found - self._produced)
        for rel in strays:
            os.unlink(f"{self.staging}/{rel}")
        self._remove_empty_dirs(strays)

    def _ensure_dir(self, rel: str) -> None:
        parent = os.path.dirname(rel)
        if parent and parent not in self._dirs:
            folder = self.staging / parent
            folder.mkdir(parents=True, exist_ok=True)
            # A folder that resolves elsewhere (a symbolic link in a recycled tree) is refused.
            if not folder.resolve().is_relative_to(self.staging.resolve()):
                raise _unsafe(rel)
            self._dirs.add(parent)

    def _apply_delta(self, delta: set[str], files: set[str]) -> None:
        """Make the spare (now the staging tree) equal to the live output again."""
        gone = [rel for rel in delta if rel not in files]
        for rel in sorted(delta):
            target = f"{self.staging}/{rel}"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
            if rel in files:
                self._ensure_dir(rel)
                _link_file(f"{self.output_dir}/{rel}", target)
        self._remove_empty_dirs(gone)

    def _make_spare(self) -> bool:
        """Link the new output into the spare tree (the first build has no old tree to keep).

        Linked under another name and renamed when complete: the manifest, saved after this,
        must never describe a spare that a kill left half made.
        """
        if self.backup.exists():
            return False  # a spare with an unknown delta: the next build's `begin` decides
        try:
            self.spare_tmp.mkdir()
            _link_tree(self.output_dir, self.spare_tmp)
            os.rename(self.spare_tmp, self.backup)
        except OSError:
            shutil.rmtree(self.spare_tmp, ignore_errors=True)
            return False
        return True

    def _remove_empty_dirs(self, removed: list[str]) -> None:
        # Only a removal can empty a folder: check the folders of removed files, deepest first.
        candidates: set[str] = set()
        for rel in removed:
            parent = os.path.dirname(rel)
            while parent:
                candidates.add(parent)
                parent = os.path.dirname(parent)
        for rel in sorted(candidates, key=lambda d: d.count("/"), reverse=True):
            with contextlib.suppress(OSError):
                os.rmdir(self.staging / rel)
