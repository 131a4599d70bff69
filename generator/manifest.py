"""The build manifest: what the last build read and wrote, so the next one can skip work.

It lives beside the output folder, never inside it (`.output.insigne-manifest` for `output/`):
it holds parsed award files (emails included) and must not be published. Deleting it is always
safe: the next build is then a full one (it still writes only the files whose bytes changed).

What it records:
- `inputs`: one digest of everything a build reads (content files, themes, the code, keys,
  options, the clock's effect). Equal digest and the same output folder: nothing to do.
- `files` and `groups`: the files of the current output, and for each group of outputs (for
  example one award's assertion and baked image) the fingerprint of its inputs, so a build can
  keep a group without rendering it (`OutputWriter.reuse`).
- `spare_delta`: the paths that differ between the live output and the spare tree kept from the
  previous build (see `writer.py`), so staging the next build costs O(changes), not O(files).
- `award_files`: each award file's parsed `AwardSpec`s, by digest of its bytes and of what its
  parsing depends on; unchanged files are not parsed again.

The file is a pickle: it is written and read only by Insigne on this machine, like a cache.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.errors import Problems
    from generator.model import Award, AwardSpec, Badge, Site

FORMAT_VERSION = 1
_PACKAGE_DIR = Path(__file__).resolve().parent


def manifest_path(output_dir: Path) -> Path:
    output_dir = output_dir.resolve()
    return output_dir.parent / f".{output_dir.name}.insigne-manifest"


def output_identity(output_dir: Path) -> tuple[int, int, int] | None:
    """Which output folder this is: a new build swaps in a new folder, so its inode changes."""
    try:
        st = os.stat(output_dir)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


@dataclass
class Manifest:
    path: Path
    output_id: tuple[int, int, int] | None = None
    inputs: str | None = None
    files: set[str] = field(default_factory=set)
    groups: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    spare_delta: set[str] | None = None
    notices: list[str] = field(default_factory=list)  # said by the build, to say again
    # When the output passed the self-check: (code digest, JSON-LD shapes found well-formed).
    # A build by the same code then checks only the files it changed (generator/selfcheck.py).
    verified: tuple[str, set[str]] | None = None
    # Signature cache key of each Open Badges 3.0 credential group (see publish_ob3).
    proofs: dict[str, str] = field(default_factory=dict)
    award_files: dict[str, tuple[str, list[Any]]] = field(default_factory=dict)
    # Filled during a build, saved by `save` in place of `award_files`.
    new_award_files: dict[str, tuple[str, list[Any]]] = field(default_factory=dict)

    @classmethod
    def load(cls, output_dir: Path) -> Manifest:
        path = manifest_path(output_dir)
        empty = cls(path)
        try:
            with open(path, "rb") as handle:
                data = pickle.load(handle)
        except FileNotFoundError:
            return empty
        except Exception:  # a truncated or foreign file is a cache miss, never an error
            return empty
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            return empty
        manifest = cls(path, award_files=data.get("award_files", {}))
        if data.get("output_id") is not None and data["output_id"] == output_identity(
            output_dir.resolve()
        ):
            # Only trust what it says about the output if the output is the one it describes.
            manifest.output_id = data["output_id"]
            manifest.inputs = data.get("inputs")
            manifest.files = data.get("files", set())
            manifest.groups = data.get("groups", {})
            manifest.spare_delta = data.get("spare_delta")
            manifest.notices = data.get("notices", [])
            manifest.verified = data.get("verified")
            manifest.proofs = data.get("proofs", {})
        return manifest

    @property
    def describes_output(self) -> bool:
        return self.output_id is not None

    def save(self, output_dir: Path) -> None:
        data = {
            "version": FORMAT_VERSION,
            "output_id": output_identity(output_dir.resolve()),
            "inputs": self.inputs,
            "files": self.files,
            "groups": self.groups,
            "spare_delta": self.spare_delta,
            "notices": self.notices,
            "verified": self.verified,
            "proofs": self.proofs,
            "award_files": self.new_award_files,
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.path)

    def forget_output(self) -> None:
        """Before the output changes: a manifest saved then would describe the wrong tree."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    # -- award files ------------------------------------------------------------------------
    def award_file_loader(
        self,
        load: Callable[[Path, Site, dict[str, Badge], Problems], list[AwardSpec]],
    ) -> Callable[[Path, Site, dict[str, Badge], Problems], list[AwardSpec]]:
        """Wrap `awards.load_award_file` with this cache (only files without problems are kept)."""
        context_digests: dict[int, str] = {}

        def cached(
            path: Path, site: Site, badges: dict[str, Badge], problems: Problems
        ) -> list[AwardSpec]:
            context = context_digests.get(id(badges))
            if context is None:
                # What parsing an award file depends on besides its bytes.
                context = digest_text(
                    code_digest(),
                    site.timezone_name,
                    str(site.content_dir),
                    repr(sorted((s, b.expires_after) for s, b in badges.items())),
                )
                context_digests[id(badges)] = context
            try:
                data = path.read_bytes()
            except OSError:
                return load(path, site, badges, problems)
            key = hashlib.sha256(data + context.encode()).hexdigest()
            rel = str(path)
            hit = self.award_files.get(rel)
            if hit is not None and hit[0] == key:
                self.new_award_files[rel] = hit
                return list(hit[1])
            before = len(problems)
            specs = load(path, site, badges, problems)
            if len(problems) == before:
                self.new_award_files[rel] = (key, list(specs))
            return specs

        return cached


