"""Shared fixtures: a scratch copy of the example project, and running the CLI in-process."""

from __future__ import annotations

import contextlib
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main
from tests.harness import StaticServer, repo_root

EXAMPLE_CONTENT = repo_root() / "content"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path) -> CliResult:
    """Run `insigne ARGS` in this process; an uncaught exception fails the test as it should."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return CliResult(code, out.getvalue(), err.getvalue())


@dataclass
class Project:
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def output(self) -> Path:
        return self.root / "output"

    def build(self, *extra: str | Path) -> CliResult:
        return run_cli("build", "--content", self.content, "--output", self.output, *extra)


@pytest.fixture(autouse=True)
def no_user_esco_index(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the developer's ESCO index (~/.cache/insigne/esco): each gets an empty one."""
    monkeypatch.setenv("INSIGNE_ESCO_DIR", str(tmp_path_factory.mktemp("esco-index")))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A private copy of the example project (content and committed ledger)."""
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE_CONTENT, root / "content")
    return Project(root)


@dataclass
class ServedSite:
    project: Project
    server: StaticServer

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def served_example(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSite]:
    """The example built for, and served by, a real HTTP server on 127.0.0.1 (built once)."""
    root = tmp_path_factory.mktemp("served") / "project"
    shutil.copytree(EXAMPLE_CONTENT, root / "content")
    project = Project(root)
    with StaticServer() as server:
        result = project.build("--base-url", server.url)
        assert result.code == 0, result.err
        server.root = project.output
        yield ServedSite(project, server)


def tree_snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime: what "left exactly as it was" means."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
