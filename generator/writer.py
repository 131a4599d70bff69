"""The one place that writes `output/`: staged, atomic, and lazy about unchanged files.

A build never writes into the live output. It prepares a staging tree beside it, seeded with
hard links to the previous output (cheap, and it keeps the mtimes of files that do not change),
replaces only the files whose bytes differ, deletes what the build no longer produces, and then
swaps the staging tree in. A build killed half-way leaves the previous output whole; a rebuild
with nothing changed writes nothing, so deploys upload only what changed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    bytes_written: int = 0
    written_paths: list[str] = field(default_factory=list)


class OutputWriter:
    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir.resolve()
        parent = self.output_dir.parent
        self.staging = parent / f".{self.output_dir.name}.insigne-staging"
        self.backup = parent / f".{self.output_dir.name}.insigne-previous"
        self.stats = WriteStats()
        self._produced: set[str] = set()
        self._previous: set[str] = set()
        self._dirs: set[str] = set()
        self._pruned = False

    # -- lifecycle -------------------------------------------------------------------------
    def begin(self) -> None:
        self.recover()
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)
        if self.output_dir.is_dir():
            self._previous = self._link_tree(self.output_dir, self.staging)

    def recover(self) -> None:
        """Repair what a build killed during the swap left behind (see `commit`)."""
        if self.backup.exists():
            if not self.output_dir.exists():
                os.rename(self.backup, self.output_dir)
            else:
                shutil.rmtree(self.backup)

    def prune(self) -> Path:
        """Drop what this build no longer produces; the staging tree is then the final tree.

        Returns the staging folder, so it can be checked before `commit` swaps it in.
        """
        if not self._pruned:
            for rel in sorted(self._previous - self._produced):
                (self.staging / rel).unlink()
                self.stats.removed += 1
            self._remove_empty_dirs()
            self._pruned = True
        return self.staging

    def commit(self) -> WriteStats:
        self.prune()
        if self.output_dir.exists():
            # Two renames; a kill between them leaves the old tree as the backup, which the
            # next build's `recover` puts back.
            os.rename(self.output_dir, self.backup)
            os.rename(self.staging, self.output_dir)
            shutil.rmtree(self.backup)
        else:
            os.rename(self.staging, self.output_dir)
        return self.stats

    def abort(self) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)

    # -- writing ---------------------------------------------------------------------------
    def write(self, rel: str, data: bytes) -> bool:
        """Stage `data` at `rel`; return True if it differed from the previous output."""
        if rel in self._produced:
            raise RuntimeError(f"two outputs claim the same path: {rel}")
        self._produced.add(rel)
        target = self.staging / rel
        if rel in self._previous:
            try:
                if target.stat().st_size == len(data) and target.read_bytes() == data:
                    self.stats.unchanged += 1
                    return False
            except OSError:
                pass
            # Never write through the hard link: that would change the live output too.
            target.unlink()
        else:
            self._ensure_dir(rel)
        with open(target, "wb") as handle:
            handle.write(data)
        self.stats.written += 1
        self.stats.bytes_written += len(data)
        self.stats.written_paths.append(rel)
        return True

    def keep(self, rel: str) -> bool:
        """Declare `rel` unchanged without its bytes (the caller knows it is up to date)."""
        if rel not in self._previous:
            return False
        self._produced.add(rel)
        self.stats.unchanged += 1
        return True

    def copy_file(self, rel: str, source: Path) -> bool:
        return self.write(rel, source.read_bytes())

    def _ensure_dir(self, rel: str) -> None:
        parent = os.path.dirname(rel)
        if parent and parent not in self._dirs:
            (self.staging / parent).mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)

    def _link_tree(self, source: Path, dest: Path) -> set[str]:
        found: set[str] = set()
        for root, dirnames, filenames in os.walk(source):
            rel_root = os.path.relpath(root, source)
            rel_root = "" if rel_root == "." else rel_root
            dest_root = dest / rel_root
            for name in dirnames:
                (dest_root / name).mkdir(exist_ok=True)
                self._dirs.add(os.path.join(rel_root, name) if rel_root else name)
            for name in filenames:
                rel = f"{rel_root}/{name}" if rel_root else name
                try:
                    os.link(os.path.join(root, name), dest_root / name)
                except OSError:  # a file system without hard links: copy instead
                    shutil.copy2(os.path.join(root, name), dest_root / name)
                found.add(rel)
        return found

    def _remove_empty_dirs(self) -> None:
        for root, _dirs, _files in os.walk(self.staging, topdown=False):
            if root != str(self.staging):
                with contextlib.suppress(OSError):
                    os.rmdir(root)
