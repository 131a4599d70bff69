"""Hostile content (names, narratives, criteria) is shown as text or dropped, never run."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.build import BuildOptions, build
from generator.markdown_render import render_markdown
from generator.verifypage import VERIFY_PAGE
from tests.browser_tools import chromium, watched_context
from tests.harness import StaticServer, repo_root
from tests.pagecheck import browser_scheme, check_site, parse_page

NOW = datetime(2026, 1, 1, tzinfo=UTC)
BADGE_NAME = "Evil \"badge\" <script>window.__pwned='name';alert('name')</script> & 'co'"
RECIPIENT = "<script>window.__pwned='recipient';alert('r')</script>\"' Zoé"

HOSTILE_BADGE = """\
---
name: 'Evil "badge" <script>window.__pwned=''name'';alert(''name'')</script> & ''co'''
description: '<img src=x onerror="window.__pwned=''desc'';alert(''desc'')">'
image: images/echofablab.png
tags: ["</li><script>window.__pwned='tag'</script>", "x\\" onmouseover=\\"alert(1)"]
alignments:
  - name: '<script>alert("alignment")</script>'
    url: https://example.org/?a=1&b="2"
    description: '<b onclick=alert(1)>bold</b>'
---
Raw: <script>window.__pwned='criteria';alert('criteria')</script>

<div onclick="alert('block')">block html</div>

