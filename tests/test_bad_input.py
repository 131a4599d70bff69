"""Every mistake a maintainer can make gets a clear message, exit 1, and an untouched output/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Project, run_cli, tree_snapshot

AWARDS = "awards/2017-echofablab.yaml"
BADGE = "badges/echofablab.md"


def _edit(rel: str, old: str, new: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        path = project.content / rel
        text = path.read_text("utf-8")
        assert old in text, f"test setup: {old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), "utf-8")

    return apply


def _write(rel: str, text: str | bytes) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        path = project.content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, "utf-8")

    return apply


def _baked(project: Project) -> bytes:
    """The example's PNG badge as a published baked award carries it."""
    from generator.baking import bake_png

    image = (project.content / "images" / "echofablab.png").read_bytes()
    return bake_png(image, "openbadges", '{"id": "https://elsewhere.example/a.json"}')


def _line_of(project: Project, rel: str, needle: str) -> int:
    lines = (project.content / rel).read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


# (id, change, file named in the message, text that must appear, line marker or None)
CASES: list[tuple[str, Callable[[Project], None], str, str, str | None]] = [
    (
        "malformed award yaml",
        _edit(AWARDS, "  - lea.nguyen@example.org", "  - [lea"),
        AWARDS,
        "invalid YAML",
        None,
    ),
    (
        "malformed front matter",
        _edit(BADGE, "tags: [fablab,", "tags: [fablab,:\n  - x"),
        BADGE,
        "front matter: invalid YAML",
        None,
    ),
    (
        "no front matter",
        _write("badges/nofront.md", "Just criteria, no fields.\n"),
        "badges/nofront.md",
        "no YAML front matter",
        None,
    ),
    (
        "badge missing name",
        _edit(BADGE, "name: Expérience echofablab\n", ""),
        BADGE,
        "missing required field 'name'",
        None,
    ),
    (
        "empty criteria",
        _write(
            "badges/empty.md", "---\nname: E\ndescription: D\nimage: images/echofablab.png\n---\n\n"
        ),
        "badges/empty.md",
        "criteria",
        None,
    ),
    (
        "issuer missing email",
        _edit("site.yaml", "  email: badges@pingbase.net\n", ""),
        "site.yaml",
        "missing required field 'issuer.email'",
        None,
    ),
    (
        "award missing recipients",
        _write("awards/norecipients.yaml", "badge: echofablab\nissued_on: 2017-09-15\n"),
        "awards/norecipients.yaml",
        "missing 'recipients'",
        None,
    ),
    (
        "unknown badge slug",
        _edit(AWARDS, "badge: echofablab", "badge: echofab"),
        AWARDS,
        "unknown badge 'echofab'",
        "badge: echofab",
    ),
    (
        "revocation reason in a language the site lacks",
        _edit(
            AWARDS,
            "  - lea.nguyen@example.org",
            "  - email: lea.nguyen@example.org\n    revoked: {fr: Erreur, de: Fehler}",
        ),
        AWARDS,
        "gives a reason in 'de', not a language of this site",
        None,
    ),
    (
        "revocation reason without the default language's",
        _edit(
            AWARDS,
            "  - lea.nguyen@example.org",
            "  - email: lea.nguyen@example.org\n    revoked: {en: Awarded by mistake}",
        ),
        AWARDS,
        "needs the reason in the site's language (fr)",
        None,
    ),
    (
        "translated tags not words",
        _edit(
            "badges/echofablab.en.md",
            "tags: [fablab, ecology, documentation, making together]",
            "tags: {a: b}",
        ),
        "badges/echofablab.en.md",
        "'tags' must be a list of words",
        None,
    ),
    (
        "invalid email",
        _edit(AWARDS, "lea.nguyen@example.org", "lea.nguyen@example"),
        AWARDS,
        "'lea.nguyen@example' is not a valid email address",
        "lea.nguyen@example",
    ),
    (
        "unparseable date",
        _edit(AWARDS, "issued_on: 2017-09-15", "issued_on: 15 septembre 2017"),
        AWARDS,
        "is not a date",
        "issued_on: 15 septembre",
    ),
    (
        "expires before issued_on",
        _edit(AWARDS, "issued_on: 2017-09-15", "issued_on: 2017-09-15\nexpires: 2017-01-01"),
        AWARDS,
        "is not after issued_on",
        None,
    ),
    (
        "missing image file",
        _edit(BADGE, "image: images/echofablab.png", "image: images/nope.png"),
        BADGE,
        "image file 'images/nope.png' not found",
        "image: images/nope.png",
    ),
    (
        "image not png or svg",
        _write("images/echofablab.png", b"GIF89a\x01\x00\x01\x00"),
        BADGE,
        "neither a PNG nor an SVG",
        "image: images/echofablab.png",
    ),
    (
        "unsafe svg",
        _write(
            "images/gestion-de-projet.svg",
            '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        "badges/gestion-de-projet.md",
        "script",
        None,
    ),
    (
        "baked png as a badge image",
        lambda project: _write("images/echofablab.png", _baked(project))(project),
        BADGE,
        "already carries baked badge data (iTXt 'openbadges' chunk)",
        "image: images/echofablab.png",
    ),
    (
        "baked svg as a badge image",
        _write(
            "images/gestion-de-projet.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
            '<openbadges:assertion verify="https://x.example/a.json"/><rect/></svg>',
        ),
        "badges/gestion-de-projet.md",
        "already carries baked badge data (<openbadges:assertion>)",
        "image: images/gestion-de-projet.svg",
    ),
    (
        "duplicate award",
        _edit(
            AWARDS,
            "  - lea.nguyen@example.org",
            "  - lea.nguyen@example.org\n  - LEA.Nguyen@example.org ",
        ),
        AWARDS,
        "duplicate award",
        "LEA.Nguyen",
    ),
    (
        "image path escapes content",
        _edit(BADGE, "image: images/echofablab.png", "image: ../../../etc/passwd"),
        BADGE,
        "points outside content/",
        "image: ../../",
    ),
    (
        "bad badge file name",
        _write("badges/Bad Name.md", "---\nname: x\n---\nx\n"),
        "badges/Bad Name.md",
        "not a valid slug",
        None,
    ),
    (
        "base_url not absolute",
        _edit("site.yaml", "base_url: https://badges.pingbase.net/", "base_url: /badges/"),
        "site.yaml",
        "base_url must be an absolute http(s) URL",
        "base_url:",
    ),
    (
        "unknown field",
        _edit(BADGE, "tags:", "tag: [x]\ntags:"),
        BADGE,
        "unknown field 'tag'",
        "tag: [x]",
    ),
    (
        "published award removed",
        _edit(AWARDS, "  - lea.nguyen@example.org\n", ""),
        "awards",
        "was published and is no longer in the content",
        None,
    ),
]


@pytest.fixture
def built(project: Project) -> Project:
    assert project.build().code == 0
    return project


@pytest.mark.parametrize(
    ("change", "file", "message", "line_marker"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_is_reported_and_output_untouched(
    built: Project,
    change: Callable[[Project], None],
    file: str,
    message: str,
    line_marker: str | None,
) -> None:
    before = tree_snapshot(built.output)
    ledger_before = (built.content / "ledger.json").read_bytes()
    change(built)
    result = built.build()
    assert result.code == 1
    assert "Traceback" not in result.err
    assert message in result.err
    assert f"content/{file}" in result.err
    if line_marker is not None:
        line = _line_of(built, file, line_marker)
        assert f"content/{file}:{line}:" in result.err
    assert "fix:" in result.err, "every problem says what to do"
    assert tree_snapshot(built.output) == before
    assert (built.content / "ledger.json").read_bytes() == ledger_before


def test_all_problems_are_reported_at_once(built: Project) -> None:
    _edit(AWARDS, "badge: echofablab", "badge: nope")(built)
    _edit(BADGE, "image: images/echofablab.png", "image: images/nope.png")(built)
    _edit("awards/2018-gestion-de-projet.yaml", "issued_on: 2018-07-12", "issued_on: 2018-13-45")(
        built
    )
    result = built.build()
    assert result.code == 1
    assert "unknown badge 'nope'" in result.err
    assert "images/nope.png" in result.err
    assert "'2018-13-45' is not a date" in result.err
    assert "problems found" in result.err


def test_bad_base_url_option(built: Project) -> None:
    before = tree_snapshot(built.output)
    result = built.build("--base-url", "ftp://example.org/")
    assert result.code == 1
    assert "--base-url" in result.err and "absolute http(s) URL" in result.err
    assert tree_snapshot(built.output) == before


def test_missing_content_folder(tmp_path: Path) -> None:
    result = run_cli("build", "--content", tmp_path / "nowhere", "--output", tmp_path / "out")
    assert result.code == 1
    assert "content folder not found" in result.err
    assert not (tmp_path / "out").exists()


def test_future_award_is_held_back(project: Project) -> None:
    (project.content / "awards" / "future.yaml").write_text(
        "badge: echofablab\nissued_on: 2999-01-01\nrecipients:\n  - later@example.org\n", "utf-8"
    )
    result = project.build()
    assert result.code == 0, result.err
    assert "future.yaml:4" in result.err and "2999-01-01" in result.err
    published = list((project.output / "assertions").glob("*.json"))
    assert len(published) == 6
    assert "later@example.org" not in result.out + result.err
