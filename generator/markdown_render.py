"""Markdown to HTML for criteria and narratives, safe to publish from any contributor's text.

Raw HTML in the Markdown is shown as text (the raw-HTML processors are removed, so the escaping
stage sees it), and links or images whose scheme is not http(s), mailto or relative are dropped:
content is written by volunteers and reviewed loosely, and a criteria page must never run script.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from functools import cache
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.treeprocessors import Treeprocessor

_SAFE_SCHEMES = {"", "http", "https", "mailto"}
# Browsers drop these anywhere in a URL before reading its scheme ("java\tscript:" runs).
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]+")


def is_safe_url(value: str) -> bool:
    """True for http(s), mailto and relative URLs, as a browser will read the attribute.

    Markdown keeps character references in attributes as written, and the browser decodes them:
    `jav&#x61;script:` is `javascript:` by the time it is followed. So the check decodes them
    (repeatedly, to be safe) and removes what browsers ignore before looking at the scheme.
    """
    decoded = value
    for _ in range(5):
        unescaped = html.unescape(decoded)
        if unescaped == decoded:
            break
        decoded = unescaped
    else:
        return False
    try:
        scheme = urlsplit(_IGNORED_IN_URL.sub("", decoded)).scheme.lower()
    except ValueError:
        return False
    return scheme in _SAFE_SCHEMES


def safe_url(value: str | None) -> str | None:
    """`value` when it is safe to put in an href, else None (templates then show no link)."""
    return value if value is not None and is_safe_url(value) else None


class _SafeLinks(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not is_safe_url(value):
                    del element.attrib[attribute]
            if element.tag == "a" and element.get("href", "").startswith(("http:", "https:")):
                element.set("rel", "nofollow noopener")


class _NoRawHtml(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - markdown's API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "insigne_safe_links", 0)


def _new_renderer() -> markdown.Markdown:
    # Extensions as objects, not names: a name is looked up among the installed packages'
    # entry points (importlib.metadata), which alone costs more than a small rebuild's pages.
    return markdown.Markdown(
        extensions=[_NoRawHtml(), SaneListExtension(), TableExtension()],
        output_format="html",
    )


@cache
def _renderer() -> markdown.Markdown:
    # Made on first use: a rebuild whose criteria are all cached renders no Markdown, and
    # making the renderer (loading its extensions) costs more than such a build's pages.
    return _new_renderer()


def render_markdown(text: str) -> str:
    renderer = _renderer()
    renderer.reset()
    return renderer.convert(text)
