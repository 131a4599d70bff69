"""`--output` never names a folder a build could destroy (generator.outputdir, #15 item 1).

Each case runs the real command. As a safety net, the writer and the preview server are made to
fail loudly if they are ever reached: a guard that let a case through then fails the test
instead of moving the project, or `/`, away.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.serve
import generator.writer
from generator.theme import BUILTIN_THEMES
from tests.conftest import Project, run_cli, tree_snapshot


class Reached(AssertionError):
    pass


@pytest.fixture(autouse=True)
def safety_net(monkeypatch: pytest.MonkeyPatch) -> None:
    def begin(self: object, *args: object) -> None:
        raise Reached("the writer was started")

    def server(self: object, *args: object) -> None:
        raise Reached("the preview server was started")

    monkeypatch.setattr(generator.writer.OutputWriter, "begin", begin)
    monkeypatch.setattr(generator.serve.PreviewServer, "__init__", server)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


def insigne_siblings(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if ".insigne-" in p.name}


def outputs(project: Project, home: Path) -> dict[str, Path]:
    root = project.root
    (root / "themes" / "mine").mkdir(parents=True)
    (root / "link-to-content").symlink_to(project.content)
    (root / "notes.txt").write_text("mine\n", "utf-8")
    (root / "papers").mkdir()
    (root / "papers" / "thesis.tex").write_text("mine\n", "utf-8")
    return {
        "content": project.content,
        "project (.)": root,
        "root /": Path("/"),
        "home ~": home,
        "a file": root / "notes.txt",
        "a symlink to the content": root / "link-to-content",
        "inside the content": project.content / "site",
        "a theme folder": root / "themes" / "mine",
        "the themes folder": root / "themes",
        "shipped themes": BUILTIN_THEMES / "default",
        "above the project": root.parent,
        "someone else's files": root / "papers",
    }


CASES = [
    ("content", "it is the content folder"),
    ("project (.)", "it is the project folder"),
    ("root /", "it is the root of the file system"),
    ("home ~", "it is your home folder"),
    ("a file", "it exists and is not a folder"),
    ("a symlink to the content", "it is the content folder"),
    ("inside the content", "it is inside the content folder"),
    ("a theme folder", "it is inside the project's themes folder"),
    ("the themes folder", "it is the project's themes folder"),
    ("shipped themes", "it is inside the themes shipped with Insigne"),
    ("above the project", "it contains the content folder"),
    ("someone else's files", "it holds files that Insigne did not write"),
]


@pytest.mark.parametrize(("case", "why"), CASES, ids=[c for c, _ in CASES])
@pytest.mark.parametrize("command", ["build", "serve"])
def test_refused_with_nothing_touched(
    project: Project, home: Path, command: str, case: str, why: str
) -> None:
    # The project inside the fake home, as projects usually are.
    output = outputs(project, home)[case]
    before = tree_snapshot(project.root)
    siblings = insigne_siblings(output.parent)
    extra = ["--port", "0"] if command == "serve" else []
    result = run_cli(command, "--content", project.content, "--output", output, *extra)
    assert result.code == 1, result.err
    assert "cannot be the output folder" in result.err
    assert why in result.err
    assert str(output) in result.err or output.name in result.err
    assert "Traceback" not in result.err
    assert tree_snapshot(project.root) == before
    assert insigne_siblings(output.parent) == siblings
    assert not (project.root / ".content.insigne-previous").exists()


def test_relative_dot_from_the_project_folder(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project.root)
    before = tree_snapshot(project.root)
    result = run_cli("build", "--output", ".")
    assert result.code == 1
    assert ".: cannot be the output folder: it is the project folder" in result.err
    assert tree_snapshot(project.root) == before
    assert insigne_siblings(project.root.parent) == set()


@pytest.mark.parametrize("output", ["output", "site/public", "../elsewhere"])
def test_ordinary_output_folders_are_accepted(project: Project, output: str) -> None:
    from generator.outputdir import check_output_dir

    target = project.root / output
    check_output_dir(target, project.content)  # raises if refused
    target.mkdir(parents=True)
    check_output_dir(target, project.content)  # an empty folder too
