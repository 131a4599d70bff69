"""The files Insigne writes into content/, in git: how they merge, and what main published.

The ledger and the signature cache hold one entry per line, each line standing alone (see
ledger.py, sigcache.py). `content/.gitattributes` declares git's built-in union merge for
both, so that two branches that each added awards, or each signed documents, merge without a
conflict even when their new lines fall next to each other. What the union cannot know (two
branches that gave the same status index to two new awards) the build settles from main's
first-parent history: the award main recorded first keeps its index (see content.py).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from generator.atomic import write_atomic

ATTRIBUTES_NAME = ".gitattributes"
MERGE_LINES = (
    "/ledger.json merge=union",
    "/signatures.json merge=union",
    "/notifications.json merge=union",
)
_HEADER = (
    "# Written by Insigne: the ledger, the signature cache and the record of sent letters hold\n"
    "# one entry per line, so a merge keeps the lines of both branches (docs/git-workflow.md).\n"
)
# Main's history, as a clone names it, then as a local repository does; HEAD last.
_MAIN_REFS = ("refs/remotes/origin/HEAD", "refs/heads/main", "refs/heads/master", "HEAD")
_HISTORY_LIMIT = 1000
_GIT_TIMEOUT_S = 30


def merge_attributes() -> str:
    """content/.gitattributes as Insigne writes it for a new project."""
    return _HEADER + "".join(f"{line}\n" for line in MERGE_LINES)


def ensure_merge_attributes(content_dir: Path) -> bool:
    """Add the union merge lines to content/.gitattributes if missing; True if written."""
    path = content_dir / ATTRIBUTES_NAME
    try:
        text = path.read_text("utf-8") if path.is_file() else ""
    except (OSError, ValueError):
        return False  # someone else's file, unreadable: leave it, a merge may then conflict
    present = {line.strip() for line in text.splitlines()}
    missing = [line for line in MERGE_LINES if line not in present]
    if not missing:
        return False
    if not text:
        text = _HEADER
    elif not text.endswith("\n"):
        text += "\n"
    text += "".join(f"{line}\n" for line in missing)
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError:
        return False
    return True


def _git(content_dir: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(content_dir), *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            check=False,
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def first_recorded(
    content_dir: Path, file_name: str, candidates: Mapping[str, re.Pattern[str]]
) -> set[str] | None:
    """Which candidates main recorded first, or None when git cannot tell.

    `candidates` maps a label to a pattern that matches the candidate's line of `file_name`
    (in content/). Walking main's first-parent history from its tip, the newest commit that
    holds some but not all of the candidates names those main had before the others came in
    (by a merge, whose first parent is main). None outside a git repository, in a shallow
    clone whose history stops too soon, or when main never held them apart.
    """
    prefix = _git(content_dir, "rev-parse", "--show-prefix")
    if prefix is None:
        return None
    path = f"{prefix.strip()}{file_name}"
    for ref in _MAIN_REFS:
        tip = _git(content_dir, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if tip is None:
            continue
        found = _walk(content_dir, tip.strip(), path, candidates)
        if found is not None:
            return found
    return None


def _walk(
    content_dir: Path, tip: str, path: str, candidates: Mapping[str, re.Pattern[str]]
) -> set[str] | None:
    listed = _git(
        content_dir,
        "rev-list",
        "--first-parent",
        f"--max-count={_HISTORY_LIMIT}",
        tip,
        "--",
        f":(top){path}",  # a path from the top of the work tree, as `git show` takes it
    )
    if listed is None:
        return None
    for commit in listed.split():
        text = _git(content_dir, "show", f"{commit}:{path}")
        if text is None:
            return None
        present = {label for label, pattern in candidates.items() if pattern.search(text)}
        if not present:
            return None  # older commits cannot hold what this one lacks: entries stay
        if len(present) < len(candidates):
            return present
    return None
