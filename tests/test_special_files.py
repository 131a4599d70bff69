"""Special files, huge files and alias bombs in content/: refused at once, never a hang.

Each case runs the real command in a subprocess with a timeout: a command that hangs or eats
the memory fails the test by running out of time (no timing is asserted).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Project, tree_snapshot
from tests.harness import repo_root

# Far more than the commands need on the example (about a second), far less than a hang.
TIMEOUT = 120


def insigne(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(repo_root())}
    content = ["--content", str(project.content)]
    output = ["--output", str(project.output)] if args[0] == "build" else []
    return subprocess.run(
        [sys.executable, "-m", "generator", *args, *content, *output],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=project.root,
        check=False,
    )


def _fifo(rel: str) -> Callable[[Project], None]:
    def make(project: Project) -> None:
        path = project.content / rel
        path.unlink(missing_ok=True)
        os.mkfifo(path)

    return make


def _link(rel: str, target: str) -> Callable[[Project], None]:
    def make(project: Project) -> None:
        path = project.content / rel
        path.unlink(missing_ok=True)
        path.symlink_to(target)

    return make


def _sparse(rel: str, size: int) -> Callable[[Project], None]:
    def make(project: Project) -> None:
        with open(project.content / rel, "wb") as handle:
            handle.truncate(size)  # no disk used, but 20 GiB to whoever reads it all

    return make


def _billion_laughs(project: Project) -> None:
    lines = ["badge: echofablab", "issued_on: 2020-01-01", 'l0: &l0 ["lol", "lol", "lol"]']
    for i in range(1, 12):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]")
    lines += ["recipients:", "  - email: laugh@example.org", "    narrative: *l11"]
    (project.content / "awards" / "laughs.yaml").write_text("\n".join(lines) + "\n", "utf-8")


GIB = 1024**3
CASES = [
    (
        "fifo award file",
        _fifo("awards/2017-echofablab.yaml"),
        "awards/2017-echofablab.yaml",
        "is a FIFO (named pipe), not a regular file",
    ),
    (
        "fifo unreferenced image",
        _fifo("images/spare.png"),
        "images/spare.png",
        "is a FIFO (named pipe), not a regular file",
    ),
    ("fifo site.yaml", _fifo("site.yaml"), "site.yaml", "is a FIFO (named pipe)"),
    (
        "dev zero award file",
        _link("awards/zero.yaml", "/dev/zero"),
        "awards/zero.yaml",
        "is a symbolic link to /dev/zero, outside the content folder",
    ),
    (
        "dev zero badge image",
        _link("images/echofablab.png", "/dev/zero"),
        "images/echofablab.png",
        "is a symbolic link to /dev/zero, outside the content folder",
    ),
    (
        "dev zero ledger",
        _link("ledger.json", "/dev/zero"),
        "ledger.json",
        "is a symbolic link to /dev/zero",
    ),
    (
        "huge award file",
        _sparse("awards/huge.yaml", 20 * GIB),
        "awards/huge.yaml",
        "is larger than the 16.0 MiB allowed for a YAML file (20480.0 MiB)",
    ),
    (
        "huge badge image",
        _sparse("images/echofablab.png", 20 * GIB),
        "images/echofablab.png",
        "is larger than the 8.0 MiB allowed for an image",
    ),
    (
        "huge badge file",
        _sparse("badges/echofablab.en.md", 2 * GIB),
        "badges/echofablab.en.md",
        "is larger than the 1.0 MiB allowed for a Markdown file",
    ),
    (
        "billion laughs",
        _billion_laughs,
        "awards/laughs.yaml",
        "aliases (*name) expand this document beyond",
    ),
]


@pytest.mark.parametrize("command", ["check", "build"])
@pytest.mark.parametrize(
    ("make", "rel", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_refused_without_hanging(
    project: Project, command: str, make: Callable[[Project], None], rel: str, message: str
) -> None:
    assert project.build().code == 0  # in this process: only the hostile run needs its own
    before = tree_snapshot(project.output)
    make(project)
    result = insigne(project, command)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert f"content/{rel}" in result.stderr, result.stderr
    assert message in result.stderr, result.stderr
    assert "fix:" in result.stderr
    assert tree_snapshot(project.output) == before


def test_award_command_refuses_a_fifo_award_file(project: Project) -> None:
    _fifo("awards/2017-echofablab.yaml")(project)
    result = insigne(project, "award", "echofablab", "new.person@example.org")
    assert result.returncode == 1
    assert "content/awards/2017-echofablab.yaml: is a FIFO (named pipe)" in result.stderr
    assert stat_is_fifo(project.content / "awards" / "2017-echofablab.yaml")


def stat_is_fifo(path: Path) -> bool:
    return stat.S_ISFIFO(os.lstat(path).st_mode)


def test_hidden_entries_are_left_alone(project: Project) -> None:
    # A content folder that is a git repository of its own may hold sockets (fsmonitor) and
    # large packs under .git/: never loaded, so never refused.
    hidden = project.content / ".git"
    hidden.mkdir()
    os.mkfifo(hidden / "fifo")
    _sparse(".git/pack", 200 * 1024 * 1024)(project)  # over the 64 MiB of "other" files
    for command in ("check", "build"):
        result = insigne(project, command)
        assert result.returncode == 0, result.stderr
