"""ESCO picked offline: import of the official CSV layout, search, `esco add`, checks, pages.

The fixture in tests/data/esco/ follows the official download (one folder per language named
like the package, skills_<lang>.csv and occupations_<lang>.csv with their columns), in French
and English, with one obsolete skill.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from generator.esco.concepts import Concept, alignment_fields, form_problem, parse_uri
from generator.esco.index import fold, open_index
from generator.yamledit import append_item
from tests.conftest import EXAMPLE_CONTENT, Project, run_cli
from tests.test_ob3_schemas import ACHIEVEMENT
from tests.test_ob3_schemas import problems as schema_problems

DATA = Path(__file__).parent / "data" / "esco"
FR = DATA / "ESCO dataset - v1.2.0 - classification - fr - csv"
EN = DATA / "ESCO dataset - v1.2.0 - classification - en - csv"
SKILL = "http://data.europa.eu/esco/skill/"
MANAGE_PROJECTS = SKILL + "7111b95d-0ce3-441a-9d92-4c75d05c4388"
SOLDER = SKILL + "4a9e2c61-8d07-4f3b-a5c2-6e1d9b0f3a27"
OBSOLETE = SKILL + "e4607cb9-fd5f-4164-a8f9-a0b1c2d3e4f7"
PROJECT_MANAGER = "http://data.europa.eu/esco/occupation/f5718dca-ec6a-4275-b90a-b1c2d3e4f508"
BADGE = "badges/gestion-de-projet.md"


def index_file() -> Path:
    return Path(os.environ["INSIGNE_ESCO_DIR"]) / "index.sqlite3"


@pytest.fixture
def imported() -> None:
    result = run_cli("esco", "import", DATA)
    assert result.code == 0, result.err


def search(*args: str) -> list[str]:
    result = run_cli("esco", "search", *args)
    assert result.code == 0, result.err
    return result.out.splitlines()


def without_alignments(path: Path) -> None:
    """The example badge as it was before its ESCO alignment was added."""
    text = path.read_text("utf-8")
    start = text.index("alignments:\n")
    end = text.index("---\n", start)
    path.write_text(text[:start] + text[end:], "utf-8")


# --- import ---------------------------------------------------------------------------------


def test_import_reads_the_official_layout_and_its_version(imported: None) -> None:
    index = open_index(index_file())
    assert index is not None
    try:
        assert index.version == "1.2.0"
        assert index.languages() == ["en", "fr"]
        concept = index.concept(MANAGE_PROJECTS, "en")
        assert concept is not None
        assert concept.label == "perform project management"
        assert concept.kind == "skill" and not concept.obsolete
        assert "manage projects" in concept.alt_labels  # one per line in the CSV field
        obsolete = index.concept(OBSOLETE, "fr")
        assert obsolete is not None and obsolete.obsolete and obsolete.status == "obsolete"
    finally:
        index.close()


def test_import_one_language_at_a_time_keeps_the_others(tmp_path: Path) -> None:
    assert run_cli("esco", "import", FR).code == 0
    result = run_cli("esco", "import", EN)
    assert result.code == 0, result.err
    assert "kept from the previous index: fr" in result.out
    index = open_index(index_file())
    assert index is not None
    assert index.languages() == ["en", "fr"]
    index.close()


def test_import_needs_the_version(tmp_path: Path) -> None:
    folder = tmp_path / "esco-fr"
    shutil.copytree(FR, folder)
    result = run_cli("esco", "import", folder)
    assert result.code == 1
    assert "cannot tell the ESCO version" in result.err and "--version 1.2.0" in result.err
    assert not index_file().exists()
    assert run_cli("esco", "import", folder, "--version", "v1.2.0").code == 0


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (lambda t: t.replace("conceptUri", "uri", 1), "no column conceptUri", 1),
        (lambda t: t.replace(SOLDER, "http://example.org/skill/x"), "is not an ESCO skill URI", 6),
    ],
)
def test_a_malformed_csv_is_refused_and_the_index_kept(
    imported: None, tmp_path: Path, change, message: str, line: int
) -> None:
    before = index_file().read_bytes()
    folder = tmp_path / "v1.2.0"
    folder.mkdir()
    source = (FR / "skills_fr.csv").read_text("utf-8")
    (folder / "skills_fr.csv").write_text(change(source), "utf-8")
    result = run_cli("esco", "import", folder)
    assert result.code == 1
    assert message in result.err
    assert f"skills_fr.csv:{line}:" in result.err
    assert "Traceback" not in result.err
    assert index_file().read_bytes() == before
    assert not [p for p in index_file().parent.iterdir() if p.name.endswith(".tmp")]


def test_import_of_a_folder_without_esco_files(tmp_path: Path) -> None:
    result = run_cli("esco", "import", tmp_path)
    assert result.code == 1
    assert "no skills_<lang>.csv or occupations_<lang>.csv" in result.err


# --- search ---------------------------------------------------------------------------------


def test_search_is_accent_and_case_insensitive_and_matches_alt_labels(imported: None) -> None:
    lines = search("GESTION de projet", "--content", EXAMPLE_CONTENT)
    # An alternative label that is exactly the query comes first, shown beside the label.
    assert lines[0] == (
        f"{MANAGE_PROJECTS}  gérer des projets  [skill, released]  (also: gestion de projet)"
    )
    assert any("principes de gestion de projet" in line for line in lines)
    assert search("gerer des projets")[0].startswith(MANAGE_PROJECTS)
    assert search("electroniques", "--lang", "fr", "--limit", "1") == [
        f"{SOLDER}  souder des composants électroniques  [skill, released]"
    ]


def test_search_by_type_and_language(imported: None) -> None:
    occupations = search("project", "--lang", "en", "--type", "occupation")
    assert occupations == [f"{PROJECT_MANAGER}  project manager  [occupation, released]"]
    skills = search("project", "--lang", "en", "--type", "skill")
    assert len(skills) == 3
    # An obsolete concept is listed, last, with its status.
    assert skills[-1] == f"{OBSOLETE}  coordinate project activities  [skill, obsolete]"


def test_search_without_an_index_or_language(imported: None) -> None:
    result = run_cli("esco", "search", "projet", "--lang", "de")
    assert result.code == 1 and "no 'de' labels" in result.err
    index_file().unlink()
    result = run_cli("esco", "search", "projet")
    assert result.code == 1
    assert "no ESCO index" in result.err and "insigne esco import" in result.err


def test_fold() -> None:
    assert fold("Œuvre Éé ÇA") == "oeuvre ee ca"


# --- add ------------------------------------------------------------------------------------


def test_the_example_alignment_is_what_esco_add_writes(imported: None, project: Project) -> None:
    """The example's ESCO-aligned badge was written by `insigne esco add`, byte for byte."""
    badge = project.content / BADGE
    without_alignments(badge)
    result = run_cli(
        "esco", "add", "gestion-de-projet", MANAGE_PROJECTS, "--content", project.content
    )
    assert result.code == 0, result.err
    assert badge.read_bytes() == (EXAMPLE_CONTENT / BADGE).read_bytes()


