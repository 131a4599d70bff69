"""UI strings of the pages, from catalogue files, in the page's language.

Catalogues are flat JSON objects in `generator/locales/<lang>.json`; a theme may add or override
keys with its own `themes/<name>/locales/<lang>.json`. A language is looked up from the most
general to the most specific tag (`en`, then `fr`, then `fr-BE`), so a regional catalogue only
lists what differs, and English fills any key a catalogue lacks: a page never shows a bare key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from generator.errors import InsigneError, Problem

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
BASE_LANGUAGE = "en"
# Languages whose singular covers 0 as well as 1 (CLDR "one" category, integers only).
_ZERO_IS_SINGULAR = {"fr", "pt", "hy", "kab", "ff"}


def _tags(language: str) -> list[str]:
    """`fr-BE` -> ["en", "fr", "fr-BE"]: the catalogues to merge, most general first."""
    parts = language.split("-")
    specific = ["-".join(parts[: i + 1]) for i in range(len(parts))]
    return [BASE_LANGUAGE, *[tag for tag in specific if tag.lower() != BASE_LANGUAGE]]


def _read_catalogue(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InsigneError(Problem(path, f"cannot read this catalogue: {exc}")) from exc
    if not isinstance(data, dict):
        raise InsigneError(Problem(path, "a catalogue must be a JSON object of key: text"))
    return data


def available_languages(extra_dirs: Iterable[Path] = ()) -> set[str]:
    found = {p.stem for p in LOCALES_DIR.glob("*.json")}
    for folder in extra_dirs:
        found.update(p.stem for p in folder.glob("*.json"))
    return found


class Catalogue:
    """The strings of one language; `t` and `tn` are what templates call."""

    def __init__(self, language: str, extra_dirs: Iterable[Path] = ()) -> None:
        self.language = language
        self.strings: dict[str, Any] = {}
        # Theme folders come in lookup order (most specific first), so they are merged reversed.
        folders = [LOCALES_DIR, *reversed(list(extra_dirs))]
        self.translated = language.split("-")[0].lower() == BASE_LANGUAGE
        for tag in _tags(language):
            for folder in folders:
                path = folder / f"{tag}.json"
                if path.is_file():
                    self.strings.update(_read_catalogue(path))
                    self.translated = self.translated or tag != BASE_LANGUAGE
        primary = language.split("-")[0].lower()
        self._zero_is_singular = primary in _ZERO_IS_SINGULAR

    def t(self, key: str, **values: object) -> str:
        """The string for `key`, with `{name}` placeholders filled from `values`."""
        text = self.strings.get(key)
        if not isinstance(text, str):
            raise self._missing(key, "a text")
        try:
            return text.format(**values) if values else text
        except (KeyError, IndexError, ValueError) as exc:
            raise InsigneError(
                Problem(
                    None,
                    f"UI string {key!r} ({self.language}) has a placeholder the template "
                    f"does not give: {exc}",
                    hint="placeholders are {name}; write {{ or }} for a literal brace",
                )
            ) from exc

    def tn(self, key: str, count: int, **values: object) -> str:
        """A string that depends on a number: the catalogue gives its `one` and `other` forms."""
        forms = self.strings.get(key)
        if not isinstance(forms, dict):
            raise self._missing(key, 'a mapping {"one": ..., "other": ...}')
        singular = count == 1 or (count == 0 and self._zero_is_singular)
        text = forms.get("one" if singular else "other") or forms["other"]
        return str(text).format(count=count, **values)

    def _missing(self, key: str, kind: str) -> InsigneError:
        return InsigneError(
            Problem(
                None,
                f"a template asks for the UI string {key!r}, which no catalogue for "
                f"{self.language!r} defines as {kind}",
                hint=f'add "{key}" to themes/<theme>/locales/{self.language}.json '
                "(or en.json, which every language falls back to)",
            )
        )

    def date(self, moment: datetime) -> str:
        months = self.strings["months"]
        # French writes the first of the month as an ordinal ("1er mars").
        day = self.strings.get("first_day_of_month", "1") if moment.day == 1 else moment.day
        return self.t("date_format", day=day, month=months[moment.month - 1], year=moment.year)

    def duration(self, amount: int, unit: str) -> str:
        return self.tn(f"unit_{unit}", amount)

    @property
    def language_name(self) -> str:
        """The language's own name for the switcher; its tag when no catalogue has it."""
        if not self.translated:
            return self.language
        return str(self.strings.get("language_name") or self.language)
