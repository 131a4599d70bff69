"""The command line: version, help with examples, check, progress, quiet and verbose."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from generator import __version__
from generator.cli import main
from generator.progress import Progress, render_bar
from tests.harness import repo_root

COMMANDS = ("build", "check", "init", "new", "award", "serve")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"insigne {__version__}"


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"insigne {command}" in out


def test_check_validates_without_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    ledger = content / "ledger.json"
    ledger.unlink()  # every award is then new: a build would write the ledger, check must not
    assert main(["check", "--content", str(content)]) == 0
    assert "content OK" in capsys.readouterr().out
    assert not ledger.exists()
    assert not (tmp_path / "output").exists()
    (content / "awards" / "bad.yaml").write_text("badge: echofablab\nrecipients: [x\n")
    assert main(["check", "--content", str(content)]) == 1
    assert "bad.yaml" in capsys.readouterr().err


def test_quiet_and_verbose_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    args = ["build", "--content", str(content), "--output", str(tmp_path / "out")]
    assert main(["-v", *args]) == 0
    captured = capsys.readouterr()
    assert "wrote issuer.json" in captured.err
    assert "badges," in captured.out and "files written" in captured.out
    assert main(["-q", *args]) == 0
    assert capsys.readouterr() == ("", "")


def test_progress_bar_on_a_terminal_and_lines_elsewhere() -> None:
    tty = io.StringIO()
    bar = Progress(tty, tty=True, min_total=1)
    bar.update(5, 10)
    bar.update(10, 10)
    bar.finish()
    assert "\r" + render_bar(10, 10) in tty.getvalue()
    assert "[###############---------------] 5/10" in tty.getvalue()
    log = io.StringIO()
    lines = Progress(log, tty=False, min_total=1)
    for done in range(1, 101):
        lines.update(done, 100)
    assert log.getvalue().splitlines() == [f"building: {n}/100 awards" for n in (25, 50, 75, 100)]
    quiet = io.StringIO()
    Progress(quiet, tty=True, enabled=False, min_total=1).update(1, 2)
    assert quiet.getvalue() == ""


def test_build_reports_progress_in_awards(tmp_path: Path) -> None:
    from generator.build import BuildOptions, build

    calls: list[tuple[int, int]] = []
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    options = BuildOptions(content, tmp_path / "out", progress=lambda d, t: calls.append((d, t)))
    result = build(options)
    total = len(result.model.awards)
    assert calls and calls[-1] == (total, total)
    assert all(t == total for _d, t in calls)
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)
    # A rebuild keeps most awards without counting them one by one; it still ends at all.
    award = content / "awards" / "2017-echofablab.yaml"
    award.write_text(award.read_text("utf-8") + "  - ines.moreau@example.org\n", "utf-8")
    calls.clear()
    again = build(options)
    assert again.stats.written > 0
    assert calls and calls[-1] == (total + 1, total + 1)


def test_command_exits_with_its_code_and_all_its_output(tmp_path: Path) -> None:
    # `python -m generator` (like the console script) ends with os._exit: what it printed,
    # buffered or not, must still reach a pipe, and its exit code must be the command's.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    shutil.copytree(repo_root() / "content", tmp_path / "content")

    def insigne(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "generator", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    helped = insigne()  # no command: the help, written without flushing, and code 2
    assert helped.returncode == 2
    assert helped.stdout.startswith("usage: insigne")
    assert "build" in helped.stdout and helped.stdout.endswith("\n")
    built = insigne("build", "--content", "content")
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built output: ") and built.stdout.endswith(" s\n")
    assert (tmp_path / "output" / "index.html").is_file()
    failed = insigne("build", "--content", "missing")
    assert failed.returncode == 1
    assert "missing: content folder not found" in failed.stderr
    assert failed.stderr.endswith("pass --content DIR\n")
