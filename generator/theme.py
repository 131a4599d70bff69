"""Themes: Jinja2 templates and static files, with per-template override of the default theme.

Lookup order for a template, a static file or a catalogue file: `themes/<site theme>/` in the
project (beside `content/`), then `themes/default/` in the project, then the theme of that name
shipped with Insigne, then the default theme shipped with Insigne. The first file found wins, so a
project overrides one template by writing a file of the same name. A template that wants to extend
the shipped one it replaces names it `default/<name>` (e.g. `{% extends "default/base.html" %}`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.util
import json
import os
import secrets
import stat
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import jinja2
import jinja2.bccache
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from generator.errors import InsigneError, Problem
from generator.manifest import code_digest, digest_text


class Strings(Protocol):
    def t(self, key: str, **values: object) -> str: ...


class _ConstantStrings(Extension):
    """Compiles `t("key")` (a literal key, no values) into the translated text itself.

    Each language gets its own compiled templates, so the strings of the interface become
    constant template data, escaped once at compile time; an award page then spends no time
    looking up or escaping its thirty-odd labels. Calls with values stay calls to `t`.
    """

    def filter_stream(self, stream: TokenStream) -> Iterable[Token]:
        strings: Strings | None = getattr(self.environment, "insigne_strings", None)
        tokens = list(stream)
        if strings is None:
            return tokens
        return _fold(tokens, strings)


def _fold(tokens: list[Token], strings: Strings) -> Iterator[Token]:
    i = 0
    while i < len(tokens):
        window = tokens[i : i + 4]
        if (
            [tok.type for tok in window] == ["name", "lparen", "string", "rparen"]
            and window[0].value == "t"
            and (i == 0 or tokens[i - 1].type != "dot")
        ):
            yield Token(window[0].lineno, "string", strings.t(window[2].value))
            i += 4
        else:
            yield tokens[i]
            i += 1


def _builtin_themes() -> Path:
    """The shipped themes: the checkout's `themes/` (editable install) or the wheel's copy."""
    checkout = Path(__file__).resolve().parent.parent / "themes"
    if (checkout / "default" / "templates").is_dir():
        return checkout
    spec = importlib.util.find_spec("insigne_themes")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return checkout


BUILTIN_THEMES = _builtin_themes()


class _CompiledTemplates(jinja2.BytecodeCache):
    """Jinja2's compiled templates kept in files between builds, signed.

    Jinja2 loads a compiled template with pickle and marshal and runs it: a file planted in the
    folder (which sits beside the output, where a CI cache or a commit can put one) would run
    its own code in the build. Each file therefore starts with an HMAC-SHA256 of the rest,
    made with a key that lives outside the project (see `_signing_key`); a file that does not
    verify is never handed to Jinja2, only compiled again and replaced.

    The cache key carries our salt. A file used is touched, so that files no build has used for
    a while (an older Insigne, strings since edited) can be told apart and removed (see
    `Theme.keep_compiled`).
    """

    PATTERN = "%s.jinja"

    def __init__(self, directory: Path, salt: str, key: bytes) -> None:
        self._directory = directory
        self._salt = salt
        self._key = key

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return digest_text(self._salt, name, filename or "")

    def _path(self, bucket: jinja2.bccache.Bucket) -> Path:
        return self._directory / (self.PATTERN % bucket.key)

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = self._path(bucket)
        try:
            data = _read_small(path)
        except OSError:
            return
        if data is None or not hmac.compare_digest(data[:_MAC_BYTES], self._mac(data[_MAC_BYTES:])):
            return  # not ours (or damaged): compiled again, and replaced
        bucket.bytecode_from_string(data[_MAC_BYTES:])
        if bucket.code is not None:
            with contextlib.suppress(OSError):
                os.utime(path)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        body = bucket.bytecode_to_string()
        path = self._path(bucket)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with open(fd, "wb") as handle:
                handle.write(self._mac(body) + body)
            os.replace(tmp, path)
        except OSError:  # a cache: a file not kept is compiled again next time
            with contextlib.suppress(OSError):
                os.unlink(tmp)


_MAC_BYTES = 32
_MAX_COMPILED_BYTES = 16 * 1024 * 1024


def _read_small(path: Path) -> bytes | None:
    """A regular file's bytes (None for anything else, or too large: a planted FIFO must not
    block the build)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_COMPILED_BYTES:
        os.close(fd)
        return None
    with open(fd, "rb") as handle:
        return handle.read(_MAX_COMPILED_BYTES + 1)


