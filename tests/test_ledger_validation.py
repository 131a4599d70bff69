"""A ledger is read against an allow-list: every field, every line, before any path is built.

An entry like `"id": "../../../tmp/x"` used to make the build write outside output/ (even with
--locked). Each bad entry must be an error naming ledger.json and its line, with the fix, and
the build must write nothing at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.ledger import Ledger
from tests.conftest import Project, tree_snapshot

KEY = "56b70ab6f6b48cda6a3baae1cfc9d5ac"  # the example's first entry (line 2)
GOOD = {
    "id": "5ucxwabqdt",
    "salt": "7552348c9a145097f63743475e7d442e",
    "badge": "echofablab",
    "issued_on": "2017-09-15",
    "status": 1,
}


def _ledger_lines(project: Project) -> list[str]:
    return (project.content / "ledger.json").read_text("utf-8").splitlines()


def _replace_line(project: Project, number: int, line: str) -> None:
    lines = _ledger_lines(project)
    lines[number - 1] = line
    (project.content / "ledger.json").write_text("\n".join(lines) + "\n", "utf-8")


def _entry(**changes: object) -> str:
    return f"{json.dumps(KEY)}: {json.dumps({**GOOD, **changes})},"


def _every_file(root: Path) -> set[str]:
    """Every file under root but the project's lock files (they stay, empty, by design)."""
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(".insigne-lock")
    }


@pytest.mark.parametrize("locked", [False, True], ids=["build", "locked"])
def test_an_id_that_climbs_out_of_output_writes_nothing(
    project: Project, tmp_path: Path, locked: bool
) -> None:
    _replace_line(project, 2, _entry(id="../../../escaped"))
    before = _every_file(tmp_path)
    ledger = (project.content / "ledger.json").read_bytes()
    result = project.build(*(["--locked"] if locked else []))
    assert result.code == 1
    assert "ledger.json:2: bad ledger entry: its id" in result.err
    assert "is not an award id" in result.err and "fix:" in result.err
    assert "Traceback" not in result.err
    assert _every_file(tmp_path) == before  # nothing written anywhere, output/ included
    assert (project.content / "ledger.json").read_bytes() == ledger


BAD_ENTRIES = {
    "id with a slash": (_entry(id="abc/defghj"), "its id"),
    "id too short": (_entry(id="abcdefghj"), "its id"),
    "id not text": (_entry(id=12345), "its id"),
    "empty salt": (_entry(salt=""), "its salt"),
    "salt with a newline": (_entry(salt="ab\ncd"), "its salt"),
    "badge climbing": (_entry(badge="../echofablab"), "its badge"),
    "badge with capitals": (_entry(badge="EchoFabLab"), "its badge"),
    "date that is no date": (_entry(issued_on="2017-13-45"), "its issued_on"),
    "date with a time": (_entry(issued_on="2017-09-15T00:00:00"), "its issued_on"),
    "negative status": (_entry(status=-1), "its status"),
    "status true": (_entry(status=True), "its status"),
    "status as text": (_entry(status="1"), "its status"),
    "status beyond any list": (_entry(status=2**40), "its status"),
    "status as a float": (_entry(status=1.0), "its status"),
    "missing salt": (
        f"{json.dumps(KEY)}: {json.dumps({k: v for k, v in GOOD.items() if k != 'salt'})},",
        "the field 'salt' is missing",
    ),
    "odd extra field": (_entry(**{"../x": 1}), "it has a field named"),
    "key not a key": (f'"../x": {json.dumps(GOOD)},', "is not an award key"),
    "entry not a mapping": (f"{json.dumps(KEY)}: [1, 2],", "is not a mapping"),
    "field given twice": (
        _entry()[:-2] + ', "id": "6zaqteuv6d"},',
        "the field(s) id appear twice",
    ),
}


