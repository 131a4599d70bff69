"""Recognise badge images and list what would make them unsafe or unusable to publish.

Byte-level only: PNG structure is walked chunk by chunk; SVG is checked against an allow-list
(generator/svgpolicy.py) by expat after refusing any DOCTYPE, so no entity is ever expanded.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from xml.parsers import expat

from generator.svgpolicy import SVG_NS, svg_problems

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Text chunks under these keywords hold baked badge data (Open Badges baking specification).
BAKED_PNG_KEYWORDS = ("openbadges", "openbadgecredential")
_TEXT_CHUNKS = (b"tEXt", b"iTXt", b"zTXt")

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


def baked_keyword(chunk: PngChunk) -> str | None:
    """The baking keyword of a text chunk that holds badge data, else None.

    Compared ignoring case: no verifier reads "OpenBadges", but a source image has no
    business carrying anything that looks like one.
    """
    if chunk.type not in _TEXT_CHUNKS:
        return None
    keyword = chunk.body.split(b"\x00", 1)[0].decode("latin-1").lower()
    return keyword if keyword in BAKED_PNG_KEYWORDS else None


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
        chunks = list(iter_png_chunks(data))
    except ImageFormatError as exc:
        return [f"is a damaged PNG ({exc}): re-export the image"]
    baked = [c for c in chunks if baked_keyword(c) is not None]
    if baked:
        # Refused, not stripped: the badge image is published byte for byte, and a baked
        # badge as the source means someone else's award would be republished with it.
        found = ", ".join(f"{c.type.decode()} '{baked_keyword(c)}'" for c in baked)
        return [
            f"already carries baked badge data ({found} chunk): use the original image, "
            "not a baked badge (Insigne bakes each award itself)"
        ]
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


def check_svg(data: bytes) -> list[str]:
    """Problems that make these bytes unfit or unsafe to host as a badge SVG; empty when fine.

    An allow-list: see generator/svgpolicy.py for what a badge SVG may contain.
    """
    return svg_problems(data)
