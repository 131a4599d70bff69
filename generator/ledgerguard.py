"""A lost ledger is noticed before it costs anything: published ids are never issued again.

Without `content/ledger.json`, a build would give every award a new id and salt, and remove the
published files at the old URLs, which recipients have in their backpacks. So before a build
(or `insigne check`) assigns anything, the ledger is compared with what shows that awards were
published: the previous output's assertions, and the ledger as committed in git (HEAD), where
the content is in a git work tree. A missing ledger, an id of HEAD's ledger that the ledger
lacks, or an award of the output that is the content's and that the ledger lacks (an output may
also hold another branch's awards, which are not this content's) stops the command, with how
to get the ledger back (`git checkout`, or `insigne ledger recover`).

Cheap enough for every build: one directory listing, and one `git rev-parse` whose answer is
compared with the git hash of the ledger's bytes; only a ledger that differs from HEAD's has
HEAD's copy read and parsed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from generator.dates import is_published, ledger_moment
from generator.errors import InsigneError, Problem
from generator.ledger import LEDGER_NAME, Ledger

if TYPE_CHECKING:
    from generator.model import AwardSpec

_GIT_TIMEOUT = 20.0
_SHOWN = 5  # ids named in the message; the rest are counted


def published_ids(output_dir: Path) -> set[str]:
    """The award ids whose assertion a previous build published into `output_dir`."""
    try:
        with os.scandir(output_dir / "assertions") as entries:
            return {e.name[:-5] for e in entries if e.name.endswith(".json")}
    except (FileNotFoundError, NotADirectoryError):
        return set()


def _git(content_dir: Path, *args: str) -> bytes | None:
    """`git ARGS` run in the content folder; None when there is no git, no repository, no HEAD."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=content_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _blob_id(data: bytes) -> str:
    """The id git gives a file of these bytes (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def committed_published(content_dir: Path, now: datetime, tz: tzinfo) -> dict[str, str] | None:
    """Published ids -> issue dates in the ledger committed in HEAD, or None without one.

    Awards dated after `now` were never published (see dates.is_published), so a committed
    entry of one may leave the ledger.
    """
    found = _git(content_dir, "rev-parse", "--verify", "--quiet", f"HEAD:./{LEDGER_NAME}")
    if not found:
        return None
    blob = found.decode("ascii", "replace").strip()
    try:
        if _blob_id((content_dir / LEDGER_NAME).read_bytes()) == blob:
            return {}  # the ledger is HEAD's, byte for byte: nothing of HEAD's is missing
    except OSError:
        pass
    raw = _git(content_dir, "cat-file", "blob", blob)
    if raw is None:
        return None
    try:
        committed = Ledger.parse(content_dir / LEDGER_NAME, raw.decode("utf-8"))
    except (UnicodeDecodeError, InsigneError):
        return None  # an unreadable committed ledger proves nothing either way
    return {
        entry.id: entry.issued_on
        for entry in committed.entries.values()
        if is_published(ledger_moment(entry.issued_on, tz), now)
    }


def check_ledger_kept(
    ledger: Ledger,
    content_dir: Path,
    previous_output: Path | None,
    now: datetime,
    tz: tzinfo,
    specs: list[AwardSpec],
) -> None:
    """Raise `InsigneError` if the ledger lacks ids shown published (see the module docstring).

    `specs`: the content's published awards.
    """
    have = ledger.ids()
    from_output = published_ids(previous_output) - have if previous_output is not None else set()
    if from_output and ledger.path.exists():
        assert previous_output is not None
        from_output = _reissued(previous_output, from_output, ledger, specs)
    committed = committed_published(content_dir, now, tz)
    from_git = set(committed or {}) - have
    lost = from_output | from_git
    if not lost:
        return
    missing = not ledger.path.exists()
    shown = ", ".join(sorted(lost)[:_SHOWN]) + (
        f" and {len(lost) - _SHOWN} more" if len(lost) > _SHOWN else ""
    )
    where = []
    if from_output:
        where.append(f"published in {previous_output}/assertions/")
    if from_git:
        where.append("recorded in the ledger committed in git (HEAD)")
    what = (
        "the ledger is missing" if missing else f"the ledger lacks {len(lost)} published award(s)"
    )
    fixes = []
    if committed is not None:
        fixes.append(f"restore it from git: {_checkout(ledger.path)}")
    source = previous_output if from_output and previous_output is not None else "DEPLOYED_SITE"
    fixes.append(
        f"{'or ' if fixes else ''}rebuild it from the published site: insigne ledger recover "
        f"--from {source} (a copy of the deployed folder, or the site's URL; see docs/ledger.md)"
    )
    if from_output and not from_git:
        fixes.append(f"if {previous_output} is not this site's output, build into another --output")
    raise InsigneError(
        Problem(
            ledger.path,
            f"{what}: {shown} ({'; '.join(where)}). Building now would give those awards new "
            "ids and salts and remove their published files; nothing was written",
            hint="; ".join(fixes),
        )
    )


def _reissued(
    output: Path, unrecorded: set[str], ledger: Ledger, specs: list[AwardSpec]
) -> set[str]:
    """Those of the `unrecorded` ids in `output` that a build would give again to the content.

    An output may hold awards that are not this content's: built on another branch (which
    adds awards of its own), they leave the output with the branch, as they came. Only an
    award of the content that the ledger lacks and that the output publishes would get a new
    id: read the unrecorded awards' documents and match them as `ledger recover` does.
    """
    fresh = [s for s in specs if s.key not in ledger.entries]
    if not fresh:
        return set()
    from generator.recover import from_folder, match

    published, _notes = from_folder(output, unrecorded)
    result = match(fresh, ledger, published)
    found = {entry.id for entry in result.entries.values()}
    if any(s.revoked is not None for s in fresh):
        # A revoked 2.0 assertion names no recipient: it may be any revoked award of these.
        found |= {p.id for p in result.unmatched if p.revoked and p.identity is None}
    return found


def _checkout(path: Path) -> str:
    """The git command that restores `path`, typed from here (else from anywhere)."""
    top = _git(path.parent, "rev-parse", "--show-toplevel")
    try:
        here = Path.cwd().resolve()
        if top is not None:
            # Inside the same work tree, a path relative to here names the file.
            here.relative_to(Path(top.decode("utf-8", "replace").strip()).resolve())
            return f"git checkout -- {os.path.relpath(path.resolve(), here)}"
    except (ValueError, OSError):
        pass
    return f"git -C {path.parent} checkout -- {path.name}"