@pytest.mark.parametrize("line, expected", BAD_ENTRIES.values(), ids=BAD_ENTRIES.keys())
def test_each_bad_field_is_an_error_on_its_line(project: Project, line: str, expected: str) -> None:
    _replace_line(project, 2, line)
    result = project.build()
    assert result.code == 1, result.err
    assert "ledger.json:2: " in result.err, result.err
    assert expected in result.err, result.err
    assert "fix: " in result.err
    assert "Traceback" not in result.err
    assert not project.output.exists()


def test_an_award_twice_with_different_ids_names_both_lines(project: Project) -> None:
    lines = _ledger_lines(project)
    # As a union merge leaves it: the same award given an id on two branches.
    twin = _entry(id="z3g2u7f2g5", salt="0" * 32)
    lines.insert(2, twin)
    (project.content / "ledger.json").write_text("\n".join(lines) + "\n", "utf-8")
    result = project.build()
    assert result.code == 1
    assert f"ledger.json:3: award {KEY} has two different entries (line 2" in result.err
    assert "keep the entry whose id is published" in result.err


def test_an_award_twice_with_the_same_entry_is_read_once(project: Project) -> None:
    lines = _ledger_lines(project)
    lines.insert(2, lines[1])  # both branches brought the same line
    (project.content / "ledger.json").write_text("\n".join(lines) + "\n", "utf-8")
    ledger = Ledger.load(project.content)
    assert len(ledger.entries) == 6 and ledger.reformat and not ledger.changed
    assert project.build("--locked").code == 0  # nothing to decide: a deploy may go on
    assert project.build().code == 0
    assert _ledger_lines(project).count(lines[1]) == 1  # tidied by the next ordinary build


def test_two_awards_with_one_id_is_an_error(project: Project) -> None:
    lines = _ledger_lines(project)
    entry = json.loads("{" + lines[2].rstrip(",") + "}")
    [(key, value)] = entry.items()
    value["id"] = GOOD["id"]
    _replace_line(project, 3, f"{json.dumps(key)}: {json.dumps(value)},")
    result = project.build()
    assert result.code == 1
    assert f"ledger.json:3: awards {KEY} and {key} have the same id {GOOD['id']}" in result.err


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"version": 3}\n', "unsupported ledger version 3"),
        ('{"version": "2"}\n', 'unsupported ledger version "2"'),
        ("[1, 2]\n", "is not a JSON object"),
        ('{\n"version": 2\n', "is not valid JSON"),
        ('{"version": 1, "awards": {}, "extra": 1}\n', "'version' and 'awards' only"),
    ],
)
def test_a_ledger_that_is_not_a_ledger_is_an_error(
    project: Project, text: str, expected: str
) -> None:
    (project.content / "ledger.json").write_text(text, "utf-8")
    result = project.build()
    assert result.code == 1
    assert expected in result.err and "ledger.json" in result.err
    assert "Traceback" not in result.err


def test_a_version_1_ledger_is_read_and_written_as_version_2(project: Project) -> None:
    path = project.content / "ledger.json"
    v2 = path.read_text("utf-8")
    entries = {k: v for k, v in json.loads(v2).items() if k != "version"}
    lines = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(entries.items())]
    v1 = '{"version": 1, "awards": {\n' + ",\n".join(lines) + "\n}}\n"
    path.write_text(v1, "utf-8")
    assert project.build("--locked").code == 0  # a deploy does not need the migration
    assert path.read_text("utf-8") == v1
    before = tree_snapshot(project.output)
    assert project.build().code == 0
    assert path.read_text("utf-8") == v2  # same entries, same indexes, the new layout
    assert {k: v[0] for k, v in tree_snapshot(project.output).items()} == {
        k: v[0] for k, v in before.items()
    }
    # Only the first line and the last two change: a branch still on version 1 that adds
    # awards in between merges with it.
    pairs = zip(v1.splitlines(), v2.splitlines(), strict=True)
    assert [i for i, (a, b) in enumerate(pairs) if a != b] == [0, len(lines), len(lines) + 1]