[click me](javascript:window.__pwned='link';alert('link'))
[encoded](jav&#x61;script:window.__pwned='enc';alert('enc'))
[tabbed](java\tscript:alert('tab'))
![image](x" onerror="alert('img'))
<img src=x onerror="window.__pwned='inline';alert('inline')">
[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[fine](https://example.org/?a=1&b="2")
"""

HOSTILE_AWARDS = """\
badge: evil
issued_on: 2020-01-01
narrative: "**bold** <script>window.__pwned='narrative';alert('n')</script>
  [x](javascript:alert('n'))"
evidence:
  - url: https://example.org/"onmouseover="alert(1)
    name: "<b>evidence</b>"
    narrative: '<iframe src="javascript:alert(1)"></iframe> [e](JaVaScRiPt:alert(1))'
recipients:
  - email: victim@example.org
    name: "<script>window.__pwned='recipient';alert('r')</script>\\"' Zoé"
    public: true
"""


def make_hostile_project(root: Path) -> Path:
    shutil.copytree(repo_root() / "content", root / "content")
    (root / "content" / "badges" / "evil.md").write_text(HOSTILE_BADGE, "utf-8")
    (root / "content" / "awards" / "evil.yaml").write_text(HOSTILE_AWARDS, "utf-8")
    site = root / "content" / "site.yaml"
    site.write_text(
        site.read_text("utf-8").replace(
            "  name: PING – Association Ping", "  name: \"PING <script>alert('issuer')</script>\""
        ),
        "utf-8",
    )
    return root


def build_hostile(root: Path, base_url: str) -> Path:
    build(
        BuildOptions(
            content_dir=root / "content", output_dir=root / "output", base_url=base_url, now=NOW
        )
    )
    return root / "output"


@pytest.fixture(scope="module")
def hostile_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_hostile_project(tmp_path_factory.mktemp("hostile") / "project")
    return build_hostile(root, "http://127.0.0.1:8000/")


def test_no_page_contains_script_handlers_or_unsafe_urls(hostile_output: Path) -> None:
    report = check_site(hostile_output, "http://127.0.0.1:8000/")
    # The criteria's own relative image (`x" onerror=...`) is a broken link, not a broken page.
    broken_content_links = [p for p in report.problems if "badges/evil.html: <img>" in p]
    assert len(broken_content_links) == 2  # French page and English page
    others = [p for p in report.problems if p not in broken_content_links]
    assert others == []
    for rel, facts in report.facts.items():
        html = (hostile_output / rel).read_text("utf-8")
        if rel.endswith(VERIFY_PAGE):
            # The verify page's only scripts: the shipped ones, and its strings as a JSON data
            # block (which no browser runs).
            scripts = [url for tag, url in facts.links if tag == "script"]
            assert [s.rsplit("/", 1)[-1] for s in scripts] == ["ob3-verifier.js", "verify.js"]
            assert all(s.endswith("static/verify/" + s.rsplit("/", 1)[-1]) for s in scripts)
            assert facts.tags.count("script") == 3, rel
        else:
            # Elsewhere the one script: the theme's own file on award pages (copy, print).
            found = re.findall(r"<script[^>]*>", html, re.I)
            expected = (
                ['<script src="../static/award.js" defer>'] if rel.startswith("awards/") else []
            )
            if rel.startswith("en/awards/"):
                expected = ['<script src="../../static/award.js" defer>']
            assert found == expected, rel
        assert "iframe" not in facts.tags, rel
        assert facts.event_handlers == [], rel
        for tag, url in facts.links:
            assert browser_scheme(url) in ("", "http", "https", "mailto"), (rel, tag, url)


def test_hostile_text_is_shown_as_text(hostile_output: Path) -> None:
    criteria = parse_page((hostile_output / "badges" / "evil.html").read_text("utf-8"))
    assert BADGE_NAME in criteria.text
    assert "Raw: <script>window.__pwned='criteria';alert('criteria')</script>" in criteria.text
    assert "</li><script>window.__pwned='tag'</script>" in criteria.text
    assert "click me" in criteria.text and "encoded" in criteria.text
    award_page = next((hostile_output / "awards").glob("*.html"))
    pages = [p for p in (hostile_output / "awards").glob("*.html") if "Zoé" in p.read_text()]
    assert len(pages) == 1, award_page
    award = parse_page(pages[0].read_text("utf-8"))
    assert RECIPIENT in award.text
    assert "<script>window.__pwned='narrative';alert('n')</script>" in award.text
    assert "<b>evidence</b>" in award.text
    assert "PING <script>alert('issuer')</script>" in award.text


def test_markdown_drops_urls_a_browser_would_run() -> None:
    for source in (
        "[a](javascript:alert(1))",
        "[a](jav&#x61;script:alert(1))",
        "[a](&#106;avascript:alert(1))",
        "[a](java\tscript:alert(1))",
        "[a](vbscript:msgbox(1))",
        "[a](data:text/html,x)",
        "![a](javascript:alert(1))",
        "[a][r]\n\n[r]: javascript:alert(1)",
    ):
        html = render_markdown(source)
        assert "href" not in html and "src" not in html, (source, html)
    html = render_markdown("[ok](https://example.org/a?b=1&c=2) [rel](../x.html) [m](mailto:a@b.c)")
    assert html.count("href=") == 3


POKE_EVERYTHING = """() => {
    const all = document.querySelectorAll("body *");
    for (const element of all) {
        for (const type of ["mouseover", "mouseenter", "focus", "error", "load"]) {
            element.dispatchEvent(new Event(type));
        }
    }
    return all.length;
}"""


@pytest.fixture(scope="module")
def served_hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    root = make_hostile_project(tmp_path_factory.mktemp("hostile-served") / "project")
    with StaticServer() as server:
        output = build_hostile(root, server.url)
        server.root = output
        yield server.url, output


@pytest.mark.slow
def test_hostile_pages_run_no_script_in_chromium(served_hostile: tuple[str, Path]) -> None:
    base, output = served_hostile
    pages = sorted(p.relative_to(output).as_posix() for p in output.rglob("*.html"))
    with chromium() as browser, watched_context(browser) as (context, watch):
        page = context.new_page()
        for rel in pages:
            page.goto(base + rel)
            # Poke everything: a handler smuggled into an attribute would fire here.
            poked = page.evaluate(POKE_EVERYTHING)
            assert poked > 20, rel
            assert page.evaluate("() => window.__pwned === undefined"), rel
            if rel.endswith(VERIFY_PAGE):
                # Its two shipped files and its strings' data block.
                assert page.evaluate("() => document.scripts.length") == 3, rel
            else:
                # The only script: the theme's own file on award pages (copy the link, print).
                scripts = page.evaluate("() => [...document.scripts].map((s) => s.src)")
                own = [base + "static/award.js"] if "awards/" in rel else []
                assert scripts == own, rel
        page.goto(base + "badges/evil.html")
        assert page.locator("h1").inner_text() == BADGE_NAME
        # Clicking the neutered links goes nowhere and runs nothing.
        for name in ("click me", "encoded", "tabbed"):
            page.get_by_text(name, exact=True).click()
            assert page.url == base + "badges/evil.html"
        assert page.evaluate("() => window.__pwned === undefined")
    assert watch.dialogs == []
    assert watch.page_errors == []
    assert watch.refused == []
