"""Caches beside the output are data: a planted file never runs code (issue 15, item 9).

Whoever can write beside `output/` (a shared machine, a CI cache restored from a pull request, a
file committed to the project) can plant a build cache. Insigne used to keep its manifest as a
pickle and its compiled templates as Jinja2's bytecode cache (a pickle, then marshal code that
Jinja2 runs): either ran the planter's code in the next build. Now the manifest is JSON read
against the model's types, and compiled templates are signed with a key kept outside the
project: an unsigned file is never loaded.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import jinja2.bccache
import pytest

import generator.awards
from generator.manifest import Manifest, compiled_templates_dir, manifest_path
from tests.conftest import Project


class _Payload:
    """Unpickling this calls os.mkdir(marker): proof that the file's code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


def _parsed_files(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    parsed: list[Path] = []
    original = generator.awards.load_award_file

    def counted(path: Path, *args: object) -> object:
        parsed.append(path)
        return original(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(generator.awards, "load_award_file", counted)
    return parsed


def _award_file_count(project: Project) -> int:
    return len(generator.awards.award_files(project.content))


@pytest.mark.parametrize("locked", [False, True])
def test_planted_pickle_manifest_does_not_run(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locked: bool
) -> None:
    marker = tmp_path / "payload-ran"
    path = manifest_path(project.output)
    path.write_bytes(pickle.dumps({"version": 2, "x": _Payload(marker)}))
    parsed = _parsed_files(monkeypatch)
    result = project.build(*(["--locked"] if locked else []))
    assert result.code == 0, result.err
    assert not marker.exists()
    assert len(parsed) == _award_file_count(project)  # a full build: nothing taken from it
    assert json.loads(path.read_bytes())["version"] == 3  # replaced by the build's own


def test_planted_pickle_over_a_real_manifest_is_a_full_build(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert project.build().code == 0
    before = {p: p.read_bytes() for p in project.output.rglob("*") if p.is_file()}
    marker = tmp_path / "payload-ran"
    manifest_path(project.output).write_bytes(pickle.dumps(_Payload(marker)))
    parsed = _parsed_files(monkeypatch)
    result = project.build("--locked")
    assert result.code == 0, result.err
    assert not marker.exists()
    assert len(parsed) == _award_file_count(project)
    assert {p: p.read_bytes() for p in project.output.rglob("*") if p.is_file()} == before


def test_planted_template_bytecode_does_not_run(project: Project, tmp_path: Path) -> None:
    # What Jinja2's FileSystemBytecodeCache reads: its magic, the source's checksum as a
    # pickle, then marshal code. Planted under every name a build could look for it.
    marker = tmp_path / "payload-ran"
    planted = jinja2.bccache.bc_magic + pickle.dumps(_Payload(marker))
    folder = compiled_templates_dir(project.output)
    assert project.build().code == 0
    folder.mkdir(exist_ok=True)
    names = [p.name for p in folder.iterdir()] or ["0" * 64 + ".jinja"]
    for name in names:
        (folder / name).write_bytes(planted)
    site = project.content / "site.yaml"  # every page renders again
    site.write_text(site.read_text("utf-8").replace("title: ", "title: New ", 1), "utf-8")
    result = project.build("--locked")
    assert result.code == 0, result.err
    assert not marker.exists()
    # Unsigned: never handed to Jinja2, compiled again and replaced by signed files.
    assert all(
        (folder / name).read_bytes() != planted for name in names if (folder / name).exists()
    )
    assert any(folder.iterdir())


@pytest.mark.parametrize(
    "planted",
    [
        b"",
        b"\x80\x04garbage",
        b"\xff\xfe not UTF-8",
        b"[" * 100_000,  # deeper than the JSON parser's recursion limit
        b"null",
        b'{"version": 3}',
        b'{"version": 3, "award_files": {"x": ["k", [[1, 2, 3]]]}, "site": null, "criteria": {}}',
    ],
)
def test_malformed_manifest_is_a_cache_miss(project: Project, planted: bytes) -> None:
    manifest_path(project.output).write_bytes(planted)
    assert not Manifest.load(project.output).award_files
    result = project.build()
    assert result.code == 0, result.err


def test_manifest_naming_paths_outside_the_output_is_not_trusted(project: Project) -> None:
    assert project.build().code == 0
    path = manifest_path(project.output)
    data = json.loads(path.read_bytes())
    assert Manifest.load(project.output).describes_output
    victim = project.root / "victim.txt"
    victim.write_text("keep me", "utf-8")
    for field, value in [
        ("spare_delta", ["../victim.txt"]),
        ("files", [*data["files"], "/etc/passwd"]),
        ("spare_delta", ["a//b"]),
        ("groups", {**data["groups"], "g": ["key", ["../victim.txt"]]}),
        ("groups", {**data["groups"], "g": "not a group"}),
    ]:
        path.write_text(json.dumps({**data, field: value}), "utf-8")
        assert not Manifest.load(project.output).describes_output, (field, value)
    path.write_text(json.dumps({**data, "spare_delta": ["../victim.txt"]}), "utf-8")
    assert project.build().code == 0
    assert victim.read_text("utf-8") == "keep me"


def test_planted_fifo_or_folder_manifest_is_a_cache_miss(project: Project) -> None:
    path = manifest_path(project.output)
    os.mkfifo(path)  # no writer: opening it to read would wait for ever
    assert not Manifest.load(project.output).award_files
    assert project.build().code == 0
    assert json.loads(path.read_bytes())["version"] == 3
    path.unlink()
    path.mkdir()
    assert not Manifest.load(project.output).award_files


def test_manifest_is_private_and_never_written_through_a_link(
    project: Project, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", "utf-8")
    path = manifest_path(project.output)
    path.with_name(path.name + ".tmp").symlink_to(victim)
    assert project.build().code == 0
    assert victim.read_text("utf-8") == "keep me"
    assert path.stat().st_mode & 0o077 == 0  # it holds emails: the owner's only
