"""Themes: Jinja2 templates and static files, with per-template override of the default theme.

Lookup order for a template, a static file or a catalogue file: `themes/<site theme>/` in the
project (beside `content/`), then `themes/default/` in the project, then the theme of that name
shipped with Insigne, then the default theme shipped with Insigne. The first file found wins, so a
project overrides one template by writing a file of the same name. A template that wants to extend
the shipped one it replaces names it `default/<name>` (e.g. `{% extends "default/base.html" %}`).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import jinja2
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from generator.errors import InsigneError, Problem


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

    def template(self, name: str, strings: Strings | None = None) -> jinja2.Template:
        """A compiled template; with `strings`, compiled for that language (see above)."""
        if strings is None:
            return self.env.get_template(name)
        env = self._language_envs.get(strings)
        if env is None:
            # A fresh cache: templates compiled for another language must not be reused.
            env = self.env.overlay(extensions=[_ConstantStrings], cache_size=100)
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
