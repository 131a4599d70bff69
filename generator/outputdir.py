"""Which folders a build may take as its output: never one it could destroy.

A build replaces its output folder whole and keeps the old tree beside it, to be deleted by the
build after next (see generator/writer.py). Given the content folder, the project, a theme, the
home folder or `/`, it would move them away and later delete them; given a folder of someone
else's files, it would delete those. Every command that writes an output tree asks
`check_output_dir` first, before anything is created beside the output (staging tree, spare,
manifest, lock).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from generator.errors import InsigneError, Problem

_HINT = (
    "give the site a folder of its own, e.g. --output output (the default) in the project folder"
)


def _protected(content_dir: Path) -> list[tuple[Path, str, bool]]:
    """(folder, what it is, whether an output inside it is refused too), symlinks resolved."""
    from generator.theme import BUILTIN_THEMES

    content = Path(os.path.realpath(content_dir))
    root = content.parent
    found = [
        (content, "the content folder", True),
        (root, "the project folder (the content folder's parent)", False),
        (Path(os.path.realpath(root / "themes")), "the project's themes folder", True),
        (Path(os.path.realpath(BUILTIN_THEMES)), "the themes shipped with Insigne", True),
        (Path("/"), "the root of the file system", False),
    ]
    # No home folder known (no HOME, no passwd entry): nothing to protect there.
    with contextlib.suppress(RuntimeError, KeyError):
        found.append((Path(os.path.realpath(Path.home())), "your home folder", False))
    return found


def check_output_dir(output_dir: Path, content_dir: Path) -> None:
    """Raise `InsigneError` (naming the path and why) unless a build may write `output_dir`."""

    def refuse(why: str) -> InsigneError:
        return InsigneError(
            Problem(
                None,
                f"{output_dir}: cannot be the output folder: {why}; nothing was written",
                hint=_HINT,
            )
        )

    output = Path(os.path.realpath(output_dir))
    shown = f" ({output})" if output != Path(os.path.abspath(output_dir)) else ""
    if os.path.lexists(output_dir) and not output.is_dir():
        raise refuse(f"it exists and is not a folder{shown}")
    protected = _protected(content_dir)
    for folder, what, _inside_too in protected:
        if output == folder:
            raise refuse(f"it is {what}{shown}")
    for folder, what, inside_too in protected:
        if output in folder.parents:
            raise refuse(f"it contains {what} ({folder})")
        if inside_too and folder in output.parents:
            raise refuse(f"it is inside {what} ({folder})")
    if output.is_dir() and not _built_by_insigne(output):
        raise refuse(
            f"it holds files that Insigne did not write{shown} (a build replaces the whole folder)"
        )


def _built_by_insigne(output: Path) -> bool:
    """An empty folder, or one that a build made (its manifest beside it, or its issuer.json)."""
    if (output.parent / f".{output.name}.insigne-manifest").exists():
        return True
    if (output / "issuer.json").is_file():
        return True
    with os.scandir(output) as entries:
        return next(entries, None) is None
