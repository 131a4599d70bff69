"""Open Badges 3.0 credentials of a signed site go through `writer.cached`: an unchanged site
takes the no-change exit, adding an award renders and signs only that award's credential, and
the output stays byte-identical to a clean build (signature cache included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import generator.publish_ob3 as publish_ob3
from generator.content import load_model
from generator.manifest import Manifest
from tests.conftest import Project, run_cli

NEW_AWARD = "badge: echofablab\nissued_on: 2019-01-10\nrecipients:\n  - nouvelle@example.org\n"


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def signed(project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(tmp_path / "private-keys"))
    monkeypatch.delenv("INSIGNE_SIGNING_KEY", raising=False)
    result = run_cli("keys", "new", "--content", project.content, "--type", "ed25519")
    assert result.code == 0, result.err
    return project


def count_credentials_rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    rendered: list[str] = []
    real = publish_ob3._write_credential

    def spy(*args: object) -> str:
        rendered.append(args[4].id)  # type: ignore[attr-defined]
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(publish_ob3, "_write_credential", spy)
    return rendered


def test_signed_site_rebuilds_only_the_new_credential(
    signed: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert signed.build().code == 0
    assert len(list((signed.output / "credentials").glob("*.json"))) == 6
    signatures = signed.content / "signatures.json"
    cache_before = signatures.read_bytes()

    # Nothing changed: the no-change exit (the first build's signing did not defeat it).
    again = signed.build("-v")
    assert again.code == 0, again.err
    assert " 0 files written" in again.out
    assert signatures.read_bytes() == cache_before

    rendered = count_credentials_rendered(monkeypatch)
    (signed.content / "awards" / "2019.yaml").write_text(NEW_AWARD, "utf-8")
    added = signed.build()
    assert added.code == 0, added.err
    [new] = [
        a
        for a in load_model(signed.content).model.awards
        if a.spec.recipient.email == "nouvelle@example.org"
    ]
    assert rendered == [new.id], "only the new award's credential is rendered and signed"
    # The cache kept every proof still in use, and gained the new one.
    assert len(signatures.read_bytes()) > len(cache_before)

    # Same bytes as a clean build of the same content (which signs nothing: all cached).
    clean = signed.root / "clean"
    assert run_cli("build", "--content", signed.content, "--output", clean).code == 0
    assert tree(signed.output) == tree(clean)
    cache_after = signatures.read_bytes()
    assert signed.build().code == 0
    assert signatures.read_bytes() == cache_after


def test_a_proof_dropped_from_the_cache_is_made_again(
    signed: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert signed.build().code == 0
    first = tree(signed.output)
    signatures = signed.content / "signatures.json"
    proofs = Manifest.load(signed.output).proofs
    group, key = sorted(proofs.items())[0]
    data = json.loads(signatures.read_text("utf-8"))
    del data[key]
    signatures.write_text(json.dumps(data), "utf-8")
    rendered = count_credentials_rendered(monkeypatch)
    assert signed.build().code == 0
    assert rendered == [group.removeprefix("ob3:")]
    # Ed25519 is deterministic and `created` is the credential's date: the same bytes again.
    assert tree(signed.output) == first
    assert key in json.loads(signatures.read_text("utf-8"))