def test_add_keeps_comments_and_appends(imported: None, project: Project) -> None:
    badge = project.content / BADGE
    text = badge.read_text("utf-8").replace(
        "tags: [gestion de projet, coopération]",
        "tags: [gestion de projet, coopération]   # keep me",
    )
    badge.write_text(text, "utf-8")
    result = run_cli(
        "esco", "add", "gestion-de-projet", PROJECT_MANAGER, "--content", project.content
    )
    assert result.code == 0, result.err
    after = badge.read_text("utf-8")
    assert after.startswith(text.split("---\n", 2)[0] + "---\n" + text.split("---\n", 2)[1])
    added = after[len(text.split("\n---\n", 1)[0]) :]
    assert added.startswith(
        "\n  - name:\n      fr: chef de projet\n      en: project manager\n"
        f"    url: {PROJECT_MANAGER}\n"
    )
    assert '    framework: ESCO\n    version: "1.2.0"\n    code: f5718dca-' in added
    assert after.endswith(text.split("\n---\n", 1)[1])
    check = run_cli("check", "--content", project.content)
    assert check.code == 0, check.err


def test_add_to_a_single_language_site_writes_plain_strings(
    imported: None, project: Project
) -> None:
    site = project.content / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("languages: [fr, en]", "languages: [fr]"))
    for translation in (project.content / "badges").glob("*.en.md"):
        translation.unlink()
    badge = project.content / BADGE
    without_alignments(badge)
    result = run_cli("esco", "add", "gestion-de-projet", SOLDER, "--content", project.content)
    assert result.code == 0, result.err
    assert (
        "alignments:\n  - name: souder des composants électroniques\n"
        f"    url: {SOLDER}\n    description: Souder des composants"
    ) in badge.read_text("utf-8")


