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
- `site`: the loaded `Site` and badges, by digest of every content file they can read (all of
  `content/` but the award files, the ledger and the signatures), the code and the options.
- `criteria`: the badges' criteria rendered to HTML, by digest of their Markdown and the code.
- `award_files`: each award file's parsed `AwardSpec`s (with their cached key and fingerprint),
  by digest of its bytes and of what its parsing depends on; unchanged files are not parsed
  again. Each file's specs are kept as JSON values: a build turns them into specs when it reads
  the file, and saves an unchanged file's values again as they were.

The file is JSON, read as data only (see `generator/cachedata.py`): a cache beside the output
can be planted by whoever can write there, so nothing in it may ever run. A file that is
unreadable, foreign or does not fit its schema is a cache miss (a full build), never an error.
Every path it names under the output is checked to stay inside it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import itertools
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.cachedata import CacheDataError, decode, encode
from generator.contentfile import ContentFileError, file_digest, read_content
from generator.model import AwardSpec, Badge, Site

if TYPE_CHECKING:
    from generator.model import Award

FORMAT_VERSION = 3  # 3: JSON (2 was a pickle, which is never read)
_PACKAGE_DIR = Path(__file__).resolve().parent


def manifest_path(output_dir: Path) -> Path:
    output_dir = output_dir.resolve()
    return output_dir.parent / f".{output_dir.name}.insigne-manifest"


def compiled_templates_dir(output_dir: Path) -> Path:
    """Where the build keeps compiled templates (see `Theme.keep_compiled`), beside the output."""
    output_dir = output_dir.resolve()
    return output_dir.parent / f".{output_dir.name}.insigne-templates"


def output_identity(output_dir: Path) -> tuple[int, int, int] | None:
    """Which output folder this is: a new build swaps in a new folder, so its inode changes."""
    try:
        st = os.stat(output_dir)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


# A manifest of 100,000 awards takes some 70 MB: anything much larger is not one of ours.
_MAX_MANIFEST_BYTES = 1 << 30


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes, else None (a FIFO planted there
    must not block the build, nor a huge file fill the memory)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
        os.close(fd)
        return None
    with open(fd, "rb") as handle:
        return handle.read(limit + 1)


# A path under the output as the manifest names it: relative, without empty, "." or ".."
# segments. Checked on all of them at once ("\n"-joined: a newline inside a name only splits
# it into two names, each checked), since a no-change rebuild reads some 60,000 of them.
_NOT_INSIDE = re.compile(r"^/|^$|//|/$|(?:^|/)\.\.?(?:/|$)|\0", re.MULTILINE)


def _inside_output(paths: Iterable[str]) -> bool:
    joined = "\n".join(paths)
    return not joined or _NOT_INSIDE.search(joined) is None


# What `load` reads, field by field, and the type each must have (see cachedata).
_OUTPUT_FIELDS: dict[str, Any] = {
    "inputs": str | None,
    "files": set[str],
    "spare_delta": set[str] | None,
    "notices": list[str],
    "verified": tuple[str, set[str]] | None,
    "proofs": dict[str, str],
}


