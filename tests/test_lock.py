"""Two Insigne processes never write one project at once (generator.lock, #15 item 14).

Real processes: the first runs `insigne build` and is held, lock taken, until the test lets it
go (it waits on its standard input, so nothing here depends on timing); the second is a plain
`python -m generator build` of the same project.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Project, tree_snapshot
from tests.harness import repo_root

# `insigne build`, paused once it holds the project's lock until a line arrives on stdin.
HELD_BUILD = """
import sys
import generator.build

build = generator.build._build

def held(options):
    print("holding the lock", flush=True)
    sys.stdin.readline()
    return build(options)

generator.build._build = held
from generator.cli import main
sys.exit(main(sys.argv[1:]))
"""


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(repo_root()), **extra}


def start_held(project: Project) -> subprocess.Popen[str]:
    args = ["build", "--content", str(project.content), "--output", str(project.output)]
    held = subprocess.Popen(
        [sys.executable, "-c", HELD_BUILD, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    assert held.stdout is not None
    assert held.stdout.readline() == "holding the lock\n"
    return held


def build_args(project: Project) -> list[str]:
    return [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--content",
        str(project.content),
        "--output",
        str(project.output),
    ]


def test_second_build_waits_for_the_first_and_names_it(project: Project) -> None:
    held = start_held(project)
    try:
        second = subprocess.Popen(
            build_args(project),
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env(),
        )
        assert second.stderr is not None
        waiting = second.stderr.readline()  # blocks until the second build says it waits
        assert f"waiting for pid {held.pid}: insigne build --content" in waiting
        assert second.poll() is None  # still waiting, nothing done
    finally:
        _, first_err = held.communicate("go\n")
    assert held.returncode == 0, first_err
    out, rest = second.communicate()
    assert second.returncode == 0, rest
    assert "built " in out
    assert rest.count("waiting for") == 0  # said once, in the line read above
    assert (project.output / "issuer.json").is_file()


def test_a_timeout_ends_in_a_clear_error_with_nothing_written(project: Project) -> None:
    held = start_held(project)
    try:
        before = tree_snapshot(project.content)
        second = subprocess.run(
            build_args(project),
            capture_output=True,
            text=True,
            env=env(INSIGNE_LOCK_TIMEOUT="0"),
            check=False,
        )
        assert second.returncode == 1
        assert f"the project is busy: pid {held.pid}: insigne build" in second.stderr
        assert "INSIGNE_LOCK_TIMEOUT" in second.stderr
        assert "Traceback" not in second.stderr
        assert tree_snapshot(project.content) == before
        assert not project.output.exists()
    finally:
        held.communicate("go\n")
    assert held.returncode == 0


def test_revoke_waits_for_a_build_too(project: Project) -> None:
    ledger = Path(project.content / "ledger.json").read_text("utf-8")
    award_id = ledger.split('"id": "', 1)[1][:10]
    held = start_held(project)
    try:
        revoke = subprocess.run(
            [
                sys.executable,
                "-m",
                "generator",
                "revoke",
                award_id,
                "--reason",
                "x",
                "--content",
                str(project.content),
            ],
            capture_output=True,
            text=True,
            env=env(INSIGNE_LOCK_TIMEOUT="0"),
            check=False,
        )
        assert revoke.returncode == 1
        assert f"pid {held.pid}: insigne build" in revoke.stderr
    finally:
        held.communicate("go\n")
    assert held.returncode == 0
