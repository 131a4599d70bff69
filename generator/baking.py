"""Open Badges baking: put badge data inside a PNG or SVG without touching its pixels.

PNG (OB 2.0 baking spec): one uncompressed iTXt chunk, keyword `openbadges` (2.0) or
`openbadgecredential` (3.0), placed right after IHDR. SVG: an `<openbadges:assertion
verify="URL">` (2.0) or `<openbadges:credential>` (3.0) element holding the JSON in CDATA,
first child of the root `<svg>`, with `<svg` kept within the first 256 bytes because the
reference bakery sniffs only those.

A template parses its image once; each bake is then a few byte concatenations, since a build
bakes every award of a badge from the same image.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Literal
from xml.parsers import expat

from generator.images import (
    BAKED_PNG_KEYWORDS,
    ImageFormatError,
    PngChunk,
    iter_png_chunks,
    sniff,
)

OB_NS = "http://openbadges.org"
# The iTXt keywords of baked Open Badges 2.0 assertions and 3.0 credentials (one list, shared
# with the source-image check that refuses an already baked badge).
PNG_KEYWORDS = BAKED_PNG_KEYWORDS
_PNG_KEYWORDS_RAW = {k.encode("ascii") for k in PNG_KEYWORDS}
_TEXT_CHUNKS = (b"tEXt", b"iTXt", b"zTXt")
_SVG_NS = "http://www.w3.org/2000/svg"
# The reference bakery finds SVGs with re.search(b"<svg", data[:256]).
_SVG_SNIFF_WINDOW = 256

SvgElement = Literal["assertion", "credential"]


class BakingError(ValueError):
    """The image cannot be baked or read: malformed, or the data does not fit the format."""


# --- PNG ---------------------------------------------------------------------------------


def _chunks(png: bytes) -> list[PngChunk]:
    try:
        return list(iter_png_chunks(png))
    except ImageFormatError as exc:
        raise BakingError(f"malformed PNG: {exc}") from exc


def _chunk_keyword(chunk: PngChunk) -> bytes:
    return chunk.body.split(b"\x00", 1)[0]


def _check_keyword(keyword: str) -> bytes:
    # PNG keywords: 1-79 printable Latin-1 characters (PNG spec, 11.3.4.2).
    try:
        raw = keyword.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise BakingError(f"PNG keyword {keyword!r} is not Latin-1") from exc
    if not 1 <= len(raw) <= 79 or any(b < 32 or 126 < b < 161 for b in raw):
        raise BakingError(f"invalid PNG keyword {keyword!r}")
    return raw


def _itxt_chunk(keyword: bytes, text: str) -> bytes:
    if "\x00" in text:
        raise BakingError("baked text cannot contain NUL characters")
    # keyword NUL, compression flag 0, method 0, empty language tag NUL, empty translated
    # keyword NUL, then UTF-8 text.
    body = keyword + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")
    tagged = b"iTXt" + body
    return struct.pack(">I", len(body)) + tagged + struct.pack(">I", zlib.crc32(tagged))


class PngTemplate:
    """A PNG parsed once, ready to bake many times.

    Existing `openbadges`/`openbadgecredential` text chunks are dropped so re-baking a baked
    image leaves exactly one.
    """

    __slots__ = ("head", "tail", "_keywords")

    def __init__(self, png: bytes) -> None:
        chunks = _chunks(png)
        ihdr = chunks[0]
        kept = [
            png[c.start : c.end]
            for c in chunks[1:]
            if not (c.type in _TEXT_CHUNKS and _chunk_keyword(c) in _PNG_KEYWORDS_RAW)
        ]
        self.head: bytes = png[: ihdr.end]  # signature + IHDR
        self.tail: bytes = b"".join(kept)  # the other chunks, through IEND
        self._keywords: dict[str, bytes] = {}

    def bake(self, keyword: str, text: str) -> bytes:
        raw = self._keywords.get(keyword)
        if raw is None:
            raw = self._keywords[keyword] = _check_keyword(keyword)
        return self.head + _itxt_chunk(raw, text) + self.tail


def bake_png(png: bytes, keyword: str, text: str) -> bytes:
    """Bake once; use PngTemplate when baking the same image many times."""
    return PngTemplate(png).bake(keyword, text)


def _read_text_chunk(chunk: PngChunk) -> str:
    body = chunk.body
    try:
        if chunk.type == b"tEXt":
            return body.split(b"\x00", 1)[1].decode("latin-1")
        if chunk.type == b"zTXt":
            _, rest = body.split(b"\x00", 1)
            if rest[:1] != b"\x00":
                raise BakingError("zTXt chunk uses an unknown compression method")
            return zlib.decompress(rest[1:]).decode("latin-1")
        _, rest = body.split(b"\x00", 1)
        flag, method = rest[0], rest[1]
        _language, _translated, text = rest[2:].split(b"\x00", 2)
        if flag == 1:
            if method != 0:
                raise BakingError("iTXt chunk uses an unknown compression method")
            text = zlib.decompress(text)
        elif flag != 0:
            raise BakingError("iTXt chunk has an invalid compression flag")
        return text.decode("utf-8")
    except (ValueError, IndexError, zlib.error) as exc:
        if isinstance(exc, BakingError):
            raise
        kind = chunk.type.decode()
        raise BakingError(f"malformed {kind} chunk at byte {chunk.start}: {exc}") from exc


def unbake_png(png: bytes, keyword: str = "openbadges") -> str | None:
    """The text baked under `keyword`, or None. iTXt wins over tEXt/zTXt, as in the spec."""
    wanted = _check_keyword(keyword)
    fallback: PngChunk | None = None
    for chunk in _chunks(png):
        if chunk.type in _TEXT_CHUNKS and _chunk_keyword(chunk) == wanted:
            if chunk.type == b"iTXt":
                return _read_text_chunk(chunk)
            fallback = fallback or chunk
    return None if fallback is None else _read_text_chunk(fallback)


# --- SVG ---------------------------------------------------------------------------------

_START_TAG = re.compile(rb"<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*(/?)>")
_XML_DECL = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\s.*?\?>", re.DOTALL)
# Characters XML 1.0 cannot carry at all, not even in CDATA.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# In CDATA a carriage return would also be read back as a line feed, changing the payload.
_NOT_CDATA_CHAR = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ATTR_ESCAPES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "\t": "&#9;",
        "\n": "&#10;",
        "\r": "&#13;",
    }
)
_OB_ELEMENTS = {f"{OB_NS} assertion": "assertion", f"{OB_NS} credential": "credential"}


class _SvgScan:
    """One expat pass over an SVG: where the root tag is and where baked elements are."""

    def __init__(self, data: bytes) -> None:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise BakingError("SVG must be UTF-8 encoded, not UTF-16")
        self.data = data
        self.root_start = -1
        self.root_tag_end = -1
        self.root_self_closing = False
        self.root_namespaces: dict[str, str] = {}
        # (element kind, start, end, verify attribute, text) for each top-level baked element.
        self.baked: list[tuple[str, int, int, str | None, str]] = []
        self._pending_ns: dict[str, str] = {}
        self._depth = 0
        # While inside a baked element: (kind, start offset, depth, end offset or -1).
        self._open: tuple[str, int, int, int] | None = None
        self._verify: str | None = None
        self._text: list[str] = []

        parser = expat.ParserCreate(namespace_separator=" ")
        self._parser = parser
        parser.XmlDeclHandler = self._on_xml_decl
        parser.EntityDeclHandler = self._on_entity
        parser.StartNamespaceDeclHandler = self._on_ns
        parser.StartElementHandler = self._on_start
        parser.EndElementHandler = self._on_end
        parser.CharacterDataHandler = self._on_text
        try:
            parser.Parse(data, True)
        except expat.ExpatError as exc:
            raise BakingError(
                f"malformed SVG: {expat.ErrorString(exc.code)} at line {exc.lineno}"
            ) from exc

    def _on_xml_decl(self, _version: str, encoding: str | None, _standalone: int) -> None:
        if encoding is not None and encoding.lower() not in ("utf-8", "utf8"):
            raise BakingError(f"SVG must be UTF-8 encoded, not {encoding}")

    def _on_entity(self, *_: object) -> None:
        raise BakingError("SVG declares entities: remove the DOCTYPE")

    def _on_ns(self, prefix: str | None, uri: str) -> None:
        self._pending_ns[prefix or ""] = uri

    def _tag_end(self, start: int) -> tuple[int, bool]:
        match = _START_TAG.match(self.data, start)
        if match is None:  # expat accepted it, so this means our pattern is too narrow
            raise BakingError(f"cannot locate the end of the tag at byte {start}")
        return match.end(), match.group(1) == b"/"

    def _on_start(self, name: str, attrs: dict[str, str]) -> None:
        start = self._parser.CurrentByteIndex
        if self._depth == 0:
            if name not in ("svg", f"{_SVG_NS} svg"):
                raise BakingError(f"root element is not <svg> but {name.split(' ')[-1]!r}")
            if not re.match(rb"<svg[\s/>]", self.data[start : start + 5]):
                raise BakingError("the root element must be written <svg ...>, without a prefix")
            self.root_start = start
            self.root_tag_end, self.root_self_closing = self._tag_end(start)
            self.root_namespaces = self._pending_ns
        elif self._open is None and name in _OB_ELEMENTS:
            tag_end, empty = self._tag_end(start)
            self._open = (_OB_ELEMENTS[name], start, self._depth, tag_end if empty else -1)
            self._verify = attrs.get("verify")
            self._text = []
        self._pending_ns = {}
        self._depth += 1

    def _on_end(self, _name: str) -> None:
        self._depth -= 1
        if self._open is not None and self._open[2] == self._depth:
            kind, start, _, end = self._open
            if end < 0:
                close = self._parser.CurrentByteIndex
                end = self.data.index(b">", close) + 1
            self.baked.append((kind, start, end, self._verify, "".join(self._text)))
            self._open = None

    def _on_text(self, text: str) -> None:
        if self._open is not None:
            self._text.append(text)


class SvgTemplate:
    """An SVG validated and cut once around the insertion point, ready to bake many times."""

    __slots__ = ("head", "tail")

    def __init__(self, svg: bytes) -> None:
        scan = _SvgScan(svg)
        prolog = svg[: scan.root_start]
        if scan.root_start + 4 > _SVG_SNIFF_WINDOW:
            # Comments or a DOCTYPE push `<svg` out of reach of sniffers; keep only the
            # XML declaration (entities were refused, so the DOCTYPE carries nothing we need).
            decl = _XML_DECL.match(svg)
            prolog = decl.group(0) + b"\n" if decl else b""
            if len(prolog) + 4 > _SVG_SNIFF_WINDOW:
                raise BakingError("the XML declaration is too long to keep <svg in 256 bytes")

        declared = scan.root_namespaces.get("openbadges")
        if declared is not None and declared != OB_NS:
            raise BakingError(f"the root declares xmlns:openbadges={declared!r}, not {OB_NS!r}")
        namespace = b"" if declared else b' xmlns:openbadges="' + OB_NS.encode() + b'"'

        start, tag_end = scan.root_start, scan.root_tag_end
        if scan.root_self_closing:
            attrs = svg[start + 4 : svg.rindex(b"/", start, tag_end)]
            self.head = prolog + b"<svg" + namespace + attrs + b">"
            self.tail = b"</svg>" + svg[tag_end:]
            return
        self.head = prolog + b"<svg" + namespace + svg[start + 4 : tag_end]
        pieces = []
        pos = tag_end
        for _kind, old_start, old_end, _verify, _text in scan.baked:
            pieces.append(svg[pos:old_start])
            pos = old_end
        pieces.append(svg[pos:])
        self.tail = b"".join(pieces)

    def bake(self, *, keyword: SvgElement, verify: str | None, payload: str) -> bytes:
        if keyword not in ("assertion", "credential"):
            raise BakingError(
                f"SVG baking keyword must be assertion or credential, not {keyword!r}"
            )
        bad = _NOT_CDATA_CHAR.search(payload)
        if bad:
            raise BakingError(f"payload contains U+{ord(bad.group()):04X}, which SVG cannot carry")
        # `]]>` would end the section early: close it after `]]` and reopen before `>`.
        cdata = "<![CDATA[" + payload.replace("]]>", "]]]]><![CDATA[>") + "]]>"
        if verify is None:
            open_tag = f"<openbadges:{keyword}>"
        else:
            if _NOT_XML_CHAR.search(verify):
                raise BakingError("verify URL contains characters not allowed in XML")
            open_tag = f'<openbadges:{keyword} verify="{verify.translate(_ATTR_ESCAPES)}">'
        element = f"{open_tag}{cdata}</openbadges:{keyword}>".encode()
        return self.head + element + self.tail


def bake_svg(svg: bytes, *, keyword: SvgElement, verify: str | None, payload: str) -> bytes:
    """Bake once; use SvgTemplate when baking the same image many times."""
    return SvgTemplate(svg).bake(keyword=keyword, verify=verify, payload=payload)


def unbake_svg(svg: bytes, *, element: SvgElement | None = None) -> tuple[str | None, str | None]:
    """(verify URL, payload) of the first baked element (of kind `element` if given)."""
    for kind, _start, _end, verify, text in _SvgScan(svg).baked:
        if element is None or kind == element:
            return verify, text or None
    return None, None


class SvgReader:
    """Reads the baked element of many SVGs, parsing each distinct image around it only once.

    A build bakes every award of a badge into the same image, so checking thousands of baked
    SVGs reparses the same few images over and over. Here an SVG is cut into its first baked
    element and the rest (its skeleton). The first time a skeleton is seen the whole SVG is
    parsed; once that parse has found the element exactly where the cut is, any other
    well-formed element at that place in that skeleton makes a well-formed SVG too, so for the
    next SVGs with that skeleton only their element is parsed. Anything else (an element that
    declares namespaces, does not parse alone, or is not where the scan expects it) gets the
    full parse, so the answers and errors are always those of `unbake_svg`.
    """

    _MAX_SKELETONS = 256  # distinct images kept; beyond that, every SVG is parsed in full

    def __init__(self) -> None:
        self._skeletons: set[tuple[bytes, int]] = set()

    def unbake(self, svg: bytes, element: SvgElement) -> tuple[str | None, str | None]:
        """(verify URL, payload) of the first baked `element`, as `unbake_svg` gives it."""
        start = svg.find(b"<openbadges:" + element.encode())
        close = b"</openbadges:" + element.encode() + b">"
        closed_at = svg.find(close, start) if start >= 0 else -1
        end = closed_at + len(close) if closed_at >= 0 else -1
        piece = svg[start:end] if end >= 0 else b""
        key = (svg[:start] + svg[end:], start) if piece and b"xmlns" not in piece else None
        if key is not None and key in self._skeletons:
            wrapped = b'<svg xmlns:openbadges="' + OB_NS.encode() + b'">' + piece + b"</svg>"
            try:
                scan = _SvgScan(wrapped)
            except BakingError:
                scan = None
            if scan is not None and scan.baked and scan.baked[0][0] == element:
                _kind, _start, _end, verify, text = scan.baked[0]
                return verify, text or None
        for kind, found_start, found_end, verify, text in _SvgScan(svg).baked:
            if kind == element:
                if (
                    key is not None
                    and (found_start, found_end) == (start, end)
                    and len(self._skeletons) < self._MAX_SKELETONS
                ):
                    self._skeletons.add(key)
                return verify, text or None
        return None, None


_SVG_ELEMENT_FOR_KEYWORD: dict[str, SvgElement] = {
    "openbadges": "assertion",
    "openbadgecredential": "credential",
}


def unbake(data: bytes, keyword: str = "openbadges") -> str | None:
    """The baked data of a PNG or SVG: the PNG text, or the SVG payload (else its verify URL)."""
    kind = sniff(data)
    if kind == "png":
        return unbake_png(data, keyword)
    if kind == "svg":
        element = _SVG_ELEMENT_FOR_KEYWORD.get(keyword)
        if element is None:
            raise BakingError(f"unknown baking keyword {keyword!r}")
        verify, payload = unbake_svg(data, element=element)
        return payload if payload is not None else verify
    raise BakingError("not a PNG or SVG image")
