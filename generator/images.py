"""Recognise badge images and list what would make them unsafe or unusable to publish.

Byte-level only: PNG structure is walked chunk by chunk, SVG is parsed with the standard
library after refusing any DOCTYPE, so no entity is ever expanded (billion laughs).
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from xml.parsers import expat

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "http://www.w3.org/2000/svg"

# A chunk's declared length is at most 2**31 - 1 (PNG spec, 5.3).
_MAX_CHUNK_LENGTH = 0x7FFFFFFF
_CHUNK_TYPE = re.compile(rb"[A-Za-z]{4}")


class ImageFormatError(ValueError):
    """The bytes are not a structurally valid image of the expected kind."""


@dataclass(frozen=True)
class PngChunk:
    type: bytes
    start: int  # offset of the length field
    end: int  # offset just past the CRC
    body: bytes


def iter_png_chunks(data: bytes) -> Iterator[PngChunk]:
    """Yield every chunk up to and including IEND, checking lengths, types and CRCs.

    Raises ImageFormatError on the first structural fault, including bytes after IEND.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise ImageFormatError("does not start with the PNG signature")
    pos = len(PNG_SIGNATURE)
    size = len(data)
    first = True
    while True:
        if pos + 12 > size:
            raise ImageFormatError(f"truncated: chunk header at byte {pos} is incomplete")
        (length,) = struct.unpack_from(">I", data, pos)
        ctype = data[pos + 4 : pos + 8]
        if length > _MAX_CHUNK_LENGTH or not _CHUNK_TYPE.fullmatch(ctype):
            raise ImageFormatError(f"corrupt chunk header at byte {pos}")
        end = pos + 12 + length
        if end > size:
            raise ImageFormatError(f"truncated: chunk {ctype.decode()} at byte {pos} is cut short")
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(ctype + body) != crc:
            raise ImageFormatError(f"chunk {ctype.decode()} at byte {pos} has a wrong CRC")
        if first and (ctype != b"IHDR" or length != 13):
            raise ImageFormatError("the first chunk is not a 13-byte IHDR")
        first = False
        yield PngChunk(ctype, pos, end, body)
        pos = end
        if ctype == b"IEND":
            if pos != size:
                raise ImageFormatError(f"{size - pos} bytes of data after the IEND chunk")
            return


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from IHDR (no decoding)."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 24:
        raise ImageFormatError("not a PNG with an IHDR chunk")
    width, height = struct.unpack_from(">II", data, 16)
    return width, height


def check_png(data: bytes) -> list[str]:
    """Problems that make these bytes unfit as a badge PNG; empty when fine."""
    if not data.startswith(PNG_SIGNATURE):
        return ["does not start with the PNG signature: this is not a PNG file"]
    try:
        for _ in iter_png_chunks(data):
            pass
    except ImageFormatError as exc:
        return [f"is a damaged PNG ({exc}): re-export the image"]
    # Imported here so baking and sniffing never pay for Pillow.
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                img.verify()
            # verify() does not decompress IDAT; load() proves the pixels decode.
            with Image.open(io.BytesIO(data)) as img:
                img.load()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        width, height = png_size(data)
        return [f"is {width}x{height} pixels, too large to decode safely: scale it down"]
    except Exception as exc:  # Pillow raises many types for broken files
        return [f"cannot be decoded ({exc}): re-export the image"]
    return []


class _StopParsing(Exception):
    pass


