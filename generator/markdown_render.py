"""Markdown to HTML for criteria and narratives, safe to publish from any contributor's text.

Raw HTML in the Markdown is shown as text (the raw-HTML processors are removed, so the escaping
stage sees it), and links or images whose scheme is not http(s), mailto or relative are dropped:
content is written by volunteers and reviewed loosely, and a criteria page must never run script.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

_SAFE_SCHEMES = {"", "http", "https", "mailto"}


class _SafeLinks(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None:
                    continue
                try:
                    scheme = urlsplit(value.strip()).scheme.lower()
                except ValueError:
                    scheme = "invalid"
                if scheme not in _SAFE_SCHEMES:
                    del element.attrib[attribute]
            if element.tag == "a" and element.get("href", "").startswith(("http:", "https:")):
                element.set("rel", "nofollow noopener")


class _NoRawHtml(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - markdown's API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "insigne_safe_links", 0)


def _new_renderer() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[_NoRawHtml(), "markdown.extensions.sane_lists", "markdown.extensions.tables"],
        output_format="html",
    )


_renderer = _new_renderer()


def render_markdown(text: str) -> str:
    _renderer.reset()
    return _renderer.convert(text)
