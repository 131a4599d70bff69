"""Build progress: a bar on a terminal, a few plain lines elsewhere (CI logs), nothing if quiet.

The unit is the award, because awards are what make a build long: each award produces its
assertion and its page, so progress counts those writes (see `build.BuildOptions.progress`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from generator import urls
from generator.model import SiteModel
from generator.writer import OutputWriter

# Below this many awards a build takes well under a second: a bar would only flicker.
MIN_AWARDS = 200
_BAR_WIDTH = 30
_REDRAW_SECONDS = 0.1


class Progress:
    """Receives `update(done, total)` calls from the build and shows them."""

    def __init__(
        self,
        stream: TextIO | None = None,
        tty: bool | None = None,
        enabled: bool = True,
        min_total: int = MIN_AWARDS,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.enabled = enabled
        self.min_total = min_total
        self._last_draw = 0.0
        self._last_quarter = 0
        self._drawn = False

    def update(self, done: int, total: int) -> None:
        if not self.enabled or total < self.min_total:
            return
        if self.tty:
            now = time.monotonic()
            if done < total and now - self._last_draw < _REDRAW_SECONDS:
                return
            self._last_draw = now
            self.stream.write("\r" + render_bar(done, total))
            self.stream.flush()
            self._drawn = True
        else:
            # One line per quarter: enough to see a CI build is alive, not a wall of text.
            quarter = done * 4 // total
            if quarter > self._last_quarter:
                self._last_quarter = quarter
                self.stream.write(f"building: {done}/{total} awards\n")
                self.stream.flush()

    def finish(self) -> None:
        if self._drawn:
            # Clear the bar so the summary line starts on a clean line.
            self.stream.write("\r" + " " * (_BAR_WIDTH + 40) + "\r")
            self.stream.flush()
            self._drawn = False


def render_bar(done: int, total: int) -> str:
    fraction = done / total if total else 1.0
    filled = int(fraction * _BAR_WIDTH)
    bar = "#" * filled + "-" * (_BAR_WIDTH - filled)
    return f"building [{bar}] {done}/{total} awards ({fraction:4.0%})"


class AwardProgressWriter(OutputWriter):
    """An `OutputWriter` that reports each award's assertion and page as they are produced."""

    def __init__(
        self, output_dir: Path, model: SiteModel, callback: Callable[[int, int], None]
    ) -> None:
        super().__init__(output_dir)
        self._callback = callback
        self._total = len(model.awards)
        self._steps = {urls.assertion_json(a.id) for a in model.awards}
        self._steps.update(urls.award_page(a.id) for a in model.awards)
        self._done = 0

    def write(self, rel: str, data: bytes) -> bool:
        changed = super().write(rel, data)
        self._step(rel)
        return changed

    def keep(self, rel: str) -> bool:
        kept = super().keep(rel)
        self._step(rel)
        return kept

    def _step(self, rel: str) -> None:
        if rel in self._steps:
            self._done += 1
            # Two steps per award; report in awards so the numbers mean something to people.
            self._callback(self._done * self._total // len(self._steps), self._total)
