"""Baking badge data into PNG and SVG images, and reading it back."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from generator.baking import (
    BakingError,
    PngTemplate,
    SvgReader,
    SvgTemplate,
    bake_png,
    bake_svg,
    unbake,
    unbake_png,
    unbake_svg,
)
from generator.images import iter_png_chunks

REPO = Path(__file__).resolve().parent.parent
VALIDATOR_PYTHON = REPO / ".venv-validator" / "bin" / "python"
OB_NS = "http://openbadges.org"
SVG_NS = "http://www.w3.org/2000/svg"

URL = "https://badges.example.org/assertions/abc.json"
TRICKY = '{"name": "Crème ]]> brûlée <b> & \\"quoted\\" \'single\' ]]]>> ]]", "x": "日本 ✓"}'


def make_png(mode: str = "RGB", info: PngImagePlugin.PngInfo | None = None) -> bytes:
    colours = {"RGB": (200, 30, 60), "RGBA": (10, 200, 30, 128), "L": 77, "P": 3}
    img = Image.new(mode, (7, 5), colours[mode])
    img.putpixel((3, 2), colours[mode] if mode in ("L", "P") else tuple(range(len(mode))))
    out = io.BytesIO()
    img.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def raw_chunks(png: bytes) -> list[bytes]:
    return [png[c.start : c.end] for c in iter_png_chunks(png)]


def pixels(png: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(png)) as img:
        return img.mode, img.size, img.tobytes()


# --- PNG -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P"])
@pytest.mark.parametrize("keyword", ["openbadges", "openbadgecredential"])
def test_png_round_trip(mode: str, keyword: str) -> None:
    baked = bake_png(make_png(mode), keyword, URL)
    assert unbake_png(baked, keyword) == URL
    assert unbake(baked, keyword) == URL
    other = "openbadgecredential" if keyword == "openbadges" else "openbadges"
    assert unbake_png(baked, other) is None


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P"])
def test_png_bake_only_adds_one_chunk_after_ihdr(mode: str) -> None:
    original = make_png(mode)
    baked = PngTemplate(original).bake("openbadges", URL)
    before, after = raw_chunks(original), raw_chunks(baked)
    assert after[0] == before[0]  # IHDR
    assert after[1][4:8] == b"iTXt"
    assert after[:1] + after[2:] == before  # every other chunk byte-identical, same order
    assert pixels(baked) == pixels(original)
    with Image.open(io.BytesIO(baked)) as img:
        img.verify()  # Pillow checks every chunk CRC here


def test_png_itxt_layout_and_crc() -> None:
    text = "https://example.org/a/é?x=ü"
    baked = bake_png(make_png(), "openbadges", text)
    chunk = raw_chunks(baked)[1]
    (length,) = struct.unpack(">I", chunk[:4])
    body = chunk[8:-4]
    assert length == len(body)
    assert body == b"openbadges\x00\x00\x00\x00\x00" + text.encode("utf-8")
    assert struct.unpack(">I", chunk[-4:])[0] == zlib.crc32(b"iTXt" + body)
    with Image.open(io.BytesIO(baked)) as img:
        img.load()
        assert img.text["openbadges"] == text


def test_png_unicode_text_round_trips() -> None:
    jws = "eyJhbGciOiJSUzI1NiJ9.eyJuYW1lIjoiw4lsw6huZSJ9.c2ln"
    for text in ["Élène Ñúñez — 日本語 ✓ 🎖", jws, "", "a" * 100_000]:
        assert unbake_png(bake_png(make_png("RGBA"), "openbadges", text)) == text


def test_png_rebake_replaces_existing_badge_chunks_and_keeps_others() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "made by hand")
    info.add_text("openbadges", "old tEXt")
    info.add_itxt("openbadges", "old iTXt", zip=True)
    info.add_text("openbadgecredential", "old 3.0", zip=True)  # zTXt
    original = make_png("RGBA", info)
    assert unbake_png(original) == "old iTXt"  # iTXt wins, even compressed

    baked = bake_png(original, "openbadges", "new")
    rebaked = bake_png(baked, "openbadges", "newer")
    for png, expected in [(baked, "new"), (rebaked, "newer")]:
        with Image.open(io.BytesIO(png)) as img:
            img.load()
            assert img.text == {"Comment": "made by hand", "openbadges": expected}
        assert unbake_png(png) == expected
        assert unbake_png(png, "openbadgecredential") is None
    assert pixels(rebaked) == pixels(original)
    assert bake_png(rebaked, "openbadges", "new") == baked  # re-baking is clean


def test_png_template_is_reusable() -> None:
    template = PngTemplate(make_png())
    outputs = [template.bake("openbadges", f"{URL}?n={n}") for n in range(3)]
    assert [unbake_png(o) for o in outputs] == [f"{URL}?n={n}" for n in range(3)]
    assert outputs[0] == bake_png(make_png(), "openbadges", f"{URL}?n=0")


def test_png_unbake_reads_text_chunk() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("openbadges", URL)
    assert unbake_png(make_png(info=info)) == URL
    assert unbake_png(make_png()) is None


def _corrupt(png: bytes) -> dict[str, bytes]:
    chunks = raw_chunks(png)
    idat = png.index(b"IDAT")
    return {
        "signature": b"\x89PNG\r\n\x1a\x00" + png[8:],
        "truncated": png[: len(png) - 20],
        "crc": png[: idat + 6] + bytes([png[idat + 6] ^ 0xFF]) + png[idat + 7 :],
        "no IEND": png[: len(png) - 12],
        "trailing data": png + b"junk",
        "no IHDR first": png[:8] + b"".join(chunks[1:]),
        "empty": b"",
    }


@pytest.mark.parametrize("case", list(_corrupt(make_png())))
def test_malformed_png_raises(case: str) -> None:
    bad = _corrupt(make_png())[case]
    with pytest.raises(BakingError):
        PngTemplate(bad)
    with pytest.raises(BakingError):
        unbake_png(bad)


def test_png_rejects_bad_keyword_and_nul_text() -> None:
    template = PngTemplate(make_png())
    for keyword in ["", "k" * 80, "tab\tkey", "ключ"]:
        with pytest.raises(BakingError):
            template.bake(keyword, URL)
    with pytest.raises(BakingError):
        template.bake("openbadges", "a\x00b")


def test_unbake_rejects_other_data() -> None:
    with pytest.raises(BakingError):
        unbake(b"GIF89a...")


# --- SVG -----------------------------------------------------------------------------------

PLAIN_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<circle cx="5" cy="5" r="4" fill="red"/></svg>\n'
)
DECLARED_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">\n  <rect width="4"/>\n</svg>\n'
)
WITH_NAMESPACE = (
    b"<svg xmlns='http://www.w3.org/2000/svg' xmlns:openbadges='http://openbadges.org'><g/></svg>"
)


def baked_element(svg: bytes) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{{{SVG_NS}}}svg"
    return root[0]


@pytest.mark.parametrize("source", [PLAIN_SVG, DECLARED_SVG, WITH_NAMESPACE])
def test_svg_round_trip_with_tricky_payload(source: bytes) -> None:
    verify = 'https://example.org/a?x=1&y="2"<>\t'
    baked = bake_svg(source, keyword="assertion", verify=verify, payload=TRICKY)
    assert unbake_svg(baked) == (verify, TRICKY)
    assert unbake(baked) == TRICKY
    first = baked_element(baked)  # well-formed, and ours is the first child
    assert first.tag == f"{{{OB_NS}}}assertion"
    assert first.text == TRICKY
    assert first.get("verify") == verify
    assert baked.count(b"xmlns:openbadges=") == 1
    assert 0 <= baked.find(b"<svg") <= 252


def test_svg_keeps_declaration_comment_and_drawing() -> None:
    baked = bake_svg(DECLARED_SVG, keyword="assertion", verify=URL, payload="{}")
    assert baked.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n<svg')
    assert baked.endswith(b'>\n  <rect width="4"/>\n</svg>\n')
    root = ET.fromstring(baked)
    assert [child.tag for child in root] == [f"{{{OB_NS}}}assertion", f"{{{SVG_NS}}}rect"]
    assert root.get("viewBox") == "0 0 10 10"


def test_svg_moves_root_into_first_256_bytes() -> None:
    long_prolog = (
        b'<?xml version="1.0" encoding="utf-8"?>\n<!-- ' + b"x" * 300 + b" -->\n"
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    )
    baked = bake_svg(long_prolog + PLAIN_SVG, keyword="assertion", verify=URL, payload="{}")
    assert baked.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<svg ')
    assert b"DOCTYPE" not in baked and b"xxx" not in baked
    assert unbake_svg(baked) == (URL, "{}")
    # A short prolog is left alone.
    short = bake_svg(b"<!-- hi -->" + PLAIN_SVG, keyword="assertion", verify=URL, payload="{}")
    assert short.startswith(b"<!-- hi --><svg ")


def test_svg_credential_without_verify() -> None:
    payload = json.dumps({"type": ["VerifiableCredential"], "name": "Élan ]]>"})
    baked = bake_svg(PLAIN_SVG, keyword="credential", verify=None, payload=payload)
    assert b"<openbadges:credential><![CDATA[" in baked
    assert unbake_svg(baked) == (None, payload)
    assert unbake_svg(baked, element="assertion") == (None, None)
    assert unbake(baked, "openbadgecredential") == payload
    assert unbake(baked, "openbadges") is None


def test_svg_rebake_replaces_previous_element() -> None:
    once = bake_svg(DECLARED_SVG, keyword="assertion", verify=URL, payload='{"n": 1}')
    twice = bake_svg(once, keyword="assertion", verify=URL, payload='{"n": 2}')
    assert twice.count(b"openbadges:assertion") == 2  # one open tag, one close tag
    assert unbake_svg(twice) == (URL, '{"n": 2}')
    assert bake_svg(twice, keyword="assertion", verify=URL, payload='{"n": 1}') == once
    # A 3.0 bake replaces a 2.0 one too, whatever prefix it was written with.
    foreign = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><g/>'
        b'<ob:assertion xmlns:ob="http://openbadges.org" verify="x">old</ob:assertion></svg>'
    )
    baked = bake_svg(foreign, keyword="credential", verify=None, payload="{}")
    assert b"old" not in baked and b"ob:assertion" not in baked
    assert [c.tag for c in ET.fromstring(baked)] == [f"{{{OB_NS}}}credential", f"{{{SVG_NS}}}g"]


def test_svg_self_closing_root_and_unprefixed_no_namespace_root() -> None:
    baked = bake_svg(b'<svg width="1"/>', keyword="assertion", verify=URL, payload="[]")
    assert baked == (
        b'<svg xmlns:openbadges="http://openbadges.org" width="1">'
        b'<openbadges:assertion verify="' + URL.encode() + b'"><![CDATA[[]]]>'
        b"</openbadges:assertion></svg>"
    )
    assert unbake_svg(baked) == (URL, "[]")


def test_svg_template_is_reusable() -> None:
    template = SvgTemplate(PLAIN_SVG)
    a = template.bake(keyword="assertion", verify=URL, payload='{"a": 1}')
    b = template.bake(keyword="assertion", verify=URL, payload='{"b": 2}')
    assert unbake_svg(a) == (URL, '{"a": 1}') and unbake_svg(b) == (URL, '{"b": 2}')


@pytest.mark.parametrize(
    "svg",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>",
        b"<html><body/></html>",
        b"<s:svg xmlns:s='http://www.w3.org/2000/svg'/>",
        b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>',
        b"<?xml version='1.0' encoding='ISO-8859-1'?><svg/>",
        "<svg/>".encode("utf-16"),
        b"<svg xmlns:openbadges='http://example.org/other'/>",
        b"not xml at all",
    ],
)
def test_svg_bad_input_raises(svg: bytes) -> None:
    with pytest.raises(BakingError):
        SvgTemplate(svg)


def test_svg_rejects_payload_xml_cannot_carry() -> None:
    for payload in ["bell \x07", "crlf\r\n", "\ufffe"]:
        with pytest.raises(BakingError):
            bake_svg(PLAIN_SVG, keyword="assertion", verify=URL, payload=payload)
    with pytest.raises(BakingError):
        bake_svg(PLAIN_SVG, keyword="badge", verify=URL, payload="{}")  # type: ignore[arg-type]


def test_unbake_svg_without_badge() -> None:
    assert unbake_svg(PLAIN_SVG) == (None, None)
    assert unbake(PLAIN_SVG) is None


# Any text XML 1.0 can carry (CR excluded: parsers turn it into LF), brackets favoured.
_xml_text = st.text(
    alphabet=st.one_of(
        st.sampled_from("]]>]<&'\"\n\t"),
        st.characters(
            codec="utf-8", exclude_characters="\r\ufffe\uffff", exclude_categories=["Cs", "Cc"]
        ),
    )
)


@settings(max_examples=150, deadline=None)
@given(payload=_xml_text, verify=st.one_of(st.none(), _xml_text))
def test_svg_round_trip_property(payload: str, verify: str | None) -> None:
    baked = SvgTemplate(DECLARED_SVG).bake(keyword="assertion", verify=verify, payload=payload)
    assert unbake_svg(baked) == (verify, payload or None)
    assert baked_element(baked).text == (payload or None)


def _reader_answer(reader: SvgReader, svg: bytes) -> object:
    try:
        return reader.unbake(svg, "assertion")
    except BakingError as exc:
        return ("error", str(exc))


def _full_answer(svg: bytes) -> object:
    try:
        return unbake_svg(svg, element="assertion")
    except BakingError as exc:
        return ("error", str(exc))


def test_svg_reader_answers_as_a_full_parse_in_a_known_image() -> None:
    reader = SvgReader()
    good = bake_svg(DECLARED_SVG, keyword="assertion", verify=URL, payload='{"n": 1}')
    assert reader.unbake(good, "assertion") == (URL, '{"n": 1}')
    cut = good.index(b"<openbadges:")
    end = good.index(b"</openbadges:assertion>") + len(b"</openbadges:assertion>")
    # Other elements in the same place of the same image: what a full parse says, each time.
    variants = [
        b'<openbadges:assertion verify="' + URL.encode() + b'"><![CDATA[{"n": 2}]]>'
        b"</openbadges:assertion>",
        b'<openbadges:assertion verify="a&amp;b">text &lt; &#233;</openbadges:assertion>',
        b'<openbadges:assertion verify="u"><![CDATA[unclosed</openbadges:assertion>',
        b'<openbadges:assertion verify="u"><b></openbadges:assertion>',
        b'<openbadges:assertion verify="u"><x:y/></openbadges:assertion>',
        b'<openbadges:assertion verify="u">&nbsp;</openbadges:assertion>',
        b'<openbadges:assertion xmlns:openbadges="http://example.org/other" verify="u">'
        b"x</openbadges:assertion>",
        b'<openbadges:assertionX verify="u">x</openbadges:assertion>',
        b'<openbadges:assertion verify="u"/><openbadges:assertion>y</openbadges:assertion>',
        b'<openbadges:assertion verify="u">a</openbadges:assertion></svg><svg>',
    ]
    for piece in variants:
        svg = good[:cut] + piece + good[end:]
        assert _reader_answer(reader, svg) == _full_answer(svg), piece
    assert _reader_answer(reader, good) == (URL, '{"n": 1}')
    assert len(reader._skeletons) == 1  # the image was parsed in full once, then reused


@settings(max_examples=100, deadline=None)
@given(
    bakes=st.lists(
        st.tuples(st.sampled_from([PLAIN_SVG, DECLARED_SVG, WITH_NAMESPACE]), _xml_text),
        min_size=1,
        max_size=6,
    )
)
def test_svg_reader_property(bakes: list[tuple[bytes, str]]) -> None:
    reader = SvgReader()
    for source, payload in bakes:
        baked = bake_svg(source, keyword="assertion", verify=URL, payload=payload)
        assert reader.unbake(baked, "assertion") == unbake_svg(baked, element="assertion")


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00")))
def test_png_round_trip_property(text: str) -> None:
    assert unbake_png(_PNG_TEMPLATE.bake("openbadges", text)) == text


_PNG_TEMPLATE = PngTemplate(make_png("RGBA"))


# --- Cross-check with the reference bakery (1EdTech openbadges-bakery 2.0.0) -------------

_BAKERY_SCRIPT = """
import json, sys
from openbadges_bakery import bake, unbake
out = {}
for path in sys.argv[1:]:
    if path.endswith(".src"):
        with open(path, "rb") as f:
            baked = bake(f, "BAKERY " + path)
        with open(path + ".baked", "wb") as g:
            g.write(baked.read())
    else:
        with open(path, "rb") as f:
            out[path] = unbake(f)
