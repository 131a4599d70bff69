"""Checks on generated HTML: strict well-formedness, internal links, outline and safety facts.

Built on the standard library's `html.parser`, made strict: every non-void element must be
closed explicitly and in order (our templates never rely on implied end tags), attributes are
not repeated, ids are unique. Links are resolved like a browser would, against the page's own
URL, and must name a file of the output (and an existing id when they carry a fragment).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src")}
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")


@dataclass
class PageFacts:
    errors: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (tag, url)
    ids: set[str] = field(default_factory=set)
    headings: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    images_without_alt: int = 0
    event_handlers: list[str] = field(default_factory=list)  # on* attributes
    meta: dict[str, str] = field(default_factory=dict)  # property/name -> content
    text: str = ""
    lang: str | None = None


class _StrictParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self.stack: list[tuple[str, int]] = []
        self._text: list[str] = []
        self._doctype = False

    def handle_decl(self, decl: str) -> None:
        self._doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        facts = self.facts
        line = self.getpos()[0]
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            facts.errors.append(f"line {line}: <{tag}> repeats an attribute: {names}")
        values = {name: value or "" for name, value in attrs}
        facts.tags.append(tag)
        if "id" in values:
            if values["id"] in facts.ids:
                facts.errors.append(f"line {line}: duplicate id {values['id']!r}")
            facts.ids.add(values["id"])
        for name in names:
            if name.startswith("on"):
                facts.event_handlers.append(f"<{tag} {name}>")
        for link_tag, attribute in LINK_ATTRIBUTES:
            if tag == link_tag and attribute in values:
                facts.links.append((tag, values[attribute]))
        if tag == "img" and "alt" not in values:
            facts.images_without_alt += 1
        if tag == "meta" and "content" in values:
            key = values.get("property") or values.get("name")
            if key:
                facts.meta[key] = values["content"]
        if tag == "html":
            facts.lang = values.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            facts.headings.append(int(tag[1]))
        if tag not in VOID:
            self.stack.append((tag, line))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.facts.errors.append(f"line {self.getpos()[0]}: self-closing <{tag}/>")
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        line = self.getpos()[0]
        if tag in VOID:
            self.facts.errors.append(f"line {line}: end tag for void element </{tag}>")
            return
        if not self.stack:
            self.facts.errors.append(f"line {line}: </{tag}> closes nothing")
            return
        open_tag, open_line = self.stack.pop()
        if open_tag != tag:
            self.facts.errors.append(
                f"line {line}: </{tag}> closes <{open_tag}> opened on line {open_line}"
            )

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def close(self) -> None:
        super().close()
        if not self._doctype:
            self.facts.errors.append("missing <!doctype html>")
        for tag, line in self.stack:
            self.facts.errors.append(f"<{tag}> opened on line {line} is never closed")
        self.facts.text = re.sub(r"\s+", " ", "".join(self._text))


def parse_page(source: str) -> PageFacts:
    parser = _StrictParser()
    parser.feed(source)
    parser.close()
    return parser.facts


def browser_scheme(url: str) -> str:
    """The scheme a browser would see, after decoding references and dropping ignored bytes."""
    decoded = html.unescape(url)
    return urlsplit(_IGNORED_IN_URL.sub("", decoded)).scheme.lower()


@dataclass
class SiteReport:
    pages: int = 0
    links_checked: int = 0
    problems: list[str] = field(default_factory=list)
    facts: dict[str, PageFacts] = field(default_factory=dict)


def check_site(output: Path, base_url: str) -> SiteReport:
    """Parse every page under `output` and check that every internal link resolves."""
    report = SiteReport()
    pages = sorted(output.rglob("*.html"))
    for page in pages:
        rel = page.relative_to(output).as_posix()
        report.facts[rel] = parse_page(page.read_text(encoding="utf-8"))
    for rel, facts in report.facts.items():
        report.pages += 1
        report.problems += [f"{rel}: {error}" for error in facts.errors]
        page_url = base_url + rel
        for tag, url in facts.links:
            target = urljoin(page_url, url)
            relative = not urlsplit(url).scheme and not url.startswith("//")
            if not target.startswith(base_url):
                if relative:
                    report.problems.append(f"{rel}: <{tag}> {url!r} climbs above the site root")
                continue  # another site: not ours to check, and never fetched by the tests
            report.links_checked += 1
            parts = urlsplit(target)
            path = unquote(parts.path[len(urlsplit(base_url).path) :])
            file = output / path
            if not path or path.endswith("/"):
                file = file / "index.html"
            if not file.is_file():
                report.problems.append(f"{rel}: <{tag}> {url!r} -> {path!r} does not exist")
                continue
            fragment = parts.fragment
            if fragment:
                target_rel = file.relative_to(output).as_posix()
                ids = report.facts[target_rel].ids if target_rel in report.facts else set()
                if fragment not in ids:
                    report.problems.append(f"{rel}: {url!r}: no id {fragment!r} in {target_rel}")
    return report


def without_pending_verifier(problems: list[str], output: Path) -> list[str]:
    """`problems` less the award pages' links to the browser verifier page, while this build
    does not make it: that page (issue #19) comes from its own branch; once it is built here,
    its links are checked like any other."""
    if (output / "verify").exists():
        return problems
    return [p for p in problems if not re.search(r"-> '([a-z-]+/)?verify/' does not exist", p)]
