"""`insigne verify` checks that each published document is the kind its place calls for
(issue 15, item 13): `{}`, `null`, `[]`, a string or another kind of document where an
assertion, a badge, a credential, the issuer, ... belongs fails, offline and over HTTP."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import urls
from generator.selfcheck import check_tree
from tests.conftest import run_cli
from tests.harness import StaticServer, repo_root

OFFLINE_BASE = "https://badges.example.org/"
BAD_VALUES: dict[str, Any] = {"{}": {}, "null": None, "[]": [], "a string": "assertion"}


def _build(root: Path, base_url: str) -> Path:
    shutil.copytree(repo_root() / "content", root / "content")
    output = root / "output"
    result = run_cli(
        "-q", "build", "--content", root / "content", "--output", output, "--base-url", base_url
    )
    assert result.code == 0, result.err
    return output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A preview build: it publishes Open Badges 3.0 credentials too (preview keys).
    return _build(tmp_path_factory.mktemp("shapes"), OFFLINE_BASE)


@pytest.fixture
def tree(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(built, copy)
    return copy


def _first(tree: Path, folder: str) -> str:
    return sorted(p.relative_to(tree).as_posix() for p in (tree / folder).glob("*.json"))[0]


# Each place, and a well-formed document of another kind to put there.
PLACES = {
    "assertion": (lambda t: _first(t, "assertions"), lambda t: _first(t, "badges")),
    "badge": (lambda t: _first(t, "badges"), lambda t: _first(t, "assertions")),
    "credential": (lambda t: _first(t, "credentials"), lambda t: _first(t, "achievements")),
    "achievement": (lambda t: _first(t, "achievements"), lambda t: _first(t, "badges")),
    "issuer": (lambda t: urls.ISSUER_JSON, lambda t: _first(t, "badges")),
    "revocations": (lambda t: urls.REVOCATIONS_JSON, lambda t: urls.ISSUER_JSON),
    "status": (lambda t: urls.STATUS_LIST_JSON, lambda t: _first(t, "credentials")),
    "did": (lambda t: ".well-known/did.json", lambda t: urls.ISSUER_JSON),
}


def _replacements(tree: Path, other: str) -> Iterator[tuple[str, bytes]]:
    for label, value in BAD_VALUES.items():
        yield label, json.dumps(value).encode()
    yield f"the document at {other}", (tree / other).read_bytes()


@pytest.mark.parametrize("place", sorted(PLACES))
def test_offline_check_refuses_the_wrong_kind_of_document(tree: Path, place: str) -> None:
    assert check_tree(tree).problems == []
    where, other_of = PLACES[place]
    rel, other = where(tree), other_of(tree)
    original = (tree / rel).read_bytes()
    for label, data in _replacements(tree, other):
        (tree / rel).write_bytes(data)
        problems = check_tree(tree).problems
        mine = [p for p in problems if p.startswith(f"{rel}: ")]
        assert mine, f"{rel} replaced by {label} passed: {problems}"
        result = run_cli("verify", tree)
        assert result.code == 1, (rel, label)
        assert f"{rel}: " in result.err
    (tree / rel).write_bytes(original)
    assert check_tree(tree).problems == []


def test_offline_check_names_missing_required_fields(tree: Path) -> None:
    rel = _first(tree, "badges")
    doc = json.loads((tree / rel).read_text("utf-8"))
    del doc["criteria"]
    (tree / rel).write_text(json.dumps(doc), "utf-8")
    assert f"{rel}: an Open Badges 2.0 BadgeClass without criteria" in check_tree(tree).problems


def test_offline_check_refuses_a_wrong_cryptographic_key(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(repo_root() / "content", root / "content")
    with (root / "content" / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("verification: signed\n")  # OB 2.0 signed: publishes keys/<id>.json
    output = root / "output"
    result = run_cli(
        "-q", "build", "--content", root / "content", "--output", output,
        "--base-url", OFFLINE_BASE,
    )  # fmt: skip
    assert result.code == 0, result.err
    key = _first(output, "keys")
    for label, data in _replacements(output, urls.ISSUER_JSON):
        (output / key).write_bytes(data)
        assert any(p.startswith(f"{key}: ") for p in check_tree(output).problems), label


# -- over HTTP -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StaticServer, Path]]:
    with StaticServer() as server:
        output = _build(tmp_path_factory.mktemp("served-shapes"), server.url)
        yield server, output


@pytest.fixture
def site(served: tuple[StaticServer, Path], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A private copy of the served site, free to damage; served while the test runs."""
    server, built_output = served
    copy = tmp_path / "site"
    shutil.copytree(built_output, copy)
    server.root = copy
    try:
        yield server.url, copy
    finally:
        server.root = built_output


REMOTE_PLACES = {
    "assertion": (lambda t: _first(t, "assertions"), lambda t: _first(t, "badges")),
    "badge": (lambda t: _first(t, "badges"), lambda t: _first(t, "assertions")),
    "issuer": (lambda t: urls.ISSUER_JSON, lambda t: _first(t, "badges")),
    "revocations": (lambda t: urls.REVOCATIONS_JSON, lambda t: urls.ISSUER_JSON),
}


@pytest.mark.parametrize("place", sorted(REMOTE_PLACES))
def test_url_verification_refuses_the_wrong_kind_of_document(
    site: tuple[str, Path], place: str
) -> None:
    base, tree = site
    # An assertion whose badge is the first badge: the one damaged below.
    badge = json.loads((tree / _first(tree, "badges")).read_text("utf-8"))["id"]
    assertion = next(
        p.relative_to(tree).as_posix()
        for p in sorted((tree / "assertions").glob("*.json"))
        if json.loads(p.read_text("utf-8")).get("badge") == badge
    )
    url = base + assertion
    assert run_cli("verify", url).code == 0
    where, other_of = REMOTE_PLACES[place]
    rel = assertion if place == "assertion" else where(tree)
    for label, data in _replacements(tree, other_of(tree)):
        (tree / rel).write_bytes(data)
        result = run_cli("verify", url)
        assert result.code == 1, f"{rel} replaced by {label} passed:\n{result.out}"
        assert "NOT VALID" in result.out
