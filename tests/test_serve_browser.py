"""Live reload in a real Chromium: an edit reloads the open page; an error shows, then clears."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser_tools import chromium, watched_context
from tests.harness import repo_root
from tests.test_serve import ServeProcess

pytestmark = pytest.mark.slow
WAIT_MS = 20_000


def test_open_page_reloads_on_edit_and_shows_then_clears_errors(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(repo_root() / "content", project / "content")
    server = ServeProcess(project)
    try:
        with chromium() as browser, watched_context(browser) as (context, watch):
            page = context.new_page()
            page.goto(server.url + "badges/echofablab.html")
            assert "Expérience echofablab" in page.locator("h1").inner_text()
            page.evaluate("window.__before_reload = true")

            badge = project / "content" / "badges" / "echofablab.md"
            text = badge.read_text("utf-8")
            badge.write_text(text.replace("name: Expérience echofablab", "name: Echofablab 2017"))
            page.wait_for_function(
                "document.querySelector('h1').textContent.includes('Echofablab 2017')",
                timeout=WAIT_MS,
            )
            # A real reload, not a patched DOM: the page's own state is gone.
            assert page.evaluate("window.__before_reload === undefined")

            awards = project / "content" / "awards" / "2017-echofablab.yaml"
            good = awards.read_text("utf-8")
            awards.write_text(good.replace("badge: echofablab", "badge: [echofablab"), "utf-8")
            overlay = page.locator("#insigne-error-overlay")
            overlay.wait_for(state="visible", timeout=WAIT_MS)
            assert "2017-echofablab.yaml" in overlay.inner_text()
            assert "Echofablab 2017" in page.locator("h1").inner_text()  # last good build

            awards.write_text(good, "utf-8")
            overlay.wait_for(state="detached", timeout=WAIT_MS)
            assert page.locator("h1").inner_text().strip().startswith("Echofablab 2017")
            assert watch.page_errors == []
            assert watch.refused == []
    finally:
        assert server.stop() == 0