def _decode_groups(data: Any) -> dict[str, tuple[str, tuple[str, ...]]]:
    """`groups` as `cachedata.decode` would read it, in a third of the time: a site of
    10,000 awards has some 20,000 groups, read by every rebuild."""
    if type(data) is not dict:
        raise CacheDataError("groups: expected an object")
    groups = {}
    for name, entry in data.items():  # JSON object keys are always text
        if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str:
            raise CacheDataError(f"group {name!r}: expected [key, [files]]")
        members = entry[1]
        if type(members) is not list:
            raise CacheDataError(f"group {name!r}: expected a list of files")
        groups[name] = (entry[0], tuple(members))
    names = itertools.chain.from_iterable(members for _key, members in groups.values())
    if not set(map(type, names)) <= {str}:
        raise CacheDataError("groups: a file name that is not text")
    return groups


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
    # By file path: (digest of the file and its context, its specs as JSON values).
    award_files: dict[str, tuple[str, Any]] = field(default_factory=dict)
    # Filled during a build, saved by `save` in place of `award_files`: the JSON values of a
    # file found unchanged, and the specs parsed now (converted when saved).
    new_award_files: dict[str, tuple[str, Any]] = field(default_factory=dict)
    new_award_specs: dict[str, tuple[str, list[AwardSpec]]] = field(default_factory=dict)
    # (digest of what they are loaded from, the site and its badges as JSON values); see
    # site_inputs.
    site: tuple[str, Any] | None = None
    new_site: tuple[str, Any] | None = None
    # Badges' criteria as HTML, by digest of the code, the Markdown library and the text
    # (see pages.render_criteria); the build replaces it with what it used.
    criteria: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, output_dir: Path) -> Manifest:
        path = manifest_path(output_dir)
        try:
            data = _read_regular(path, _MAX_MANIFEST_BYTES)
            if data is None:
                return cls(path)  # not a regular file, or too large to be ours
            with paused_gc():
                return cls._from_data(path, output_dir, json.loads(data))
        except FileNotFoundError:
            return cls(path)
        # Unreadable, not JSON, foreign or damaged: a cache miss, never an error. (ValueError
        # covers JSON and UTF-8 errors and CacheDataError; RecursionError deep nesting.)
        except (OSError, ValueError, TypeError, KeyError, RecursionError):
            return cls(path)

    @classmethod
    def _from_data(cls, path: Path, output_dir: Path, data: Any) -> Manifest:
        empty = cls(path)
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            return empty
        award_files = decode(data["award_files"], dict[str, tuple[str, Any]])
        site = data["site"]
        if site is not None:
            site = decode(site, tuple[str, Any])
        manifest = cls(
            path,
            award_files=award_files,
            site=site,
            criteria=decode(data["criteria"], dict[str, str]),
        )
        output_id = decode(data["output_id"], tuple[int, int, int] | None)
        if output_id is not None and output_id == output_identity(output_dir.resolve()):
            # Only trust what it says about the output if the output is the one it describes.
            fields = {name: decode(data[name], tp) for name, tp in _OUTPUT_FIELDS.items()}
            fields["groups"] = _decode_groups(data["groups"])
            groups = fields["groups"].values()
            named = itertools.chain(
                fields["files"],
                fields["spare_delta"] or (),
                itertools.chain.from_iterable(members for _key, members in groups),
            )
            if not _inside_output(named):
                return empty  # it would have the build link or remove files elsewhere
            manifest.output_id = output_id
            for name, value in fields.items():
                setattr(manifest, name, value)
        return manifest

    @property
    def describes_output(self) -> bool:
        return self.output_id is not None

    def made(self, group: str, key: str) -> bool:
        """Whether the output this describes has `group`'s files made from inputs with `key`."""
        previous = self.groups.get(group) if self.output_id is not None else None
        return previous is not None and previous[0] == key

    def save(self, output_dir: Path) -> None:
        award_files = dict(self.new_award_files)
        for rel, (key, specs) in self.new_award_specs.items():
            with contextlib.suppress(CacheDataError):  # not kept: parsed again next time
                award_files[rel] = (key, encode(specs, list[AwardSpec]))
        data = {
            "version": FORMAT_VERSION,
            "output_id": output_identity(output_dir.resolve()),
            "inputs": self.inputs,
            "files": list(self.files),
            "groups": self.groups,
            "spare_delta": None if self.spare_delta is None else list(self.spare_delta),
            "notices": self.notices,
            "verified": None
            if self.verified is None
            else (self.verified[0], list(self.verified[1])),
            "proofs": self.proofs,
            "site": self.new_site,
            "criteria": self.criteria,
            "award_files": award_files,
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # never write through whatever was left (or planted) there
        # Only its owner may read it: it holds the recipients' email addresses.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        # dumps, not dump: only a one-shot encoding runs in C (json.dump encodes in Python,
        # 0.4 s for 10,000 awards). ensure_ascii: the bytes stay valid UTF-8 whatever a name
        # holds (lone surrogates from undecodable file names are escaped, not refused).
        text = json.dumps(data, separators=(",", ":"))
        with open(fd, "w", encoding="ascii") as handle:
            handle.write(text)
        os.replace(tmp, self.path)

    def forget_output(self) -> None:
        """Before the output changes: a manifest saved then would describe the wrong tree."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    # -- site and badges --------------------------------------------------------------------
    def cached_site(self, key: str) -> tuple[Site, dict[str, Badge]] | None:
        """The site and badges loaded by a build whose `site_inputs` digest was `key`."""
        if self.site is None or self.site[0] != key:
            return None
        try:
            site, badges = decode(self.site[1], tuple[Site, dict[str, Badge]])
        except CacheDataError:  # a damaged entry is a cache miss
            return None
        self.new_site = self.site
        return site, badges

    def keep_site(self, key: str, site: Site, badges: dict[str, Badge]) -> None:
        """Remember a site and badges loaded without problems (see `cached_site`)."""
        try:
            self.new_site = (key, encode((site, badges), tuple[Site, dict[str, Badge]]))
        except CacheDataError:  # something the cache cannot hold: loaded again next time
            self.new_site = None

    # -- award files ------------------------------------------------------------------------
    def award_file_cache(self, site: Site, badges: dict[str, Badge]) -> AwardFileCache:
        return AwardFileCache(self, site, badges)


class AwardFileCache:
    """The award files parsed by the last build: a file whose bytes and context are unchanged
    is not parsed again. Only files parsed without problems are kept."""

    def __init__(self, manifest: Manifest, site: Site, badges: dict[str, Badge]) -> None:
        self._manifest = manifest
        # What parsing an award file depends on besides its bytes.
        self._context = digest_text(
            code_digest(),
            site.timezone_name,
            str(site.content_dir),
            repr(site.languages),  # a recipient's language: must be one of them
            repr(sorted((s, b.expires_after) for s, b in badges.items())),
        ).encode()

    def lookup(self, path: Path) -> tuple[str | None, list[AwardSpec] | None]:
        """The file's cache key (None if unreadable) and its specs if the last build had them."""
        try:
            data = read_content(path, "yaml")
        except (OSError, ContentFileError):  # the loader reports it
            return None, None
        key = hashlib.sha256(data + self._context).hexdigest()
        rel = str(path)
        hit = self._manifest.award_files.get(rel)
        if hit is not None and hit[0] == key:
            try:
                with paused_gc():
                    specs = decode(hit[1], list[AwardSpec])
            except CacheDataError:  # a damaged entry is a cache miss
                specs = None
            if specs is not None:
                self._manifest.new_award_files[rel] = hit
                return key, specs
        return key, None

    def store(self, path: Path, key: str, specs: list[AwardSpec]) -> None:
        self._manifest.new_award_specs[str(path)] = (key, list(specs))


@contextlib.contextmanager
def paused_gc(freeze: bool = False) -> Iterator[None]:
    """Loading makes hundreds of thousands of objects and frees almost none: the cyclic
    collector's passes over the growing heap would cost as much as the loading itself.

    With `freeze`, everything made so far is then left out of later collections (`gc.freeze`),
    until the caller's `gc.unfreeze()`: the build loads a model that lives as long as it does,
    which its collections would otherwise walk again and again (0.37 s of a first build of
    10,000 awards, 6.3 s at 100,000, both processes). Frozen objects still go when nothing
    refers to them. Nested, only the outermost pause acts.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        gc.enable()


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


# What `site_inputs` leaves out: read for awards and credentials, never for the site or badges.
# What loading the site and badges never reads, and what builds and commands write into content/
# (a site cache keyed on them would miss after every build that writes them).
_NOT_SITE_INPUTS = frozenset(
    {"awards", "ledger.json", "signatures.json", "notifications.json", ".gitattributes"}
)


def site_inputs(content_dir: Path, base_url: str | None) -> str:
    """Digest of all that loading the site and its badges reads: every file and folder of
    `content/` (names and bytes) but the award files, the ledger and the signatures, which
    they never read, with the code, the folder's path and the --base-url option.

    Broader than needed on purpose (a new image anywhere in content/ counts too): the loaders
    may read any file under content/, and a miss costs only the loading it would have done.
    """
    h = hashlib.sha256()
    for part in (code_digest(), str(content_dir), repr(base_url)):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    for root, dirs, files in os.walk(content_dir):
        top = root == str(content_dir)
        dirs[:] = sorted(d for d in dirs if not (top and d in _NOT_SITE_INPUTS))
        rel_root = os.path.relpath(root, content_dir)
        h.update(b"d\0" + rel_root.encode("utf-8", "surrogateescape") + b"\0")
        for name in dirs:
            h.update(b"D\0" + name.encode("utf-8", "surrogateescape") + b"\0")
        for name in sorted(files):
            if top and name in _NOT_SITE_INPUTS:
                continue
            h.update(b"f\0" + name.encode("utf-8", "surrogateescape") + b"\0")
            try:
                h.update(file_digest(Path(root, name)))
            except OSError as exc:  # unreadable: its loader reports it; never a hit
                h.update(f"unreadable {exc.errno} {os.urandom(8).hex()}".encode())
    return h.hexdigest()


def tree_digest(paths: Iterable[Path]) -> str:
    """sha256 over every file's relative path and bytes under each path (missing ones count)."""
    h = hashlib.sha256()
    for base in paths:
        h.update(str(base).encode() + b"\0")
        if base.is_file():
            h.update(file_digest(base))
            continue
        for root, dirs, files in os.walk(base):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                h.update(os.path.relpath(full, base).encode("utf-8", "surrogateescape") + b"\0")
                h.update(file_digest(Path(full)))
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

    Cached on the award (`Award.fingerprint`); the spec's part is cached on the spec, which
    the award file cache keeps between builds, so an unchanged award costs one lookup.
    """
    return award.fingerprint


def award_fingerprint_of(award: Award) -> str:
    # Fields are listed from the dataclasses, so a field added later is covered too. Not
    # hashed again: every key made from it is a digest.
    award_part = [getattr(award, name) for name in _fields(type(award), ("spec",))]
    return f"{award_part!r}{award.spec.fingerprint}"


def spec_fingerprint(spec: AwardSpec) -> str:
    spec_part = [getattr(spec, name) for name in _fields(type(spec), ("source", "line"))]
    return digest_text(repr(spec_part))


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
        # By award id: a build may ask before it forks (to decide whether to) and again after.
        self._made: dict[str, str] = {}

    def hosted(self, badge: Badge, award: Award) -> str:
        key = self._made.get(award.id)
        if key is None:
            key = digest_text(self._base, self._image(badge), award_fingerprint(award))
            self._made[award.id] = key
        return key

    def batch(self, badge: Badge, awards: Iterable[Award]) -> str:
        """One key for hosted awards of `badge`: equal only if each one's `hosted` key is."""
        return digest_text(self._base, self._image(badge), *map(award_fingerprint, awards))

    def _image(self, badge: Badge) -> str:
        image = self._images.get(badge.slug)
        if image is None:
            image = self._images[badge.slug] = badge_image_fingerprint(badge)
        return image
