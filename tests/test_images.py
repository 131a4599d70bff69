"""Recognising badge images and refusing broken or unsafe ones."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from generator.images import ImageFormatError, check_png, check_svg, png_size, sniff

SAFE_SVG = """<?xml version="1.0" encoding="UTF-8"?>
<!-- a safe badge -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="100" height="100" viewBox="0 0 100 100">
  <defs>
    <linearGradient id="g"><stop offset="0" stop-color="#fc0"/></linearGradient>
    <circle id="dot" r="3"/>
    <style>circle { fill: url(#g); stroke: url( '#g' ); }</style>
  </defs>
  <circle cx="50" cy="50" r="45" fill="url(#g)" style="opacity: 0.9; fill: url(#g)"/>
  <use xlink:href="#dot" x="10" y="10"/>
  <use href="#dot" x="20" y="20"/>
  <image width="1" height="1" href="data:image/png;base64,iVBORw0KGgo="/>
  <image width="1" height="1" xlink:href="data:image/jpeg;base64,/9j/4AAQ"/>
  <text x="50" y="50" font-size="9">Bénévole &amp; co</text>
</svg>
""".encode()


def wrap(body: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f"{body}</svg>"
    ).encode()


def make_png(mode: str = "RGBA", size: tuple[int, int] = (6, 4)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (1, 2, 3, 4) if mode == "RGBA" else (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


def chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


# --- sniff -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (make_png(), "png"),
        (SAFE_SVG, "svg"),
        (b"<svg><g/></svg>", "svg"),
        (b"<s:svg xmlns:s='http://www.w3.org/2000/svg'/>", "svg"),
        (b'<!DOCTYPE svg [<!ENTITY a "b">]><svg>&a;</svg>', "svg"),
        (b"\xef\xbb\xbf<svg xmlns='http://www.w3.org/2000/svg'/>", "svg"),
        (b"<html><svg/></html>", None),
        (b"<svg xmlns='http://example.org/not-svg'/>", None),
        (b"GIF89a\x01\x00", None),
        (b"", None),
        (b"<svg", None),
    ],
)
def test_sniff(data: bytes, expected: str | None) -> None:
    assert sniff(data) == expected


# --- PNG -------------------------------------------------------------------------------------


def test_png_size_and_good_png() -> None:
    for mode in ("RGBA", "RGB"):
        png = make_png(mode, (123, 45))
        assert png_size(png) == (123, 45)
        assert check_png(png) == []
    with pytest.raises(ImageFormatError):
        png_size(b"<svg/>")


def test_check_png_structural_problems() -> None:
    png = make_png()
    idat = png.index(b"IDAT")
    flipped = png[: idat + 5] + bytes([png[idat + 5] ^ 1]) + png[idat + 6 :]
    assert check_png(b"GIF89a") == ["does not start with the PNG signature: this is not a PNG file"]
    [truncated] = check_png(png[:-7])
    assert truncated.startswith("is a damaged PNG (truncated") and "re-export" in truncated
    [crc] = check_png(flipped)
    assert "chunk IDAT" in crc and "wrong CRC" in crc


def test_check_png_undecodable_pixels() -> None:
    # Every chunk is well-formed with a correct CRC, but IDAT is not a zlib stream.
    ihdr = struct.pack(">IIBBBBB", 4, 4, 8, 6, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"garbage!")
        + chunk(b"IEND", b"")
    )
    [problem] = check_png(png)
    assert problem.startswith("cannot be decoded (") and problem.endswith("re-export the image")


# --- SVG -------------------------------------------------------------------------------------


def test_safe_svg_accepted() -> None:
    assert check_svg(SAFE_SVG) == []
    assert check_svg(b"<svg/>") == []


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (
            wrap("<script>alert(1)</script>"),
            "contains a <script> element: remove it; badge images must be static",
        ),
        (
            wrap("<foreignObject><div/></foreignObject>"),
            "contains a <foreignObject> element: remove it; it can embed HTML and scripts",
        ),
        (
            wrap('<iframe src="x"/>'),
            "contains an <iframe> element: remove it; badge images cannot embed documents",
        ),
        (
            wrap('<embed src="x"/>'),
            "contains an <embed> element: remove it; badge images cannot embed documents",
        ),
        (
            wrap('<object data="x"/>'),
            "contains an <object> element: remove it; badge images cannot embed documents",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "has an event attribute onload= on <svg>: remove it; badge images must be static",
        ),
        (
            wrap('<rect onClick="x()"/>'),
            "has an event attribute onClick= on <rect>: remove it; badge images must be static",
        ),
        (
            wrap('<a href="javascript:alert(1)"><text>x</text></a>'),
            "has a script URL in href on <a>: remove it; badge images must be static",
        ),
        (
            wrap('<a xlink:href=" jav&#x09;ascript:alert(1)"/>'),
            "has a script URL in href on <a>: remove it; badge images must be static",
        ),
        (
            wrap('<a href="data:text/html;base64,PHNjcmlwdD4="/>'),
            "has a script URL in href on <a>: remove it; badge images must be static",
        ),
        (
            wrap('<set attributeName="href" to="javascript:alert(1)"/>'),
            "has a script URL in to= on <set>: remove it; badge images must be static",
        ),
        (
            wrap('<image href="https://tracker.example/pixel.png"/>'),
            "links to 'https://tracker.example/pixel.png' in href on <image>: only local '#id' "
            "references and embedded data:image/png, jpeg or gif are allowed",
        ),
        (
            wrap('<use xlink:href="other.svg#icon"/>'),
            "links to 'other.svg#icon' in href on <use>: only local '#id' references and "
            "embedded data:image/png, jpeg or gif are allowed",
        ),
        (
            wrap('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>'),
            "links to 'data:image/svg+xml;base64,PHN2Zy8+' in href on <image>: only local '#id' "
            "references and embedded data:image/png, jpeg or gif are allowed",
        ),
        (
            wrap("<style>@import url(#x);</style>"),
            "a <style> element imports an external stylesheet (@import): inline the rules instead",
        ),
        (
            wrap("<style>rect { fill: url('http://evil.example/p.svg#g') }</style>"),
            "a <style> element loads url(http://evil.example/p.svg#g): only url(#id) and "
            "embedded data:image/png, jpeg or gif are allowed",
        ),
        (
            wrap('<rect style="background: url(https://x.example/a.png)"/>'),
            "the style= attribute on <rect> loads url(https://x.example/a.png): only url(#id) "
            "and embedded data:image/png, jpeg or gif are allowed",
        ),
        (
            wrap('<rect fill="url(https://x.example/g.svg#g)"/>'),
            "the fill= attribute on <rect> loads url(https://x.example/g.svg#g): only url(#id) "
            "and embedded data:image/png, jpeg or gif are allowed",
        ),
        (
            b'<?xml-stylesheet href="https://x.example/s.css"?><svg/>',
            "links a stylesheet with <?xml-stylesheet?>: remove it and inline the styles",
        ),
        (
            b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>',
            "contains a DOCTYPE declaration: remove it; entity declarations are not allowed",
        ),
        (
            b"<html><body/></html>",
            "root element is <html>, not <svg>: not an SVG image",
        ),
    ],
)
def test_unsafe_svg_rejected(svg: bytes, message: str) -> None:
    assert check_svg(svg) == [message]


def test_svg_prefixed_script_and_repeats_reported_once() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:s="http://www.w3.org/2000/svg">'
        b"<s:script/><script/><rect onclick='a'/><rect onclick='b'/></svg>"
    )
    assert check_svg(svg) == [
        "contains a <script> element: remove it; badge images must be static",
        "has an event attribute onclick= on <rect>: remove it; badge images must be static",
    ]


def test_billion_laughs_rejected_without_expansion() -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    svg = f"<!DOCTYPE svg [{''.join(entities)}]><svg>&lol9;</svg>".encode()
    assert check_svg(svg) == [
        "contains a DOCTYPE declaration: remove it; entity declarations are not allowed"
    ]


def test_malformed_svg() -> None:
    [problem] = check_svg(b"<svg><g></svg>")
    assert problem.startswith("is not well-formed XML (line 1, column ")
    assert "mismatched tag" in problem and problem.endswith("fix the markup")