@pytest.mark.parametrize(
    ("slug", "uri", "message"),
    [
        ("nope", SOLDER, "unknown badge 'nope'"),
        ("gestion-de-projet", "https://data.europa.eu/esco/skill/x", "not an ESCO skill"),
        ("gestion-de-projet", MANAGE_PROJECTS, "already aligned"),
        ("gestion-de-projet", OBSOLETE, "is obsolete in ESCO v1.2.0"),
        ("gestion-de-projet", SKILL + "00000000-0000-4000-8000-000000000000", "is not in ESCO"),
    ],
)
def test_add_refuses_and_changes_nothing(
    imported: None, project: Project, slug: str, uri: str, message: str
) -> None:
    before = {p: p.read_bytes() for p in (project.content / "badges").iterdir()}
    result = run_cli("esco", "add", slug, uri, "--content", project.content)
    assert result.code == 1
    assert message in result.err and "Traceback" not in result.err
    assert {p: p.read_bytes() for p in (project.content / "badges").iterdir()} == before


def test_add_needs_every_site_language_in_the_index(project: Project) -> None:
    assert run_cli("esco", "import", FR).code == 0
    badge = project.content / BADGE
    before = badge.read_bytes()
    result = run_cli("esco", "add", "gestion-de-projet", SOLDER, "--content", project.content)
    assert result.code == 1
    assert "no label for" in result.err and "import the ESCO download in en" in result.err
    assert badge.read_bytes() == before


# --- the content format and check -----------------------------------------------------------


def _set_alignment(project: Project, block: str) -> Path:
    badge = project.content / BADGE
    text = badge.read_text("utf-8")
    start = text.index("alignments:\n")
    end = text.index("---\n", start)
    badge.write_text(text[:start] + block + text[end:], "utf-8")
    return badge


def _line_of(path: Path, needle: str) -> int:
    return next(
        i for i, line in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in line
    )


@pytest.mark.parametrize(
    ("block", "message", "at"),
    [
        (
            f"alignments:\n  - name: x\n    url: {SOLDER.replace('http:', 'https:')}\n"
            "    framework: ESCO\n    code: 4a9e2c61-8d07-4f3b-a5c2-6e1d9b0f3a27\n",
            "is not an ESCO skill or occupation URI",
            "url:",
        ),
        (
            f"alignments:\n  - name: x\n    url: {SOLDER}\n"
            "    framework: ESCO\n    code: 4a9e2c61\n",
            "must be the UUID of its URI (4a9e2c61-8d07-4f3b-a5c2-6e1d9b0f3a27)",
            "code:",
        ),
        (
            f"alignments:\n  - name:\n      fr: x\n      FR: y\n    url: {SOLDER}\n",
            "'FR' is not a language code",
            "FR: y",
        ),
        (
            f"alignments:\n  - name:\n      en: x\n    url: {SOLDER}\n",
            "missing required field 'alignments[1].name.fr'",
            "en: x",
        ),
    ],
)
def test_check_refuses_malformed_alignments(
    project: Project, block: str, message: str, at: str
) -> None:
    badge = _set_alignment(project, block)
    result = run_cli("check", "--content", project.content)
    assert result.code == 1
    assert message in result.err
    assert f"gestion-de-projet.md:{_line_of(badge, at)}:" in result.err


