"""A new association's first hour, as a new user lives it (issue 16, item 8).

`insigne init` (defaults), `insigne new badge`, edit, `insigne award`, then the real address in
site.yaml and `insigne build`. It used to fail at that last step: private keys were filed under
the host of the address they were made for, so changing the address lost them.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.serve import Preview, ServeOptions
from tests.conftest import run_cli
from tests.harness import error_texts, validate_ob2, verify_ob3
from tests.newproject import REAL_ADDRESS, edit_badge, edit_issuer, init_project, set_base_url


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh user: no INSIGNE_KEY_DIR, keys under $XDG_CONFIG_HOME as on a real machine."""
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("INSIGNE_KEY_DIR", raising=False)
    monkeypatch.delenv("INSIGNE_SIGNING_KEY", raising=False)
    return home


def test_changing_the_address_keeps_the_keys(tmp_path: Path, config_home: Path) -> None:
    content = init_project(tmp_path / "newassoc")
    # One folder per user, keys named by id: nothing depends on the site's address.
    stored = sorted(p.name for p in (config_home / "insigne" / "keys").iterdir())
    assert len(stored) == 2 and all(name.endswith(".pem") for name in stored), stored
    (content / "awards" / "first.yaml").write_text(
        "badge: first-badge\nissued_on: 2025-03-01\nrecipients:\n  - ada@example.org\n"
    )
    set_base_url(content, REAL_ADDRESS)
    result = run_cli("build", "--content", content, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    assert "not available" not in result.err


def test_keys_filed_by_host_by_earlier_versions_are_still_found(
    tmp_path: Path, config_home: Path
) -> None:
    content = init_project(tmp_path / "older")
    keys = config_home / "insigne" / "keys"
    legacy = keys / "badges.example.org"  # where an earlier Insigne filed this site's keys
    legacy.mkdir()
    for pem in keys.glob("*.pem"):
        pem.rename(legacy / pem.name)
    (content / "awards" / "first.yaml").write_text(
        "badge: first-badge\nissued_on: 2025-03-01\nrecipients:\n  - ada@example.org\n"
    )
    set_base_url(content, REAL_ADDRESS)
    result = run_cli("build", "--content", content, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    assert sorted(p.name for p in legacy.iterdir()) and not list(keys.glob("*.pem"))  # not moved


def test_a_wrong_key_under_the_same_id_is_skipped_for_the_right_one(
    tmp_path: Path, config_home: Path
) -> None:
    content = init_project(tmp_path / "p")
    keys = config_home / "insigne" / "keys"
    [ed] = keys.glob("ed25519-*.pem")
    # Another site's key that happens to carry the same file name, filed first in lookup order.
    other = init_project(tmp_path / "other")
    [other_ed] = [p for p in keys.glob("ed25519-*.pem") if p != ed]
    legacy = keys / "a-other-host"
    legacy.mkdir()
    ed.rename(legacy / ed.name)
    other_ed.rename(keys / ed.name)
    (content / "awards" / "first.yaml").write_text(
        "badge: first-badge\nissued_on: 2025-03-01\nrecipients:\n  - ada@example.org\n"
    )
    assert other.is_dir()
    result = run_cli("build", "--content", content, "--output", tmp_path / "out")
    assert result.code == 0, result.err


def test_template_texts_are_noted_and_never_deployed(tmp_path: Path, config_home: Path) -> None:
    content = init_project(tmp_path / "newassoc")
    assert run_cli("new", "badge", "soudure", "--content", content).code == 0
    checked = run_cli("check", "--content", content)
    assert checked.code == 0, checked.err
    for expected in ("site.yaml", "badges/first-badge.md", "badges/soudure.md"):
        assert expected in checked.err, checked.err
    assert "template description and criteria" in checked.err
    assert "base_url is still the placeholder" in checked.err
    built = run_cli("build", "--content", content, "--output", tmp_path / "out")
    assert built.code == 0 and "badges/soudure.md" in built.err
    locked = run_cli("build", "--locked", "--content", content, "--output", tmp_path / "out2")
    assert locked.code == 1
    assert "soudure.md" in locked.err and "must not be published" in locked.err
    assert "Traceback" not in locked.err
    assert not (tmp_path / "out2").exists()


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[list[Preview]]:
    started: list[Preview] = []
    yield started
    for server in started:
        server.stop()


@pytest.mark.slow
def test_the_first_hour_of_a_new_association(
    tmp_path: Path, config_home: Path, preview: list[Preview]
) -> None:
    root = tmp_path / "newassoc"
    content, output = init_project(root), root / "output"
    assert run_cli("new", "badge", "soudure", "--content", content).code == 0
    edit_badge(content, "soudure")
    edit_issuer(content)
    (content / "badges" / "first-badge.md").unlink()  # the example badge, not wanted
    (content / "images" / "first-badge.png").unlink()
    awarded = run_cli("award", "soudure", "ada@example.org", "--content", content)
    assert awarded.code == 0, awarded.err
    set_base_url(content, REAL_ADDRESS)

    built = run_cli("build", "--content", content, "--output", output)
    assert built.code == 0, built.err
    assert "template" not in built.err and "placeholder" not in built.err, built.err
    [credential] = sorted((output / "credentials").glob("*.json"))
    assert REAL_ADDRESS in credential.read_text("utf-8")
    # The deploy build (what CI runs once the ledger and signatures are committed).
    locked = run_cli("build", "--locked", "--content", content, "--output", output)
    assert locked.code == 0, locked.err
    verified = run_cli("verify", output)
    assert verified.code == 0, verified.out + verified.err

    # insigne serve: the preview server on a free port, then a page and an award by URL.
    server = Preview(ServeOptions(content_dir=content, port=0), lambda _: None, lambda _: None)
    preview.append(server)
    server.start()
    with urllib.request.urlopen(server.url, timeout=10) as response:
        assert response.status == 200
        assert "Soudure" in response.read().decode("utf-8")
    award_id = credential.stem
    [report] = validate_ob2([f"{server.url}assertions/{award_id}.json"], "ada@example.org")
    assert report["valid"], error_texts(report)
    [ob3] = verify_ob3([f"{server.url}credentials/{award_id}.json"], server.server.port)
    assert ob3["verified"] is True, ob3