# -- digests ---------------------------------------------------------------------------------


def digest_text(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


_code_digest: str | None = None


def code_digest() -> str:
    """The generator's own code and built-in themes, by size and mtime (a change rebuilds all)."""
    global _code_digest
    if _code_digest is None:
        entries = []
        for base in (_PACKAGE_DIR, _PACKAGE_DIR.parent / "themes"):
            entries.extend(_stat_entries(base))
        _code_digest = digest_text(*entries)
    return _code_digest


def _stat_entries(base: Path) -> list[str]:
    entries = []
    for root, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            full = os.path.join(root, name)
            with contextlib.suppress(OSError):
                st = os.stat(full)
                entries.append(f"{full}\0{st.st_size}\0{st.st_mtime_ns}")
    return entries


def tree_digest(paths: Iterable[Path]) -> str:
    """sha256 over every file's relative path and bytes under each path (missing ones count)."""
    h = hashlib.sha256()
    for base in paths:
        h.update(str(base).encode() + b"\0")
        if base.is_file():
            h.update(base.read_bytes())
            continue
        for root, dirs, files in os.walk(base):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                h.update(os.path.relpath(full, base).encode("utf-8", "surrogateescape") + b"\0")
                with open(full, "rb") as handle:
                    h.update(handle.read())
                h.update(b"\0")
    return h.hexdigest()


def inputs_digest(
    content_dir: Path,
    theme_dirs: Iterable[Path],
    extra: Iterable[str],
    key_dirs: Iterable[Path] = (),
) -> str:
    """Everything a build reads: content, project themes, keys, code, environment and options."""
    env = sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("INSIGNE_"))
    return digest_text(
        code_digest(),
        tree_digest([content_dir, *theme_dirs, *key_dirs]),
        *env,
        *extra,
    )


def award_fingerprint(award: Award) -> str:
    """An award as its documents see it: every field but where it sits in its file.

    Fields are listed from the dataclasses, so a field added later is covered too.
    """
    spec = award.spec
    spec_part = [getattr(spec, name) for name in _fields(type(spec), ("source", "line"))]
    award_part = [getattr(award, name) for name in _fields(type(award), ("spec",))]
    return repr((award_part, spec_part))


@cache
def _fields(cls: type, skip: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in skip)


def badge_image_fingerprint(badge: Badge) -> str:
    """What an award's hosted assertion and baked image take from its badge."""
    data = badge.image.read_bytes()
    return digest_text(badge.slug, badge.image_type, hashlib.sha256(data).hexdigest())


class HostedKeys:
    """Fingerprints of a hosted award's assertion and baked image (see `OutputWriter.cached`).

    They are made from the site, the badge's slug and image, and the award itself; not from the
    badge's text, which the assertion only links to.
    """

    def __init__(self, site: Site) -> None:
        self._base = digest_text(code_digest(), repr(site))
        self._images: dict[str, str] = {}

    def hosted(self, badge: Badge, award: Award) -> str:
        image = self._images.get(badge.slug)
        if image is None:
            image = self._images[badge.slug] = badge_image_fingerprint(badge)
        return digest_text(self._base, image, award_fingerprint(award))
