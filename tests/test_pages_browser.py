"""The pages in Chromium as readers see them: axe-core on every kind of page, the award page
in each state, size, language and colour scheme (screenshots and print PDFs kept under
test-artifacts/), the copy and print buttons, the header at 360 px, the footer and the print
stylesheet. axe-core is the npm package locked in tests/js, injected from the local file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from generator.build import BuildOptions, build
from tests.browser_tools import chromium, watched_context
from tests.harness import StaticServer, repo_root

pytestmark = pytest.mark.slow

ARTIFACTS = repo_root() / "test-artifacts" / "pages"
AXE = repo_root() / "tests" / "js" / "node_modules" / "axe-core" / "axe.min.js"

STATES_AWARDS = """\
badge: gestion-de-projet
issued_on: 2020-03-01
recipients:
  - email: expired.person@example.org
    name: Expired Person
    public: true
    expires: 2022-03-01
  - email: revoked.person@example.org
    name: Revoked Person
    public: true
    revoked:
      fr: Les preuves montraient le projet de quelqu'un d'autre.
      en: Evidence turned out to be someone else's project.
"""

AXE_RUN = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map(
        (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`
    );
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The example plus an expired and a revoked award, served; the award page of each state."""
    if not AXE.is_file():
        pytest.fail("axe-core missing: run `npm ci --prefix tests/js` (make test-deps)")
    root = tmp_path_factory.mktemp("pages-browser") / "project"
    shutil.copytree(repo_root() / "content", root / "content")
    (root / "content" / "awards" / "2020-states.yaml").write_text(STATES_AWARDS, "utf-8")
    output = root / "output"
    with StaticServer() as server:
        build(
            BuildOptions(
                content_dir=root / "content",
                output_dir=output,
                base_url=server.url,
                now=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        server.root = output
        awards = {
            "valid": _award_with(output, "Camille Martin", "echofablab"),
            "expired": _award_with(output, "Expired Person"),
            "revoked": _award_with(output, "Revoked Person"),
            "anonymous": _award_with(output, "pas nommée", "echofablab"),
        }
        yield server.url, awards


def _award_with(output: Path, text: str, badge: str = "") -> str:
    for page in sorted((output / "awards").glob("*.html")):
        html = page.read_text("utf-8")
        if text in html and f"badges/{badge}" in html:
            return f"awards/{page.name}"
    raise AssertionError(f"no award page contains {text!r}")


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


def test_axe_finds_no_violation_on_any_kind_of_page(site: tuple[str, dict[str, str]]) -> None:
    base, awards = site
    kinds = [
        "index.html",
        "issuer.html",
        "badges/echofablab.html",
        "badges/gestion-de-projet.html",
        "404.html",
        *awards.values(),
    ]
    with chromium() as browser, watched_context(browser) as (context, watch):
        page = context.new_page()
        checked = 0
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for prefix in ("", "en/"):
                for rel in kinds:
                    page.goto(base + prefix + rel)
                    page.add_script_tag(path=str(AXE))
                    violations = page.evaluate(AXE_RUN)
                    assert violations == [], (scheme, prefix + rel, violations)
                    checked += 1
        assert checked == 2 * 2 * len(kinds)
        # axe does report what it should: an image without a text alternative.
        # (The image is inline: a relative one would be fetched, and its 404 logged.)
        gif = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs="
        page.set_content(f'<!doctype html><html lang="en"><title>x</title><img src="{gif}"></html>')
        page.add_script_tag(path=str(AXE))
        assert any(v.startswith("image-alt:") for v in page.evaluate(AXE_RUN))
    assert watch.console_errors == [] and watch.page_errors == [] and watch.refused == []


def test_award_pages_in_every_state_size_language_and_scheme(
    site: tuple[str, dict[str, str]],
) -> None:
    base, awards = site
    with chromium() as browser:
        for scheme in ("light", "dark"):
            for width in (360, 1280):
                with watched_context(
                    browser, viewport={"width": width, "height": 800}, color_scheme=scheme
                ) as (context, watch):
                    page = context.new_page()
                    for lang in ("fr", "en"):
                        prefix = "" if lang == "fr" else "en/"
                        for state, rel in awards.items():
                            page.goto(base + prefix + rel)
                            fits = "() => document.documentElement.scrollWidth <= innerWidth"
                            assert page.evaluate(fits), (state, lang, width)
                            # The status banner comes first, above the badge's name.
                            banner = page.locator(".status").bounding_box()
                            title = page.locator("h1").bounding_box()
                            assert banner and title and banner["y"] < title["y"]
                            _shot(page, f"award-{state}-{lang}-{width}-{scheme}")
                    assert watch.page_errors == [] and watch.refused == []


def test_award_page_states_and_actions(site: tuple[str, dict[str, str]]) -> None:
    base, awards = site
    with (
        chromium() as browser,
        watched_context(browser, viewport={"width": 1280, "height": 900}) as (context, watch),
    ):
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base.rstrip("/"))
        page = context.new_page()
        page.goto(base + awards["valid"])
        assert page.locator(".status-valid .state").inner_text() == "Valide"
        assert "État vérifié le 1er janvier 2026" in page.locator(".status").inner_text()
        assert page.get_by_role("link", name="Ajouter au profil LinkedIn").is_visible()
        assert page.locator(".facts .issuer img").is_visible()  # the issuer with its logo
        assert page.locator(".chips li").count() >= 3
        # The script shows the copy button, and the button copies the page's address.
        page.get_by_role("button", name="Copier le lien").click()
        page.locator(".copy-status", has_text="Lien copié.").wait_for()
        assert page.evaluate("() => navigator.clipboard.readText()") == page.url
        assert page.get_by_role("button", name="Imprimer").is_visible()
        verify = page.get_by_role("link", name="Vérifier ce badge dans votre navigateur")
        assert (verify.get_attribute("href") or "").startswith("../verify/index.html?url=http")

        page.goto(base + "en/" + awards["expired"])
        assert page.locator(".status-expired .state").inner_text() == "Expired"
        assert page.get_by_role("link", name="Add to LinkedIn profile").count() == 0
        page.goto(base + "en/" + awards["revoked"])
        status = page.locator(".status-revoked").inner_text()
        assert "Reason: Evidence turned out to be someone else's project." in status
        assert page.get_by_role("link", name="Download the badge (PNG)").count() == 0
        page.goto(base + "en/" + awards["anonymous"])
        assert page.locator(".recipient").inner_text() == "The recipient is not named on this page."

        # On paper: no buttons, and the evidence's addresses printed after their names.
        page.goto(base + awards["valid"])
        page.emulate_media(media="print", color_scheme="light")
        assert not page.get_by_role("button", name="Imprimer").is_visible()
        assert not page.locator(".actions").is_visible()
        after = page.evaluate(
            "() => getComputedStyle(document.querySelector('.evidence a'), '::after').content"
        )
        assert "https://medium.com/echofablab" in after
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for lang in ("fr", "en"):
            for state, rel in awards.items():
                page.goto(base + ("" if lang == "fr" else "en/") + rel)
                page.pdf(path=str(ARTIFACTS / f"award-{state}-{lang}-print.pdf"))
    assert watch.console_errors == [] and watch.page_errors == [] and watch.refused == []


def test_without_script_the_link_is_still_there_to_select(
    site: tuple[str, dict[str, str]],
) -> None:
    base, awards = site
    with chromium() as browser, watched_context(browser, java_script_enabled=False) as (ctx, _):
        page = ctx.new_page()
        page.goto(base + awards["valid"])
        assert page.get_by_role("button", name="Copier le lien").count() == 0  # hidden
        field = page.get_by_label("Adresse de cette page")
        assert field.input_value() == page.url and field.is_visible()


def test_layout_header_padding_and_footer(site: tuple[str, dict[str, str]]) -> None:
    base, awards = site
    rows = """() => new Set([...document.querySelectorAll('.header-row > *')]
        .map((e) => Math.round(e.getBoundingClientRect().top))).size"""
    with chromium() as browser, watched_context(browser) as (context, _):
        page = context.new_page()
        page.set_viewport_size({"width": 360, "height": 780})
        for prefix in ("", "en/"):
            for rel in ("index.html", "badges/gestion-de-projet.html", awards["valid"]):
                page.goto(base + prefix + rel)
                assert page.evaluate(rows) <= 2, prefix + rel
        # main's own top padding is not undone by .wrap: content does not touch the header.
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(base + "404.html")
        header = page.locator(".site-header").bounding_box()
        title = page.locator("h1").bounding_box()
        assert header and title and title["y"] - (header["y"] + header["height"]) >= 16
        # A short page keeps its footer at the bottom of the window.
        footer = page.locator(".site-footer").bounding_box()
        assert footer and abs(footer["y"] + footer["height"] - 900) <= 1
        _shot(page, "404-1280")
        for rel in ("index.html", "badges/echofablab.html", "issuer.html"):
            page.goto(base + rel)
            _shot(page, rel.replace("/", "-").removesuffix(".html") + "-1280")
