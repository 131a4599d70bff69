"""A recipient's address in anything published is refused when the content is loaded.

The five leaks found (an HTML character reference in a translated badge, an IDN address, a PNG
zTXt chunk, `&#64;` in an SVG, `%40` in a URL) and more spellings: `insigne check` (the
pre-commit hook) and `insigne build` both exit 1, name the content file and line, never suggest
--no-verify, and leave output/ as it was.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.emailguard import canonical_address, decode
from tests.conftest import Project, run_cli, tree_snapshot

ECHO = "awards/2017-echofablab.yaml"
GESTION = "awards/2018-gestion-de-projet.yaml"


def _append(rel: str, text: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        path = project.content / rel
        path.write_text(path.read_text("utf-8") + text, "utf-8")

    return apply


def _replace(rel: str, old: str, new: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        path = project.content / rel
        text = path.read_text("utf-8")
        assert old in text, f"test setup: {old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), "utf-8")

    return apply


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def _png_with_ztxt(text: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        path = project.content / "images" / "echofablab.png"
        png = path.read_bytes()
        ztxt = _chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(text.encode("latin-1")))
        path.write_bytes(png[:33] + ztxt + png[33:])

    return apply


IDN_RECIPIENT = "\n  - email: jose@bücher.example\n    name: José\n"

# (id, change, content file named, marker of the line named or None, what the message says)
CASES: list[tuple[str, Callable[[Project], None], str, str | None, str]] = [
    (
        "html entity in a translated badge",
        _append("badges/echofablab.en.md", "\nWrite to lea.nguyen&#64;example.org for help.\n"),
        "badges/echofablab.en.md",
        "Write to lea.nguyen",
        f"the criteria contains the email address of a recipient (the one given in {ECHO}:18)",
    ),
    (
        "named entity and mixed case in a description",
        _replace(
            "badges/echofablab.md",
            "description: >-\n",
            "description: >-\n  Ask LEA.Nguyen&commat;Example.ORG.\n",
        ),
        "badges/echofablab.md",
        "Ask LEA.Nguyen",
        "description contains the email address of a recipient",
    ),
    (
        "idn address written in punycode",
        _append(
            ECHO,
            IDN_RECIPIENT + "  - email: ana@example.org\n    name: jose@xn--bcher-kva.example\n",
        ),
        ECHO,
        "name: jose@xn--bcher-kva",
        f"the recipient's name contains the email address of a recipient (the one given in {ECHO}:",
    ),
    (
        "punycode address written in unicode",
        _append(
            ECHO,
            "\n  - email: jose@xn--bcher-kva.example\n  - email: ana@example.org\n"
            "    narrative: Thanks to JOSE@BÜCHER.example!\n",
        ),
        ECHO,
        "narrative: Thanks to JOSE",
        "the narrative contains the email address of a recipient",
    ),
    (
        "png ztxt chunk",
        _png_with_ztxt("Made by Camille.Martin@Example.org"),
        "images/echofablab.png",
        None,
        "its zTXt chunk 'Comment' contains the email address of a recipient (the one given in "
        f"{ECHO}:11)",
    ),
    (
        "numeric reference in an svg",
        _replace(
            "images/gestion-de-projet.svg",
            "</svg>",
            '<text x="9" y="390">thomas.bernard&#64;example.org</text>\n</svg>',
        ),
        "images/gestion-de-projet.svg",
        "thomas.bernard&#64;",
        f"contains the email address of a recipient (the one given in {GESTION}:11)",
    ),
    (
        "svg text split over elements",
        _replace(
            "images/gestion-de-projet.svg",
            "</svg>",
            "<text>thomas.bernard<tspan>@</tspan>example.org</text>\n</svg>",
        ),
        "images/gestion-de-projet.svg",
        None,
        "its text contains the email address of a recipient",
    ),
    (
        "percent-encoded address in an evidence url",
        _replace(
            GESTION,
            "evidence: https://wiki.example.org/projets/compost-connecte",
            "evidence: https://wiki.example.org/u?who=Thomas.Bernard%40example.org",
        ),
        GESTION,
        "evidence: https://wiki.example.org/u?who",
        "evidence[1].url contains the email address of a recipient",
    ),
    (
        "twice percent-encoded in an evidence name",
        _replace(ECHO, 'name: "Fil Twitter #echofablab"', 'name: "amina.diallo%2540example.org"'),
        ECHO,
        'name: "amina.diallo',
        "evidence[2].name contains the email address of a recipient",
    ),
    (
        "fullwidth at sign in site.yaml",
        _replace(
            "site.yaml",
            "  description: >-\n",
            "  description: >-\n    Contact jerome.leclerc＠example.org.\n",
        ),
        "site.yaml",
        "Contact jerome",
        "issuer.description contains the email address of a recipient",
    ),
]


@pytest.fixture
def built(project: Project) -> Project:
    assert project.build().code == 0
    return project


def _line(project: Project, rel: str, marker: str) -> int:
    lines = (project.content / rel).read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if marker in line)


@pytest.mark.parametrize(
    ("change", "rel", "marker", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_address_in_published_content_is_refused(
    built: Project, change: Callable[[Project], None], rel: str, marker: str | None, message: str
) -> None:
    before = tree_snapshot(built.output)
    change(built)
    where = f"content/{rel}:{_line(built, rel, marker)}: " if marker else f"content/{rel}"
    for command in ("check", "build"):
        extra = ("--output", built.output) if command == "build" else ()
        result = run_cli(command, "--content", built.content, *extra)
        assert result.code == 1, (command, result.err)
        assert "Traceback" not in result.err
        assert where in result.err, (command, result.err)
        assert message in result.err, (command, result.err)
        assert "fix: remove the address" in result.err
        assert "no-verify" not in result.out + result.err
        assert tree_snapshot(built.output) == before


def test_pre_hashed_recipients_and_the_issuer_address_are_fine(built: Project) -> None:
    # The issuer's contact is published on purpose; a pre-hashed identity has no address.
    _append(
        ECHO,
        '\n  - identity: "sha256$' + "0" * 64 + '"\n    salt: "abc"\n'
        "    narrative: Write to badges@pingbase.net\n",
    )(built)
    result = built.build()
    assert result.code == 0, result.err


def test_self_check_points_at_the_content_never_at_no_verify(built: Project) -> None:
    # Not a recipient's address, so the content check lets it through: the self-check of the
    # built site stops it, and says where to look.
    before = tree_snapshot(built.output)
    _append("badges/echofablab.md", "\nWrite to someone.else@example.net.\n")(built)
    result = built.build()
    assert result.code == 1
    assert "plaintext email address(es) published: someone.else@example.net" in result.err
    assert "find it in the content" in result.err
    assert "no-verify" not in result.err
    assert tree_snapshot(built.output) == before


@pytest.mark.parametrize(
    "spelling",
    [
        "lea.nguyen@example.org",
        "LEA.NGUYEN@EXAMPLE.ORG",
        "lea.nguyen&#64;example.org",
        "lea.nguyen&#x40;example.org",
        "lea.nguyen&commat;example.org",
        "lea.nguyen%40example.org",
        "lea.nguyen%2540example.org",
        "lea.nguyen＠example.org",
        "lea.ngu\u200byen@example.org",
        "mailto:lea.nguyen@example.org?subject=hi",
    ],
)
def test_decode_finds_every_spelling(spelling: str) -> None:
    assert "lea.nguyen@example.org" in decode(spelling)


def test_canonical_address_of_an_idn() -> None:
    assert canonical_address("Jose@XN--BCHER-KVA.example") == "jose@bücher.example"
    assert canonical_address("jose@Bücher.example") == "jose@bücher.example"
    assert canonical_address("no-at-sign") is None


def test_many_recipients_are_checked_in_one_pass(tmp_path: Path) -> None:
    from generator.emailguard import AddressFinder, Declared

    where = Declared(tmp_path / "a.yaml", 1)
    finder = AddressFinder({f"p{i}@example.org": where for i in range(10_000)}, tmp_path)
    assert finder.find("hello xp9999@example.org.") == ["p9999@example.org"]
    assert finder.find("p1@example.organisation p2@other.org") == ["p1@example.org"]
    assert finder.find("no address here, 100% sure & certain") == []
