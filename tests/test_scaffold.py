"""`insigne init` and `insigne new badge`: projects and badges that build as they are."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from generator.cli import main
from generator.images import check_png, sniff
from generator.scaffold import placeholder_png


@pytest.fixture(autouse=True)
def private_key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`init` creates the issuer's keys: keep them in the test's folder, not in ~/.config."""
    directory = tmp_path / "private-keys"
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(directory))
    monkeypatch.delenv("INSIGNE_SIGNING_KEY", raising=False)
    return directory


def test_init_creates_keys_so_awards_are_also_signed_credentials(
    tmp_path: Path, private_key_dir: Path
) -> None:
    project = tmp_path / "site"
    assert main(["-q", "init", str(project), "--yes"]) == 0
    assert len(list(private_key_dir.glob("*.pem"))) == 2
    assert "PRIVATE" not in (project / "content" / "keys.json").read_text()
    content, output = project / "content", project / "output"
    (content / "awards" / "first.yaml").write_text(
        "badge: first-badge\nissued_on: 2024-05-01\nrecipients:\n  - ada@example.org\n"
    )
    assert main(["-q", "build", "--content", str(content), "--output", str(output)]) == 0
    assert len(list((output / "credentials").glob("*.json"))) == 1
    assert (content / "signatures.json").is_file()


def test_init_without_keys(tmp_path: Path, private_key_dir: Path) -> None:
    project = tmp_path / "site"
    assert main(["-q", "init", str(project), "--yes", "--no-keys"]) == 0
    assert not (project / "content" / "keys.json").exists()
    assert not private_key_dir.exists()


def test_placeholder_is_a_real_png() -> None:
    data = placeholder_png("Soldering")
    assert sniff(data) == "png" and check_png(data) == []
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.size == (256, 256)
        assert image.getpixel((128, 40))[3] == 255  # the disc is drawn, not an empty canvas
        assert image.getpixel((0, 0))[3] == 0


def test_init_with_defaults_builds(tmp_path: Path) -> None:
    project = tmp_path / "site"
    assert main(["-q", "init", str(project), "--yes"]) == 0
    for rel in ("content/site.yaml", ".gitignore", "netlify.toml", "content/awards/example.yaml"):
        assert (project / rel).is_file(), rel
    assert "/output/" in (project / ".gitignore").read_text()
    assert "/ledger.json merge=union" in (project / "content" / ".gitattributes").read_text()
    assert "*.key" in (project / ".gitignore").read_text()
    content, output = project / "content", project / "output"
    assert main(["-q", "build", "--content", str(content), "--output", str(output)]) == 0
    assert (output / "badges" / "first-badge.json").is_file()
    assert (output / "badges" / "first-badge.png").is_file()
    assert main(["init", str(project), "--yes"]) == 1  # never over an existing project


def test_init_prompts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The address is asked first: it is what a new user must get right before anything else.
    answers = iter(["", "Fablab de Nantes", "", "not an email", "contact@fablab.example", "fr"])
    prompts: list[str] = []

    def answer(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("builtins.input", answer)
    project = tmp_path / "fablab"
    assert main(["-q", "init", str(project), "--base-url", "https://badges.fablab.example"]) == 0
    site = (project / "content" / "site.yaml").read_text("utf-8")
    assert 'name: "Fablab de Nantes"' in site
    assert 'email: "contact@fablab.example"' in site
    assert 'base_url: "https://badges.fablab.example/"' in site
    assert 'language: "fr"' in site
    assert "please give an email address" in capsys.readouterr().err
    assert prompts[0].startswith("Badge site address (base_url)")
    assert main(["-q", "check", "--content", str(project / "content")]) == 0


def test_new_badge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "p"
    assert main(["-q", "init", str(project), "--yes"]) == 0
    content = str(project / "content")
    assert main(["new", "badge", "repair-cafe", "--content", content]) == 0
    assert (project / "content" / "badges" / "repair-cafe.md").is_file()
    assert sniff((project / "content" / "images" / "repair-cafe.png").read_bytes()) == "png"
    assert main(["new", "badge", "repair-cafe", "--content", content]) == 1
    assert "already exists" in capsys.readouterr().err
    for bad in ("Repair", "a b", "a_b", "é"):
        assert main(["new", "badge", bad, "--content", content]) == 1
        assert "not a valid badge slug" in capsys.readouterr().err
    output = str(project / "output")
    assert main(["-q", "build", "--content", content, "--output", output]) == 0
    assert (project / "output" / "badges" / "repair-cafe.html").is_file()