def sniff(data: bytes) -> Literal["png", "svg"] | None:
    """'png' or 'svg' from the content itself, never from a file name."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    found: list[str] = []

    def on_doctype(name: str, *_: object) -> None:
        found.append(f"doctype {name}")

    def on_entity(*_: object) -> None:
        # Stop before any entity can be expanded; an SVG doctype still identifies the kind.
        raise _StopParsing

    def on_start(name: str, attrs: object) -> None:
        found.append(name)
        raise _StopParsing

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_entity
    parser.StartElementHandler = on_start
    try:
        parser.Parse(data, True)
    except _StopParsing:
        pass
    except expat.ExpatError:
        if not found:
            return None
    if not found:
        return None
    last = found[-1]
    if last.startswith("doctype "):
        return "svg" if last.removeprefix("doctype ") == "svg" else None
    return "svg" if last in ("svg", f"{SVG_NS} svg") else None


# --- SVG safety -------------------------------------------------------------------------

_EMBEDDING = {"iframe", "embed", "object"}
_SAFE_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif)[;,]")
_DANGEROUS_URL = re.compile(r"(?:javascript|vbscript):|data:text/html")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)
# Browsers ignore ASCII whitespace and control characters inside URL schemes.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _squash(value: str) -> str:
    return _URL_NOISE.sub("", value).lower()


def _safe_reference(value: str) -> bool:
    squashed = _squash(value)
    return squashed.startswith("#") or bool(_SAFE_DATA_IMAGE.match(squashed))


def _short(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _css_problems(css: str, where: str) -> list[str]:
    problems = []
    if _CSS_IMPORT.search(css):
        problems.append(
            f"{where} imports an external stylesheet (@import): inline the rules instead"
        )
    for match in _CSS_URL.finditer(css):
        target = match.group(2)
        if not _safe_reference(target):
            problems.append(
                f"{where} loads url({_short(target)}): only url(#id) and embedded "
                "data:image/png, jpeg or gif are allowed"
            )
    return problems


def _prescan(data: bytes) -> list[str]:
    """Refuse DOCTYPE (hence entities) and external stylesheets before ElementTree parses."""
    problems: list[str] = []

    def on_doctype(*_: object) -> None:
        problems.append(
            "contains a DOCTYPE declaration: remove it; entity declarations are not allowed"
        )
        raise _StopParsing

    def on_pi(target: str, _data: str) -> None:
        if target.lower() == "xml-stylesheet":
            problems.append(
                "links a stylesheet with <?xml-stylesheet?>: remove it and inline the styles"
            )

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_doctype
    parser.ProcessingInstructionHandler = on_pi
    try:
        parser.Parse(data, True)
    except _StopParsing:
        pass
    except expat.ExpatError as exc:
        problems.append(
            f"is not well-formed XML (line {exc.lineno}, column {exc.offset + 1}: "
            f"{expat.ErrorString(exc.code)}): fix the markup"
        )
    return problems


def check_svg(data: bytes) -> list[str]:
    """Problems that make these bytes unfit or unsafe to host as a badge SVG; empty when fine."""
    problems = _prescan(data)
    if problems and not problems[0].startswith("links a stylesheet"):
        return problems
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:  # pragma: no cover - the prescan already caught it
        return [*problems, f"is not well-formed XML ({exc}): fix the markup"]
    if root.tag not in ("svg", f"{{{SVG_NS}}}svg"):
        return [*problems, f"root element is <{_local(root.tag)}>, not <svg>: not an SVG image"]

    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = _local(element.tag)
        lowered = tag.lower()
        if lowered == "script":
            problems.append("contains a <script> element: remove it; badge images must be static")
        elif lowered == "foreignobject":
            problems.append(
                "contains a <foreignObject> element: remove it; it can embed HTML and scripts"
            )
        elif lowered in _EMBEDDING:
            problems.append(
                f"contains an <{tag}> element: remove it; badge images cannot embed documents"
            )
        elif lowered == "style" and element.text:
            problems.extend(_css_problems("".join(element.itertext()), "a <style> element"))
        for name, value in element.attrib.items():
            attr = _local(name)
            attr_lower = attr.lower()
            squashed = _squash(value)
            if attr_lower.startswith("on"):
                problems.append(
                    f"has an event attribute {attr}= on <{tag}>: remove it; "
                    "badge images must be static"
                )
            elif attr_lower == "href":
                if _DANGEROUS_URL.search(squashed):
                    problems.append(
                        f"has a script URL in href on <{tag}>: remove it; "
                        "badge images must be static"
                    )
                elif not _safe_reference(value):
                    problems.append(
                        f"links to {_short(value)!r} in href on <{tag}>: only local '#id' "
                        "references and embedded data:image/png, jpeg or gif are allowed"
                    )
            elif _DANGEROUS_URL.search(squashed):
                problems.append(
                    f"has a script URL in {attr}= on <{tag}>: remove it; "
                    "badge images must be static"
                )
            elif attr_lower == "style" or "url(" in squashed:
                problems.extend(_css_problems(value, f"the {attr}= attribute on <{tag}>"))
    # One line per distinct problem, in document order.
    return list(dict.fromkeys(problems))