def test_plain_and_per_language_alignments_load(project: Project) -> None:
    from generator.content import load_model

    _set_alignment(
        project,
        "alignments:\n  - name: RNCP bloc 1\n    url: https://www.francecompetences.fr/\n"
        "  - name:\n      fr: souder\n      en: solder\n      de: löten\n    url: " + SOLDER + "\n"
        "    description:\n      fr: Souder.\n    framework: ESCO\n"
        "    code: 4a9e2c61-8d07-4f3b-a5c2-6e1d9b0f3a27\n",
    )
    badge = load_model(project.content).model.badges["gestion-de-projet"]
    plain, esco = badge.alignments
    assert plain.names == {"fr": "RNCP bloc 1"} and plain.target_type is None
    assert esco.name == "souder" and esco.names == {"fr": "souder", "en": "solder"}
    assert esco.text("en") == ("solder", None, "en")
    assert esco.text("de") == ("souder", "Souder.", None)
    # A language the site does not have is allowed (a site may drop one) and not shown.
    assert "de" not in esco.names
    # No version: written before `esco add` existed, so published as it was (no targetType).
    assert esco.target_type is None


def test_check_against_the_index(imported: None, project: Project) -> None:
    assert run_cli("check", "--content", project.content).code == 0
    unknown = SKILL + "00000000-0000-4000-8000-000000000000"
    badge = _set_alignment(
        project,
        f"alignments:\n  - name: x\n    url: {OBSOLETE}\n    framework: ESCO\n"
        f"    code: {OBSOLETE.rsplit('/', 1)[1]}\n"
        f"  - name: y\n    url: {unknown}\n    framework: ESCO\n"
        "    code: 00000000-0000-4000-8000-000000000000\n",
    )
    result = run_cli("check", "--content", project.content)
    assert result.code == 1
    assert (
        f"gestion-de-projet.md:{_line_of(badge, '- name: y')}: {unknown} is not in ESCO v1.2.0"
        in (result.err)
    )
    # From another ESCO version, an unknown concept is a notice; an obsolete one always is.
    text = badge.read_text("utf-8").replace("  - name: y\n", '  - name: y\n    version: "1.3.0"\n')
    badge.write_text(text, "utf-8")
    result = run_cli("check", "--content", project.content)
    assert result.code == 0, result.err
    assert f"gestion-de-projet.md:{_line_of(badge, '- name: x')}: ESCO concept " in result.err
    assert "is obsolete in ESCO v1.2.0" in result.err
    assert "import that version" in result.err
    # Without an index, only the form is checked.
    index_file().unlink()
    result = run_cli("check", "--content", project.content)
    assert result.code == 0 and "ESCO" not in result.err


# --- what is published ----------------------------------------------------------------------


