"""Every name that becomes a path is checked against an allow-list where it is read.

Award ids (tests/test_ledger_validation.py), badge slugs, languages, the theme, key ids and
image paths; and the writer refuses any path that would leave the staging tree, whoever
hands it one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from generator.errors import InsigneError
from generator.writer import OutputWriter
from tests.conftest import Project, run_cli


def _files(root: Path) -> set[str]:
    """Every file under root but the project's lock files (they stay, empty, by design)."""
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(".insigne-lock")
    }


def _site_yaml(project: Project, old: str, new: str) -> None:
    path = project.content / "site.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def _fails_writing_nothing(project: Project, tmp_path: Path, *expected: str) -> None:
    before = _files(tmp_path)
    result = project.build()
    assert result.code == 1, result.err
    for text in expected:
        assert text in result.err, result.err
    assert "Traceback" not in result.err
    assert _files(tmp_path) == before


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("languages: [fr, en]", "languages: [fr, ../../escaped]", "'../../escaped' in languages"),
        ("language: fr", "language: ../fr", "is not a BCP 47 language tag"),
        (
            "timezone: Europe/Paris",
            "timezone: Europe/Paris\ntheme: ../../etc",
            "is not a theme name",
        ),
        ("timezone: Europe/Paris", "timezone: Europe/Paris\ntheme: /tmp", "is not a theme name"),
    ],
    ids=["language folder", "default language", "theme", "theme abs"],
)
def test_site_names_that_would_be_paths_are_refused(
    project: Project, tmp_path: Path, old: str, new: str, expected: str
) -> None:
    _site_yaml(project, old, new)
    _fails_writing_nothing(project, tmp_path, "site.yaml", expected)


def test_a_badge_file_name_with_a_newline_is_no_slug(project: Project, tmp_path: Path) -> None:
    badges = project.content / "badges"
    os.rename(badges / "gestion-de-projet.md", badges / "gestion\n.md")
    _fails_writing_nothing(project, tmp_path, "is not a valid slug")


def test_a_key_id_that_climbs_out_is_refused(project: Project, tmp_path: Path) -> None:
    keys = {
        "version": 1,
        "keys": [
            {
                "id": "../../../escaped",
                "type": "Ed25519",
                "created": "2024-01-01",
                "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            }
        ],
    }
    (project.content / "keys.json").write_text(json.dumps(keys), "utf-8")
    _fails_writing_nothing(project, tmp_path, "keys.json", "'../../../escaped'")


def test_an_image_linked_out_of_content_is_refused(project: Project, tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes((project.content / "images" / "ping.png").read_bytes())
    link = project.content / "images" / "ping.png"
    link.unlink()
    link.symlink_to(outside)
    # Refused when the content folder is walked, before the image is even resolved.
    _fails_writing_nothing(project, tmp_path, "images/ping.png", "outside the content folder")


@pytest.mark.parametrize(
    "rel",
    ["../escaped.json", "assertions/../../escaped.json", "/tmp/escaped.json", "a//b", "./a", ""],
)
def test_the_writer_refuses_a_path_out_of_its_tree(tmp_path: Path, rel: str) -> None:
    writer = OutputWriter(tmp_path / "output")
    writer.begin()
    try:
        with pytest.raises(InsigneError, match="not a plain path inside the output"):
            writer.write(rel, b"{}")
        with pytest.raises(InsigneError, match="not a plain path inside the output"):
            writer.keep(rel)
    finally:
        writer.abort()
    assert not (tmp_path / "escaped.json").exists()


def test_the_writer_refuses_a_folder_that_links_out(tmp_path: Path) -> None:
    writer = OutputWriter(tmp_path / "output")
    writer.begin()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (writer.staging / "assertions").symlink_to(elsewhere)
    try:
        with pytest.raises(InsigneError, match="not a plain path inside the output"):
            writer.write("assertions/x.json", b"{}")
    finally:
        writer.abort()
    assert list(elsewhere.iterdir()) == []


def test_check_refuses_the_same_names(project: Project) -> None:
    _site_yaml(project, "languages: [fr, en]", "languages: [fr, ../x]")
    result = run_cli("check", "--content", project.content)
    assert result.code == 1 and "in languages is not a BCP 47" in result.err
