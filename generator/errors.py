"""Errors a maintainer can fix, reported with file, line and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One mistake in the content: where it is, what is wrong, how to fix it."""

    path: Path | None
    message: str
    line: int | None = None
    hint: str | None = None

    def format(self, root: Path | None = None) -> str:
        where = ""
        if self.path is not None:
            shown = self.path
            if root is not None:
                try:
                    # The folder resolved, not the file: a link is named, not its target.
                    here = self.path.parent.resolve() / self.path.name
                    shown = here.relative_to(root.resolve().parent)
                except ValueError:
                    shown = self.path
            where = f"{shown}:{self.line}: " if self.line else f"{shown}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text


class InsigneError(Exception):
    """A failure the user can act on; the CLI prints it without a traceback."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    def format(self, root: Path | None = None) -> str:
        return "\n".join(p.format(root) for p in self.problems)


class Problems:
    """Collects every problem found so the user sees them all at once, MkDocs-style."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(
        self,
        path: Path | None,
        message: str,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.items.append(Problem(path, message, line, hint))

    def extend(self, other: Problems) -> None:
        self.items.extend(other.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InsigneError(self.items)
