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
  </defs>
  <circle cx="50" cy="50" r="45" fill="url(#g)" style="opacity: 0.9; fill: url(#g)"/>
  <use xlink:href="#dot" x="10" y="10"/>
  <use href="#dot" x="20" y="20"/>
  <image width="1" height="1" href="data:image/png;base64,iVBORw0KGgo="/>
  <image width="1" height="1" xlink:href="data:image/jpeg;base64,/9j/4AAQ"/>
  <text x="50" y="50" font-size="9" style="font-family:'Open Sans', sans-serif;
        fill:rgb(10, 20, 30) !important;stroke: url( '#g' )">Bénévole &amp; co</text>
  <g transform="translate(2 3) rotate(45)" clip-path="url(#c)" aria-label="ok (fine)"
     data-name="Layer 1">
    <clipPath id="c"><rect width="9" height="9"/></clipPath>
  </g>
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
    assert check_svg(b'<svg xmlns="http://www.w3.org/2000/svg"/>') == []


REMOVE = "remove it"
OTHER = (
    "only static drawing is allowed (shapes, paths, text, gradients, patterns, clip paths, "
    "masks, markers, filters, <use> of a local #id); remove it"
)


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (
            wrap("<script>alert(1)</script>"),
            "line 1: <script> is not allowed in a badge image: badge images must be static; "
            "remove it",
        ),
        (
            wrap("<foreignObject><div/></foreignObject>"),
            "line 1: <foreignObject> is not allowed in a badge image: it can embed HTML and "
            "scripts; remove it",
        ),
        (
            wrap('<iframe src="x"/>'),
            "line 1: <iframe> is not allowed in a badge image: badge images cannot embed "
            "documents; remove it",
        ),
        (
            wrap("<switch><rect/></switch>"),
            f"line 1: <switch> is not allowed in a badge image: {OTHER}",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "line 1: has an event attribute onload= on <svg>: remove it; badge images must be "
            "static",
        ),
        (
            wrap('<rect onClick="x()"/>'),
            "line 1: has an event attribute onClick= on <rect>: remove it; badge images must be "
            "static",
        ),
        (
            wrap('<a href="javascript:alert(1)"><text>x</text></a>'),
            "line 1: <a> is not allowed in a badge image: badge images cannot link anywhere; "
            "remove it",
        ),
        (
            wrap('<set attributeName="href" to="javascript:alert(1)"/>'),
            "line 1: <set> is not allowed in a badge image: animations can change links and load "
            "URLs; remove it",
        ),
        (
            wrap('<image href="https://tracker.example/pixel.png"/>'),
            "line 1: href='https://tracker.example/pixel.png' on <image>: only a local '#id' or "
            "an embedded data:image/png, jpeg or gif (base64) is allowed",
        ),
        (
            wrap('<use xlink:href="other.svg#icon"/>'),
            "line 1: xlink:href='other.svg#icon' on <use>: only a local '#id' is allowed",
        ),
        (
            wrap('<rect xlink:href="#a"/>'),
            "line 1: xlink:href= on <rect> is not allowed: remove it",
        ),
        (
            wrap('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>'),
            "line 1: href='data:image/svg+xml;base64,PHN2Zy8+' on <image>: only a local '#id' or "
            "an embedded data:image/png, jpeg or gif (base64) is allowed",
        ),
        (
            wrap("<style>rect { fill: red }</style>"),
            "line 1: <style> is not allowed in a badge image: style sheets can load URLs; move "
            "the rules into style= or presentation attributes such as fill= and stroke= (SVGO's "
            "inlineStyles does it)",
        ),
        (
            wrap('<rect style="background: url(https://x.example/a.png)"/>'),
            "line 1: style= on <rect> sets background, which is not an allowed property",
        ),
        (
            wrap('<rect style="fill: \\75rl(https://x.example/a.svg#a)"/>'),
            "line 1: style= on <rect> fill: '\\\\75rl(https://x.example/a.svg#a)' contains a CSS "
            "escape (\\)",
        ),
        (
            wrap("<rect style=\"fill: image-set('https://x.example/a.png' 1x)\"/>"),
            "line 1: style= on <rect> fill: \"image-set('https://x.example/a.png' 1x)\" uses "
            "image-set(): only colours, transforms and url(#id) are allowed",
        ),
        (
            wrap('<rect fill="url(https://x.example/g.svg#g)"/>'),
            "line 1: fill='url(https://x.example/g.svg#g)' on <rect> loads a url() that is not a "
            "local #id",
        ),
        (
            wrap('<rect cursor="url(https://x.example/c.png), auto"/>'),
            "line 1: cursor= on <rect> is not an allowed attribute: remove it",
        ),
        (
            wrap('<g xml:base="https://x.example/"/>'),
            "line 1: xml:base= on <g> is not allowed: remove it",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" '
            b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:version="1"/>',
            "line 1: version= on <svg> (namespace http://www.inkscape.org/namespaces/inkscape) is "
            "not SVG: remove it; an editor's own data goes too: export as plain SVG (Inkscape: "
            "'Plain SVG') or optimise the file with SVGO or scour",
        ),
        (
            b"<svg><g/></svg>",
            'line 1: <svg> is not in the SVG namespace: add xmlns="http://www.w3.org/2000/svg" to '
            "the root <svg> element",
        ),
        (
            b'<?xml-stylesheet href="https://x.example/s.css"?>'
            b'<svg xmlns="http://www.w3.org/2000/svg"/>',
            "line 1: links a stylesheet with <?xml-stylesheet?>: remove it",
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


def test_svg_refused_element_reported_once_with_its_line() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:s="http://www.w3.org/2000/svg">\n'
        b"<s:script/>\n<foreignObject><script/><div/></foreignObject>\n<rect onclick='a'/></svg>"
    )
    assert [p.split(":")[0] for p in check_svg(svg)] == ["line 2", "line 3", "line 4"]


def test_baked_svg_refused_as_a_source_image() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="https://x.example/a.json"><![CDATA[{}]]>'
        b"</openbadges:assertion></svg>"
    )
    [problem] = check_svg(svg)
    assert "already carries baked badge data (<openbadges:assertion>)" in problem
    assert "use the original image" in problem


def test_billion_laughs_rejected_without_expansion() -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    svg = f"<!DOCTYPE svg [{''.join(entities)}]><svg>&lol9;</svg>".encode()
    assert check_svg(svg) == [
        "contains a DOCTYPE declaration: remove it; entity declarations are not allowed"
    ]


def test_malformed_svg() -> None:
    [problem] = check_svg(b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>")
    assert problem.startswith("is not well-formed XML (line 1, column ")
    assert "mismatched tag" in problem and problem.endswith("fix the markup")


@pytest.mark.parametrize(
    ("ctype", "keyword"),
    [(b"iTXt", b"openbadges"), (b"tEXt", b"openbadgecredential"), (b"zTXt", b"OpenBadges")],
)
def test_baked_png_refused_as_a_source_image(ctype: bytes, keyword: bytes) -> None:
    png = make_png()
    ihdr_end = 8 + 25
    text = b"\x00\x00\x00\x00{}" if ctype == b"iTXt" else b"{}"
    if ctype == b"zTXt":
        text = b"\x00" + zlib.compress(b"{}")
    baked = png[:ihdr_end] + chunk(ctype, keyword + b"\x00" + text) + png[ihdr_end:]
    [problem] = check_png(baked)
    assert problem == (
        f"already carries baked badge data ({ctype.decode()} '{keyword.decode().lower()}' "
        "chunk): use the original image, not a baked badge (Insigne bakes each award itself)"
    )
    assert check_png(png) == []
