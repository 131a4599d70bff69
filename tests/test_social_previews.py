"""Social previews: every page's og:image is a 1200x630 PNG that exists, made at build time.

LinkedIn, Facebook and X show no SVG in link previews: an SVG badge's og:image used to show
nothing. Each badge and the issuer's image get a PNG preview (generator/previews.py), rendered
again only when the image it is made from changes.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from generator import pages, previews
from generator.content import load_model
from tests.conftest import EXAMPLE_CONTENT, Project
from tests.pagecheck import parse_page

BASE = "http://127.0.0.1:8000/"
LOCALES = Path(__file__).resolve().parent.parent / "generator" / "locales"
SOCIAL = ("og:type", "og:title", "og:description", "og:image", "og:url", "twitter:card")


def _copy_example(root: Path) -> Project:
    project = Project(root)
    shutil.copytree(EXAMPLE_CONTENT, project.content)
    return project


def _revoke_lea(project: Project) -> None:
    path = project.content / "awards" / "2017-echofablab.yaml"
    text = path.read_text("utf-8")
    changed = text.replace(
        "  - lea.nguyen@example.org",
        '  - email: lea.nguyen@example.org\n    revoked: "Attribué par erreur"',
    )
    assert changed != text
    path.write_text(changed, "utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = _copy_example(tmp_path_factory.mktemp("social") / "project")
    _revoke_lea(project)
    result = project.build("--base-url", BASE)
    assert result.code == 0, result.err
    return project


def _pages(output: Path) -> dict[str, str]:
    return {
        p.relative_to(output).as_posix(): p.read_text("utf-8")
        for p in sorted(output.rglob("*.html"))
        if p.name != "404.html"
    }


def test_every_page_type_shares_an_existing_png_of_the_right_size(built: Project) -> None:
    output = built.output
    kinds = set()
    for rel, html in _pages(output).items():
        meta = parse_page(html).meta
        missing = [name for name in SOCIAL if not meta.get(name)]
        assert not missing, (rel, missing)
        image = meta["og:image"]
        assert image.startswith(BASE) and image.endswith(".png"), (rel, image)
        assert meta["twitter:image"] == image, rel
        assert meta["twitter:card"] == "summary_large_image", rel
        assert meta["og:url"] == BASE + rel, rel
        path = output / image.removeprefix(BASE)
        with Image.open(path) as png:
            assert png.format == "PNG", rel
            assert png.size == (1200, 630), (rel, png.size)
            assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
            assert meta["og:image:type"] == "image/png"
            # The badge is drawn, not a blank canvas: its centre is not the background.
            assert png.convert("RGB").getpixel((600, 315)) != (255, 255, 255), rel
        kinds.add(rel.removeprefix("en/").split("/")[0])
    assert kinds == {"index.html", "issuer.html", "badges", "awards", "verify"}


def test_svg_badge_pages_share_its_png_preview(built: Project) -> None:
    html = (built.output / "badges" / "gestion-de-projet.html").read_text("utf-8")
    meta = parse_page(html).meta
    assert meta["og:image"] == BASE + "previews/badges/gestion-de-projet.png"
    assert (built.content / "images" / "gestion-de-projet.svg").is_file()


def test_revoked_award_says_so_when_shared_in_the_page_language(built: Project) -> None:
    model = load_model(built.content, BASE).model
    [revoked] = [a for a in model.awards if a.revoked]
    issuer = model.site.issuer.name
    for prefix, language in (("", "fr"), ("en/", "en")):
        catalogue = json.loads((LOCALES / f"{language}.json").read_text("utf-8"))
        expected = catalogue["award_share_revoked"].format(issuer=issuer)
        html = (built.output / f"{prefix}awards/{revoked.id}.html").read_text("utf-8")
        meta = parse_page(html).meta
        assert meta["og:description"] == expected
        assert meta["twitter:description"] == expected
    assert "révoqué" in expected.lower() or "revoked" in expected.lower()
    valid = next(a for a in model.awards if not a.revoked)
    meta = parse_page((built.output / f"awards/{valid.id}.html").read_text("utf-8")).meta
    assert "évoqué" not in meta["og:description"]


def test_previews_are_reproducible_byte_for_byte(built: Project, tmp_path: Path) -> None:
    again = _copy_example(tmp_path / "again")
    _revoke_lea(again)
    assert again.build("--base-url", BASE).code == 0
    first = sorted((built.output / "previews").rglob("*.png"))
    assert [p.relative_to(built.output).as_posix() for p in first] == [
        "previews/badges/echofablab.png",
        "previews/badges/gestion-de-projet.png",
        "previews/issuer.png",
    ]
    for path in first:
        rel = path.relative_to(built.output)
        assert (again.output / rel).read_bytes() == path.read_bytes(), rel


def test_preview_is_rendered_again_only_when_its_image_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _copy_example(tmp_path / "project")
    rendered: list[str] = []
    real = pages.preview_png

    def counting(data: bytes, kind: str, background: str = "#ffffff") -> bytes:
        rendered.append(kind)
        return real(data, kind, background)

    monkeypatch.setattr(pages, "preview_png", counting)
    assert project.build("--base-url", BASE).code == 0
    assert sorted(rendered) == ["png", "png", "svg"]  # issuer, echofablab, gestion-de-projet
    svg_preview = project.output / "previews" / "badges" / "gestion-de-projet.png"
    before = svg_preview.read_bytes()

    rendered.clear()
    (project.content / "awards" / "2019.yaml").write_text(
        "badge: gestion-de-projet\nissued_on: 2019-01-10\nrecipients:\n  - nouvelle@example.org\n",
        "utf-8",
    )
    assert project.build("--base-url", BASE).code == 0
    assert rendered == []

    rendered.clear()
    svg = project.content / "images" / "gestion-de-projet.svg"
    svg.write_text(svg.read_text("utf-8").replace("#e67814", "#b00020"), "utf-8")
    assert project.build("--base-url", BASE).code == 0
    assert rendered == ["svg"]
    assert svg_preview.read_bytes() != before


@pytest.mark.parametrize(
    "svg",
    [
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<image xlink:href="file:///etc/passwd" width="9" height="9"/></svg>',
        b'<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
)
def test_only_an_svg_that_passes_the_badge_checks_is_rendered(svg: bytes) -> None:
    with pytest.raises(previews.PreviewError):
        previews.preview_png(svg, "svg")


def test_theme_background_is_the_preview_background(tmp_path: Path) -> None:
    css = tmp_path / "style.css"
    css.write_text(
        ":root {\n  --bg: #FAF0E6;\n}\n@media (prefers-color-scheme: dark) {\n"
        "  :root { --bg: #000000; }\n}\n",
        "utf-8",
    )
    assert previews.theme_background(css) == "#faf0e6"
    assert previews.theme_background(None) == previews.DEFAULT_BACKGROUND
    svg = (EXAMPLE_CONTENT / "images" / "gestion-de-projet.svg").read_bytes()
    with Image.open(io.BytesIO(previews.preview_png(svg, "svg", "#faf0e6"))) as png:
        assert png.convert("RGB").getpixel((5, 5)) == (0xFA, 0xF0, 0xE6)