def test_pages_and_documents_show_the_alignment(project: Project) -> None:
    result = project.build("--base-url", "http://127.0.0.1:8000/")
    assert result.code == 0, result.err
    fr = (project.output / "badges" / "gestion-de-projet.html").read_text("utf-8")
    en = (project.output / "en" / "badges" / "gestion-de-projet.html").read_text("utf-8")
    link = f'<a href="{MANAGE_PROJECTS}">'
    assert f'<p class="alignment-name" lang="fr">{link}gérer des projets</a>' in fr
    assert f'<p class="alignment-name" lang="en">{link}perform project management</a>' in en
    assert "Ce service utilise la classification ESCO de la Commission européenne." in fr
    assert "This service uses the ESCO classification of the European Commission." in en
    assert "ESCO v1.2.0" in fr
    # A page without ESCO alignments has no attribution line.
    echo = (project.output / "badges" / "echofablab.html").read_text("utf-8")
    assert "classification ESCO" not in echo
    ob2 = json.loads((project.output / "badges" / "gestion-de-projet.json").read_text("utf-8"))
    assert ob2["alignment"] == [
        {
            "targetName": "gérer des projets",
            "targetUrl": MANAGE_PROJECTS,
            "targetDescription": ob2["alignment"][0]["targetDescription"],
            "targetFramework": "ESCO",
            "targetCode": "7111b95d-0ce3-441a-9d92-4c75d05c4388",
        }
    ]
    assert ob2["alignment"][0]["targetDescription"].startswith("Gérer et planifier")
    achievement = json.loads(
        (project.output / "achievements" / "gestion-de-projet.json").read_text("utf-8")
    )
    assert achievement["alignment"][0]["targetType"] == "ext:ESCOSkill"
    assert achievement["alignment"][0]["targetName"] == "gérer des projets"
    # 1EdTech's schema takes the "ext:" form, and only a listed term or that form.
    assert not schema_problems(ACHIEVEMENT, achievement)
    bare = json.loads(json.dumps(achievement))
    bare["alignment"][0]["targetType"] = "ESCOSkill"
    assert any("targetType" in p for p in schema_problems(ACHIEVEMENT, bare))


# --- pure functions -------------------------------------------------------------------------


def test_uri_form() -> None:
    assert parse_uri(MANAGE_PROJECTS) == ("skill", "7111b95d-0ce3-441a-9d92-4c75d05c4388")
    assert parse_uri(PROJECT_MANAGER)[0] == "occupation"  # type: ignore[index]
    for bad in (
        MANAGE_PROJECTS.upper(),
        MANAGE_PROJECTS + "/",
        "http://data.europa.eu/esco/isco/C0110",
        MANAGE_PROJECTS.replace("http:", "https:"),
    ):
        assert parse_uri(bad) is None
    assert form_problem(MANAGE_PROJECTS, "7111b95d-0ce3-441a-9d92-4c75d05c4388") is None
    assert form_problem(MANAGE_PROJECTS, None) is not None
    https = form_problem(MANAGE_PROJECTS.replace("http:", "https:"), None)
    assert https is not None and "start with http://" in https[1]


def test_alignment_fields() -> None:
    fr = Concept(SOLDER, "skill", "fr", "souder", "Souder.", "released")
    en = Concept(SOLDER, "skill", "en", "solder", "", "released")
    assert alignment_fields({"fr": fr, "en": en}, ("fr", "en"), "1.2.0") == {
        "name": {"fr": "souder", "en": "solder"},
        "url": SOLDER,
        "description": {"fr": "Souder."},
        "framework": "ESCO",
        "version": "1.2.0",
        "code": "4a9e2c61-8d07-4f3b-a5c2-6e1d9b0f3a27",
    }
    assert alignment_fields({"fr": fr}, ("fr",), "1.2.0")["name"] == "souder"


def test_append_item_creates_the_sequence_and_nested_mappings() -> None:
    text = "name: x  # a comment\ntags: [a]\n"
    assert append_item(
        text, "alignments", {"name": {"fr": "a", "en": "b"}, "url": "u"}, create=True
    ) == (
        "name: x  # a comment\ntags: [a]\nalignments:\n"
        "  - name:\n      fr: a\n      en: b\n    url: u\n"
    )
    existing = "alignments:\n    - name: y  # keep\n      url: z\nafter: 1\n"
    assert append_item(existing, "alignments", {"name": {"fr": "a"}, "url": "u"}) == (
        "alignments:\n    - name: y  # keep\n      url: z\n"
        "    - name:\n        fr: a\n      url: u\nafter: 1\n"
    )