def _signing_key() -> bytes | None:
    """This user's key for signing compiled templates: 32 random bytes, made once, kept in
    `$XDG_CACHE_HOME/insigne/template-key` (default ~/.cache), outside every project, so that
    no file planted in a project can be signed with it. None (no cache) if it cannot be had."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "insigne" / "template-key"
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with open(fd, "wb") as handle:
                handle.write(secrets.token_bytes(_MAC_BYTES))
        key = _read_small(path)
    except OSError:
        return None
    return key if key is not None and len(key) == _MAC_BYTES else None


# Compiled templates no build has used for this long are removed.
_COMPILED_KEPT_S = 7 * 24 * 3600


def theme_dirs(project_dir: Path, name: str) -> list[Path]:
    candidates = [
        project_dir / "themes" / name,
        project_dir / "themes" / "default",
        BUILTIN_THEMES / name,
        BUILTIN_THEMES / "default",
    ]
    seen: list[Path] = []
    for candidate in candidates:
        resolved = candidate.resolve()
        if resolved.is_dir() and resolved not in seen:
            seen.append(resolved)
    return seen


class Theme:
    def __init__(self, project_dir: Path, name: str) -> None:
        self.name = name
        self.dirs = theme_dirs(project_dir, name)
        if not any(d.name == name for d in self.dirs):
            known = sorted(
                {
                    p.name
                    for base in (project_dir / "themes", BUILTIN_THEMES)
                    if base.is_dir()
                    for p in base.iterdir()
                    if p.is_dir()
                }
            )
            raise InsigneError(
                Problem(
                    project_dir / "content" / "site.yaml",
                    f"theme {name!r} not found",
                    hint=f"create themes/{name}/templates/, or use one of: {', '.join(known)}",
                )
            )
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(
                [
                    jinja2.FileSystemLoader([str(d / "templates") for d in self.dirs]),
                    jinja2.PrefixLoader(
                        {
                            "default": jinja2.FileSystemLoader(
                                str(BUILTIN_THEMES / "default" / "templates")
                            )
                        },
                        delimiter="/",
                    ),
                ]
            ),
            autoescape=True,
            # A build compiles each template once; no need to stat the files on every page.
            auto_reload=False,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self._language_envs: dict[Strings, jinja2.Environment] = {}
        self._compiled_dir: Path | None = None

    def keep_compiled(self, directory: Path) -> None:
        """Keep compiled templates in `directory` from one build to the next.

        Compiling the templates of two languages takes a few tenths of a second, as long as a
        small rebuild. Jinja2 checks each file's source against its cached code; the cache key
        adds the code of Insigne, the Jinja2 version and, for a language's templates, all of
        its strings, which `_ConstantStrings` compiles into them.
        """
        directory.mkdir(parents=True, exist_ok=True)
        unused_since = time.time() - _COMPILED_KEPT_S
        for entry in directory.glob(_CompiledTemplates.PATTERN % "*"):
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < unused_since:
                    entry.unlink()
        self._compiled_dir = directory
        self.env.bytecode_cache = self._bytecode_cache(None)

    def _bytecode_cache(self, strings: Strings | None) -> jinja2.BytecodeCache | None:
        if self._compiled_dir is None:
            return None
        key = _signing_key()
        if key is None:
            return None  # no key, no cache: compiled each time
        salt = [code_digest(), jinja2.__version__]
        if strings is not None:
            language = getattr(strings, "language", None)
            catalogue = getattr(strings, "strings", None)
            if not isinstance(language, str) or not isinstance(catalogue, dict):
                return None  # strings we cannot fingerprint: compile every time
            salt += [language, json.dumps(catalogue, sort_keys=True, default=repr)]
        return _CompiledTemplates(self._compiled_dir, digest_text(*salt), key)

    def template(self, name: str, strings: Strings | None = None) -> jinja2.Template:
        """A compiled template; with `strings`, compiled for that language (see above)."""
        if strings is None:
            return self.env.get_template(name)
        env = self._language_envs.get(strings)
        if env is None:
            # A fresh cache: templates compiled for another language must not be reused.
            env = self.env.overlay(
                extensions=[_ConstantStrings],
                cache_size=100,
                bytecode_cache=self._bytecode_cache(strings),
            )
            env.insigne_strings = strings  # type: ignore[attr-defined]
            self._language_envs[strings] = env
        return env.get_template(name)

    def is_shipped(self, *names: str) -> bool:
        """Whether these templates are the default theme's as shipped with Insigne."""
        shipped = (BUILTIN_THEMES / "default" / "templates").resolve()
        for name in names:
            try:
                _source, filename, _uptodate = self.env.loader.get_source(self.env, name)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                return False
            if filename is None or Path(filename).resolve().parent != shipped:
                return False
        return True

    def render(self, template: str, **context: object) -> str:
        return self.env.get_template(template).render(**context)

    def locale_dirs(self) -> list[Path]:
        """Catalogue folders of the theme, most specific first (see `generator.i18n`)."""
        return [d / "locales" for d in self.dirs if (d / "locales").is_dir()]

    def static_files(self) -> dict[str, Path]:
        """Every static file by its path under `static/`; the first theme in lookup order wins."""
        found: dict[str, Path] = {}
        for theme_dir in self.dirs:
            static = theme_dir / "static"
            for root, _dirs, files in os.walk(static):
                for name in files:
                    full = Path(root) / name
                    rel = full.relative_to(static).as_posix()
                    found.setdefault(rel, full)
        return dict(sorted(found.items()))
