"""Every generated page is well-formed HTML and every internal link or image resolves."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import html5lib
import pytest
from html5lib.html5parser import ParseError

from generator.build import BuildOptions, build
from tests.harness import repo_root
from tests.pagecheck import check_site, parse_page

BASE = "http://127.0.0.1:8000/some/path/"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def example_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("links")
    shutil.copytree(repo_root() / "content", root / "content")
    build(
        BuildOptions(
            content_dir=root / "content", output_dir=root / "output", base_url=BASE, now=NOW
        )
    )
    return root / "output"


def test_every_page_is_well_formed_and_every_internal_link_resolves(example_output: Path) -> None:
    report = check_site(example_output, BASE)
    assert report.problems == []
    # Both languages of every page: home, issuer, verify, 2 criteria pages, 6 award pages, 404.
    assert report.pages == 2 * (1 + 1 + 1 + 2 + 6 + 1)
    assert report.links_checked > 200


def test_links_between_pages_are_relative(example_output: Path) -> None:
    """The site works under any base path: only the 404 page, which hosts serve at any depth,
    and head metadata (canonical, hreflang, Open Graph) use absolute URLs."""
    for page in example_output.rglob("*.html"):
        rel = page.relative_to(example_output).as_posix()
        facts = parse_page(page.read_text(encoding="utf-8"))
        for tag, url in facts.links:
            if tag == "link" or rel.endswith("404.html"):
                continue
            assert not url.startswith(("http://127.0.0.1", "/")), f"{rel}: {tag} {url}"
    not_found = parse_page((example_output / "404.html").read_text(encoding="utf-8"))
    assert ("a", BASE + "index.html") in not_found.links
    english = parse_page((example_output / "en" / "404.html").read_text(encoding="utf-8"))
    assert english.lang == "en" and ("a", BASE + "en/index.html") in english.links


def test_checker_reports_broken_links_and_bad_nesting(tmp_path: Path) -> None:
    """The checker itself can fail: a broken link, a missing fragment, a mis-nested tag."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><title>x</title></head><body>'
        '<p><a href="sub/page.html#there">ok</a> <a href="missing.html">no</a>'
        '<a href="sub/page.html#nowhere">no id</a> <img src="../../../up.png" alt=""></p>'
        "</body></html>",
        encoding="utf-8",
    )
    (tmp_path / "sub" / "page.html").write_text(
        '<!doctype html><html lang="en"><head><title>y</title></head><body>'
        '<p id="there"><em>mis-nested</p></em><div></body></html>',
        encoding="utf-8",
    )
    report = check_site(tmp_path, "http://h/site/")
    text = "\n".join(report.problems)
    assert "'missing.html'" in text
    assert "no id 'nowhere'" in text
    assert "climbs above the site root" in text
    assert "</p> closes <em>" in text
    assert "never closed" in text
    assert "sub/page.html#there" not in text


def strict_parse_errors(html: str) -> str | None:
    """The first error the WHATWG parser reports (html5lib, strict), or None."""
    try:
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    except ParseError as exc:
        return str(exc)
    return None


def test_every_page_parses_without_an_error_in_strict_html5(example_output: Path) -> None:
    pages = sorted(example_output.rglob("*.html"))
    # Home, issuer, verify, 2 criteria pages, 6 award pages and 404, in both languages.
    assert len(pages) == 2 * (1 + 1 + 1 + 2 + 6 + 1)
    errors = {
        p.relative_to(example_output).as_posix(): error
        for p in pages
        if (error := strict_parse_errors(p.read_text(encoding="utf-8")))
    }
    assert errors == {}
    # The strict parser does fail: a stray end tag, a missing doctype.
    assert strict_parse_errors("<!doctype html><title>x</title><p>a</div>")
    assert strict_parse_errors("<title>x</title><p>a</p>")
