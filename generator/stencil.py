"""Award pages by stencil: the template renders once per shape of page, then each award fills it.

Ten thousand award pages of one badge differ only in the award's own values (its id, dates,
recipient, links) and in which parts show (revoked or not, with evidence or not...). So the
award template is rendered once per *shape*, with numbered markers in place of every string of
the award's view, and split at the markers; each award of that shape is then its values,
escaped, joined between the template's literal parts. Jinja2 costs about half a millisecond per
award page; a fill costs a few microseconds.

A marker carries an "&": where the output shows it as "&amp;", the template escaped the value
there, and the fill escapes it (the same `markupsafe.escape` Jinja2 uses); where it shows "&",
the template output it raw (`|safe`), and so does the fill.

What makes it exact:
- The shape: the truthiness of every string, every non-string scalar itself (booleans, None),
  the length of every list and dict. Two awards of one shape take the same path through the
  template's `if`s and `for`s.
- Dates are not strings: the view gives `*_iso` and `*_text` strings for them, and in the
  marked view a date is an object that is true (for `{% if award.expires %}`) and fails any
  other use, which makes that shape render through Jinja2 instead.
- Each stencil is checked once, when made: filled with the first award of its shape, it must
  give the bytes Jinja2 renders for that award, or that shape renders through Jinja2.
- Only the shipped default templates are stenciled (see `Theme.is_shipped`): a theme's own
  award template may apply filters to the award's values (`|upper`, `|truncate`), which a fill
  cannot reproduce and one comparison cannot rule out. Such themes render every page through
  Jinja2, as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from markupsafe import Markup, escape

_MARKER = re.compile("\ue000(&amp;|&)([0-9]+)\ue001")


class Unfit(Exception):
    """The page cannot be stenciled (a value of a type the marking does not know, a date used)."""


class _Date:
    """Stands for a date in the marked view: true, and nothing else (see the module doc)."""

    def __bool__(self) -> bool:
        return True

    def _fail(self, *_args: object, **_kwargs: object) -> Any:
        raise Unfit("the template uses a date object")

    __getattr__ = __str__ = __html__ = __eq__ = __lt__ = __format__ = __iter__ = _fail
    __hash__ = None  # type: ignore[assignment]


_DATE = _Date()


def _marker(index: int, raw: bool) -> str:
    text = f"\ue000&{index}\ue001"
    return Markup(text) if raw else text


def mark(value: Any, values: list[str], shape: list[object]) -> Any:
    """`value` with each string replaced by a marker (its text appended to `values`).

    `shape` receives what decides the template's path (see the module doc).
    """
    if isinstance(value, str):
        shape.append(bool(value))
        values.append(value)
        return _marker(len(values) - 1, isinstance(value, Markup))
    if value is None or isinstance(value, bool | int | float):
        shape.append(value)
        return value
    if isinstance(value, dict):
        shape.append(len(value))
        return {key: mark(item, values, shape) for key, item in value.items()}
    if isinstance(value, list | tuple):
        shape.append(len(value))
        return [mark(item, values, shape) for item in value]
    if isinstance(value, datetime | date):
        shape.append("date")
        return _DATE
    raise Unfit(f"cannot mark a value of type {type(value).__name__}")


def values_and_shape(value: Any) -> tuple[list[str], tuple[object, ...]]:
    """What `mark` finds, without building the marked copy (the path of every award but one)."""
    values: list[str] = []
    shape: list[object] = []
    _walk(value, values, shape)
    return values, tuple(shape)


def _walk(value: Any, values: list[str], shape: list[object]) -> None:
    if isinstance(value, str):
        shape.append(bool(value))
        values.append(value)
    elif value is None or isinstance(value, bool | int | float):
        shape.append(value)
    elif isinstance(value, dict):
        shape.append(len(value))
        for item in value.values():
            _walk(item, values, shape)
    elif isinstance(value, list | tuple):
        shape.append(len(value))
        for item in value:
            _walk(item, values, shape)
    elif isinstance(value, datetime | date):
        shape.append("date")
    else:
        raise Unfit(f"cannot mark a value of type {type(value).__name__}")


class Stencil:
    """A rendered page split at its markers: literal parts and, between them, value slots."""

    def __init__(self, html: str, value_count: int) -> None:
        self.parts: list[str] = []
        self.slots: list[tuple[int, bool]] = []  # (value index, escaped)
        position = 0
        for match in _MARKER.finditer(html):
            self.parts.append(html[position : match.start()])
            index = int(match.group(2))
            if index >= value_count:
                raise Unfit("a marker the view did not hold")
            self.slots.append((index, match.group(1) == "&amp;"))
            position = match.end()
        self.parts.append(html[position:])
        if any("\ue000" in part for part in self.parts):
            raise Unfit("a marker was changed by the template")

    def fill(self, values: list[str]) -> str:
        out = [self.parts[0]]
        for (index, escaped), part in zip(self.slots, self.parts[1:], strict=True):
            value = values[index]
            out.append(escape(value) if escaped else value)
            out.append(part)
        return "".join(out)


class StencilSet:
    """The stencils of one template for one set of constant values (a badge, a language).

    `render(variables)` renders the template with the page's variable part; `page` returns the
    page for `variables`, from its shape's stencil, or from `render` where a shape is unfit.
    """

    def __init__(self, render: Callable[[dict[str, Any]], str], enabled: bool = True) -> None:
        self._render = render
        self._enabled = enabled
        self._stencils: dict[tuple[object, ...], Stencil | None] = {}
        self.rendered = 0  # real renders by Jinja2 (each stencil's check included): for tests

    def page(self, variables: dict[str, Any]) -> str:
        if not self._enabled:
            return self._jinja(variables)
        try:
            values, shape = values_and_shape(variables)
        except Unfit:
            return self._jinja(variables)
        stencil = self._stencils.get(shape, False)
        if stencil is False:
            stencil = self._stencils[shape] = self._make(variables, values)
        if stencil is None:
            return self._jinja(variables)
        return stencil.fill(values)

    def _jinja(self, variables: dict[str, Any]) -> str:
        self.rendered += 1
        return self._render(variables)

    def _make(self, variables: dict[str, Any], values: list[str]) -> Stencil | None:
        try:
            marked = mark(variables, [], [])
            stencil = Stencil(self._render(marked), len(values))
        except Exception:  # whatever the marked view broke, Jinja2 renders the real one
            return None
        # The check that makes the stencil trusted: the first award of the shape, both ways.
        return stencil if stencil.fill(values) == self._jinja(variables) else None
