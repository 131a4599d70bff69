"""The example site in a real headless Chromium, served on 127.0.0.1, as a visitor uses it."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.baking import unbake_png
from generator.build import BuildOptions, build
from tests.browser_tools import chromium, local_only, watched_context
from tests.harness import StaticServer, repo_root

pytestmark = pytest.mark.slow

ARTIFACTS = repo_root() / "test-artifacts"

# WCAG 2 contrast of every element that holds text, against its painted background.
CONTRAST_PROBLEMS = """() => {
    const rgba = (value) => {
        const m = value.match(/rgba?\\(([^)]+)\\)/);
        if (!m) return null;
        const p = m[1].split(/[ ,/]+/).filter(Boolean).map(parseFloat);
        return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const channel = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    const luminance = (c) =>
        0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
    const background = (element) => {
        for (let e = element; e; e = e.parentElement) {
            const c = rgba(getComputedStyle(e).backgroundColor);
            if (c && c[3] > 0.99) return c;
        }
        const root = rgba(getComputedStyle(document.documentElement).backgroundColor);
        return root || [255, 255, 255, 1];
    };
    const problems = [];
    let checked = 0;
    for (const element of document.querySelectorAll("body *")) {
        const text = [...element.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        const style = getComputedStyle(element);
        if (!text || style.display === "none" || style.visibility === "hidden") continue;
        if (element.closest(".skip-link")) continue;
        const fg = rgba(style.color);
        const bg = background(element);
        const [l1, l2] = [luminance(fg), luminance(bg)];
        const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
        checked += 1;
        if (ratio < 4.5) {
            problems.push(`${element.tagName}.${element.className}: ${ratio.toFixed(2)}`);
        }
    }
    return {checked, problems};
}"""


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000
    return path


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_visitor_follows_a_badge_to_an_award_and_keeps_it(served_example: Any) -> None:
    base: str = served_example.url
    with (
        chromium() as browser,
        watched_context(
            browser, viewport={"width": 1280, "height": 900}, accept_downloads=True
        ) as (context, watch),
    ):
        page = context.new_page()
        page.goto(base)
        assert page.locator("h1").inner_text() == "Les open badges de PING"
        assert page.get_by_alt_text("Logo de PING – Association Ping").is_visible()
        screenshot(page, "home-1280")

        page.get_by_role("link", name="Expérience echofablab").click()
        page.wait_for_url(base + "badges/echofablab.html")
        assert page.locator("h1").inner_text() == "Expérience echofablab"
        assert page.get_by_role("heading", name="Critères").is_visible()
        assert page.locator("strong", has_text="carnet de bord collectif").is_visible()
        assert page.get_by_text("Attribué 4 fois.").is_visible()
        screenshot(page, "criteria-1280")

        page.get_by_role("link", name="Camille Martin").click()
        page.wait_for_url(re.compile(r"/awards/[a-z0-9]+\.html$"))
        award_id = urlsplit(page.url).path.rsplit("/", 1)[1].removesuffix(".html")
        assert page.locator("h1").inner_text() == "Expérience echofablab"
        assert page.locator(".recipient").inner_text() == "Camille Martin"
        assert page.get_by_text("15 septembre 2017").is_visible()
        assert page.locator(".state").inner_text() == "Valide"
        assert page.get_by_role("heading", name="Qu'est-ce qu'un Open Badge").is_visible()
        assert page.get_by_role("link", name="Voir ce qu'exige ce badge").is_visible()
        screenshot(page, "award-1280")

        linkedin = page.get_by_role("link", name="Ajouter au profil LinkedIn")
        parts = urlsplit(linkedin.get_attribute("href") or "")
        assert parts.netloc == "www.linkedin.com" and parts.path == "/profile/add"
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert params["startTask"] == "CERTIFICATION_NAME"
        assert params["name"] == "Expérience echofablab"
        assert params["organizationName"] == "PING – Association Ping"
        assert (params["issueYear"], params["issueMonth"]) == ("2017", "9")
        assert params["certUrl"] == page.url
        assert params["certId"] == award_id

        with page.expect_download() as download_info:
            page.get_by_role("link", name="Télécharger le badge (PNG)").click()
        baked = Path(download_info.value.path()).read_bytes()
        assert baked.startswith(b"\x89PNG\r\n\x1a\n")
        assert download_info.value.suggested_filename == f"{award_id}.png"
        carried = unbake_png(baked)
        with urllib.request.urlopen(f"{base}assertions/{award_id}.json") as response:
            hosted = response.read().decode("utf-8")
        assert carried == hosted
        assert json.loads(carried)["id"] == f"{base}assertions/{award_id}.json"

        page.get_by_role("link", name="English").click()
        page.wait_for_url(f"{base}en/awards/{award_id}.html")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("h1").inner_text() == "echofablab experience"
        assert page.locator(".state").inner_text() == "Valid"
        assert page.get_by_role("link", name="Add to LinkedIn profile").is_visible()

        page.set_viewport_size({"width": 360, "height": 780})
        for name, url in (
            ("home-360", base + "index.html"),
            ("criteria-360", base + "badges/gestion-de-projet.html"),
            ("award-360", f"{base}awards/{award_id}.html"),
            ("award-en-360", f"{base}en/awards/{award_id}.html"),
        ):
            page.goto(url)
            assert no_horizontal_scroll(page), name
            screenshot(page, name)

        page.goto(base + "404.html")
        assert page.locator("h1").inner_text() == "Page introuvable"
        page.get_by_role("link", name="Aller à la liste des badges").click()
        page.wait_for_url(base + "index.html")

    assert watch.console_errors == []
    assert watch.page_errors == []
    assert watch.refused == []
    assert watch.requests and all(local_only(url) for url in watch.requests)
    assert any(url.endswith("static/style.css") for url in watch.requests)


STATES_AWARDS = """\
badge: gestion-de-projet
issued_on: 2020-03-01
recipients:
  - email: expired.person@example.org
    name: Expired Person
    public: true
    expires: 2022-03-01
  - email: revoked.person@example.org
    revoked: Evidence turned out to be someone else's project.
"""


@pytest.fixture(scope="module")
def served_states(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The example plus an expired and a revoked award, built for a fixed date."""
    root = tmp_path_factory.mktemp("states") / "project"
    shutil.copytree(repo_root() / "content", root / "content")
    (root / "content" / "awards" / "2020-states.yaml").write_text(STATES_AWARDS, "utf-8")
    with StaticServer() as server:
        build(
            BuildOptions(
                content_dir=root / "content",
                output_dir=root / "output",
                base_url=server.url,
                now=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
        server.root = root / "output"
        yield server.url, root / "output"


def _award_with(output: Path, text: str) -> str:
    for page in sorted((output / "awards").glob("*.html")):
        if text in page.read_text("utf-8"):
            return f"awards/{page.name}"
    raise AssertionError(f"no award page contains {text!r}")


def test_contrast_focus_and_states_in_light_and_dark(served_states: tuple[str, Path]) -> None:
    base, output = served_states
    expired = _award_with(output, "Expired Person")
    revoked = _award_with(output, "Motif : Evidence")
    pages = ["index.html", "issuer.html", "badges/gestion-de-projet.html", expired, revoked]
    pages.append(_award_with(output, "Camille Martin"))
    with chromium() as browser, watched_context(browser) as (context, watch):
        page = context.new_page()
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            for rel in pages:
                page.goto(base + rel)
                result = page.evaluate(CONTRAST_PROBLEMS)
                assert result["checked"] > 10, rel
                assert result["problems"] == [], (scheme, rel, result["problems"])
            page.goto(base + expired)
            assert page.locator(".status-expired").is_visible()
            screenshot(page, f"award-expired-{scheme}")
            page.goto(base + revoked)
            assert "Révoqué" in page.locator(".status-revoked").inner_text()
            assert page.get_by_role("link", name=re.compile("Télécharger")).count() == 0
            screenshot(page, f"award-revoked-{scheme}")

        # Keyboard users see where they are: the skip link first, then a visible outline.
        page.goto(base + "index.html")
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => [document.activeElement.className, getComputedStyle(document.activeElement)"
            ".outlineStyle, parseFloat(getComputedStyle(document.activeElement).outlineWidth)]"
        )
        assert focused[0] == "skip-link" and focused[1] == "solid" and focused[2] >= 2
        assert page.locator(".skip-link").bounding_box()["x"] >= 0  # moved into view
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        style = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert style == "solid"

        # On paper: the badge and its facts, no buttons or backpack help.
        page.goto(base + expired)
        page.emulate_media(media="print", color_scheme="light")
        assert page.locator("h1").is_visible() and page.locator(".facts").is_visible()
        assert not page.locator(".actions").is_visible()
        assert not page.locator(".keep").is_visible()
        assert not page.locator(".site-nav").is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.pdf(path=str(ARTIFACTS / "award-print.pdf"))
    assert watch.console_errors == [] and watch.page_errors == [] and watch.refused == []
