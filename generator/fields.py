"""Typed reading of YAML mappings: each helper records a precise problem instead of raising."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.errors import Problems
from generator.yamlsrc import LineDict


def line_of(mapping: Any, key: str) -> int | None:
    return mapping.line_of(key) if isinstance(mapping, LineDict) else None


class Reader:
    """Reads the fields of one YAML mapping from one file, collecting problems."""

    def __init__(
        self,
        mapping: Any,
        path: Path,
        problems: Problems,
        where: str = "",
        line_offset: int = 0,
    ) -> None:
        self.mapping = mapping if isinstance(mapping, dict) else {}
        self.path = path
        self.problems = problems
        self.where = where  # e.g. "issuer." or "recipient 3: "
        self.offset = line_offset

    def line(self, key: str | None = None) -> int | None:
        if key is not None:
            line = line_of(self.mapping, key)
        else:
            line = getattr(self.mapping, "line", None)
        return line + self.offset if line else None

    def error(self, key: str | None, message: str, hint: str | None = None) -> None:
        self.problems.add(self.path, message, self.line(key), hint)

    def unknown_keys(self, allowed: set[str]) -> None:
        for key in self.mapping:
            if key not in allowed:
                self.error(
                    key,
                    f"unknown field '{self.where}{key}'",
                    f"remove it or use one of: {', '.join(sorted(allowed))}",
                )

    def text(self, key: str, required: bool = False, default: str | None = None) -> str | None:
        value = self.mapping.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(
                    None if key not in self.mapping else key,
                    f"missing required field '{self.where}{key}'",
                    f"add '{key}: ...'",
                )
            return default
        if isinstance(value, (bool, dict, list)):
            self.error(key, f"'{self.where}{key}' must be text, not {type_name(value)}")
            return default
        return str(value).strip()

    def url(self, key: str, required: bool = False) -> str | None:
        value = self.text(key, required)
        if value is not None and not is_http_url(value):
            self.error(
                key,
                f"'{self.where}{key}' must be an absolute http(s) URL, got {value!r}",
                "write it in full, e.g. https://example.org/page",
            )
            return None
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.mapping.get(key, default)
        if not isinstance(value, bool):
            self.error(key, f"'{self.where}{key}' must be true or false, got {value!r}")
            return default
        return value

    def text_list(self, key: str) -> list[str]:
        value = self.mapping.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or any(
            not isinstance(v, (str, int, float)) or isinstance(v, bool) for v in value
        ):
            self.error(key, f"'{self.where}{key}' must be a list of words, e.g. [fablab, design]")
            return []
        return [str(v).strip() for v in value if str(v).strip()]


def type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    return type(value).__name__


def is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def resolve_inside(content_dir: Path, relative: str) -> Path | None:
    """The file a content-relative path names, or None when it escapes content/."""
    if not relative or relative.startswith(("/", "\\")) or "\\" in relative or ":" in relative:
        return None
    candidate = (content_dir / relative).resolve()
    root = content_dir.resolve()
    if candidate != root and root not in candidate.parents:
        return None
    return candidate
