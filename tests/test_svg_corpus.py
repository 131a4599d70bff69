"""A corpus of SVG XSS and external-fetch payloads (tests/data/svg-xss/): all refused.

Each payload goes through the real loader (`insigne check`, as the pre-commit hook runs it) as a
badge's image. The browser tests open the payloads that the former deny-list accepted in Debian's
Chromium, to prove they do fetch what they name (so refusing them matters), and open every image
the allow-list accepts, built into a site, to prove they fetch nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.images import check_svg
from tests.browser_tools import chromium, watched_context
from tests.conftest import Project, run_cli, tree_snapshot
from tests.harness import StaticServer, repo_root

DATA = Path(__file__).parent / "data"
PAYLOADS = sorted((DATA / "svg-xss").glob("*.svg"))
SAFE = sorted((DATA / "svg-safe").glob("*.svg"))
IMAGE = "images/gestion-de-projet.svg"
BADGE = "badges/gestion-de-projet.md"

# The payloads the deny-list of generator/images.py let through before the allow-list, each
# of which Chromium fetched when the image was opened as a document.
FORMER_BYPASSES = [
    "presentation-escaped-url.svg",
    "set-image-href.svg",
    "set-image-xlink-href.svg",
    "style-attr-escaped-url.svg",
    "style-attr-image-set.svg",
    "style-import-escaped.svg",
    "style-root-escaped-url-background.svg",
]


def test_corpus_is_there() -> None:
    assert len(PAYLOADS) >= 50
    assert {p.name for p in PAYLOADS} >= set(FORMER_BYPASSES)
    assert (DATA / "svg-xss" / "README.md").is_file()


@pytest.mark.parametrize("payload", PAYLOADS, ids=[p.stem for p in PAYLOADS])
def test_loader_refuses_payload(project: Project, payload: Path) -> None:
    (project.content / IMAGE).write_bytes(payload.read_bytes())
    before = tree_snapshot(project.content)
    result = run_cli("check", "--content", project.content)
    assert result.code == 1, payload.name
    assert "Traceback" not in result.err
    # The badge file's `image:` line, and the image itself, are named.
    assert f"content/{BADGE}:6: image '{IMAGE}': " in result.err, result.err
    assert tree_snapshot(project.content) == before


def test_build_refuses_a_former_bypass(project: Project) -> None:
    assert project.build().code == 0
    before = tree_snapshot(project.output)
    (project.content / IMAGE).write_bytes((DATA / "svg-xss" / "set-image-href.svg").read_bytes())
    result = project.build()
    assert result.code == 1
    assert f"content/{BADGE}:6: image '{IMAGE}': line 2: <set> is not allowed" in result.err
    assert tree_snapshot(project.output) == before


@pytest.mark.parametrize("sample", SAFE, ids=[p.stem for p in SAFE])
def test_safe_samples_are_accepted(sample: Path) -> None:
    assert check_svg(sample.read_bytes()) == []


def _opened(base: str, names: list[str]) -> dict[str, list[str]]:
    """For each document: the requests Chromium tried to make outside 127.0.0.1."""
    refused: dict[str, list[str]] = {}
    with chromium() as browser:
        for name in names:
            with watched_context(browser) as (context, watch):
                page = context.new_page()
                page.goto(base + name, wait_until="load")
                page.wait_for_load_state("networkidle")
                refused[name] = list(watch.refused) + watch.dialogs + watch.page_errors
    return refused


@pytest.mark.slow
def test_former_bypasses_fetch_in_chromium_and_are_now_refused() -> None:
    with StaticServer(DATA / "svg-xss") as server:
        refused = _opened(server.url, FORMER_BYPASSES)
    for name in FORMER_BYPASSES:
        assert any(url.startswith("https://attacker.example/") for url in refused[name]), name
        assert check_svg((DATA / "svg-xss" / name).read_bytes()) != [], name


@pytest.mark.slow
def test_accepted_images_make_no_request_in_chromium(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(repo_root() / "content", root / "content")
    project = Project(root)
    for sample in SAFE:
        (project.content / "images" / sample.name).write_bytes(sample.read_bytes())
        (project.content / "badges" / f"safe-{sample.stem}.md").write_text(
            f"---\nname: {sample.stem}\ndescription: d\nimage: images/{sample.name}\n---\nc\n",
            "utf-8",
        )
        (project.content / "awards" / f"safe-{sample.stem}.yaml").write_text(
            f"badge: safe-{sample.stem}\nissued_on: 2020-01-01\nrecipients:\n"
            "  - someone@example.org\n",
            "utf-8",
        )
    with StaticServer() as server:
        result = project.build("--base-url", server.url)
        assert result.code == 0, result.err
        server.root = project.output
        images = sorted(
            p.relative_to(project.output).as_posix() for p in project.output.rglob("*.svg")
        )
        pages = sorted(
            p.relative_to(project.output).as_posix()
            for p in (project.output / "badges").glob("*.html")
        )
        # Baked copies of every safe sample, the published badge images, and their pages.
        assert len(images) >= 2 * len(SAFE) + 2
        refused = _opened(server.url, images + pages)
    assert {name: found for name, found in refused.items() if found} == {}