print(json.dumps(out))
"""


@pytest.mark.slow
def test_reference_bakery_reads_our_images(tmp_path: Path) -> None:
    if not VALIDATOR_PYTHON.exists():
        pytest.fail(
            f"{VALIDATOR_PYTHON} is missing: run `bash tests/tools/setup_validator.sh` first"
        )
    long_prolog = b'<?xml version="1.0"?>\n<!-- ' + b"y" * 400 + b" -->\n"
    plain_payload = json.dumps({"id": URL, "name": "Élan vital <3 & co"})
    cases: dict[str, tuple[bytes, str]] = {
        "rgb.png": (bake_png(make_png(), "openbadges", URL), URL),
        "rgba.png": (bake_png(make_png("RGBA"), "openbadges", "Élène ✓ " + URL), "Élène ✓ " + URL),
        # The bakery returns the verify attribute when present, else the CDATA payload.
        "verify.svg": (
            bake_svg(long_prolog + PLAIN_SVG, keyword="assertion", verify=URL, payload=TRICKY),
            URL,
        ),
        "payload.svg": (
            bake_svg(DECLARED_SVG, keyword="assertion", verify=None, payload=plain_payload),
            plain_payload,
        ),
    }
    paths = []
    for name, (data, _) in cases.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    # Images the bakery bakes itself (".src"), to check that we read its output.
    for name, data in {"theirs.png.src": make_png("RGBA"), "theirs.svg.src": DECLARED_SVG}.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))

    run = subprocess.run(
        [str(VALIDATOR_PYTHON), "-c", _BAKERY_SCRIPT, *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    for name, (_, expected) in cases.items():
        assert results[str(tmp_path / name)] == expected, name
    for name in ["theirs.png.src", "theirs.svg.src"]:
        baked = (tmp_path / (name + ".baked")).read_bytes()
        assert unbake(baked) == f"BAKERY {tmp_path / name}"
