"""Incremental builds give exactly what a clean build gives, and skip what did not change.

One output folder goes through a chain of changes (each rebuild reuses the manifest, the
spare staging tree and the cached award files of the one before); after each change its
bytes are compared with a clean build of the same content into an empty folder.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from generator import urls
from generator.build import BuildOptions, BuildResult, build
from generator.manifest import manifest_path
from generator.theme import BUILTIN_THEMES

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parent.parent


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def assert_same_tree(actual: Path, expected: Path) -> None:
    a, e = tree(actual), tree(expected)
    assert sorted(a) == sorted(e), (
        f"only in incremental: {sorted(set(a) - set(e))}; only in clean: {sorted(set(e) - set(a))}"
    )
    different = [rel for rel in a if a[rel] != e[rel]]
    assert different == []
    # No empty folder left behind either.
    assert sorted(p for p in actual.rglob("*") if p.is_dir() and not any(p.iterdir())) == []


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "content", tmp_path / "content")
    return tmp_path


def run(project: Path, output: str = "output") -> BuildResult:
    return build(
        BuildOptions(
            content_dir=project / "content", output_dir=project / output, now=NOW, verify=False
        )
    )


def check_against_clean(project: Path) -> None:
    clean = project / "clean"
    if clean.exists():
        shutil.rmtree(clean)
    manifest_path(clean).unlink(missing_ok=True)
    spare = project / ".clean.insigne-previous"
    if spare.exists():
        shutil.rmtree(spare)
    run(project, "clean")
    assert_same_tree(project / "output", clean)


def award_files(project: Path) -> dict[str, Path]:
    return {p.name: p for p in (project / "content" / "awards").glob("*.yaml")}


def ids_by_badge(result: BuildResult) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for award in result.model.awards:
        found.setdefault(award.badge, set()).add(award.id)
    return found


def award_outputs(result: BuildResult, award_id: str) -> set[str]:
    return {
        rel
        for rel in result.stats.written_paths
        if rel.startswith(("assertions/", "credentials/")) and award_id in rel
    }


def test_no_change_rebuild_writes_nothing(project: Path) -> None:
    first = run(project)
    assert first.stats.written > 0
    again = run(project)
    assert again.stats.written == 0
    assert again.stats.removed == 0
    assert again.stats.unchanged == first.stats.written
    # The live output is left alone: no staging, no swap.
    assert not (project / ".output.insigne-staging").exists()


@pytest.fixture(params=["sequential", "parallel"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    # Large sites render pages in a forked child (generator/parallel.py); force either path.
    import generator.build

    threshold = 0 if request.param == "parallel" else 10**9
    monkeypatch.setattr(generator.build, "PARALLEL_MIN_AWARDS", threshold)
    if request.param == "parallel":
        # `available()` also declines to fork while other threads run, and in a full test run
        # the session's HTTP servers are threads (idle in select, safe to fork beside). Forcing
        # it keeps this comparison from silently not running.
        assert hasattr(os, "fork"), "the forked page renderer needs os.fork (Linux, macOS)"
        monkeypatch.setattr(generator.build, "parallel_available", lambda: True)
    return request.param


def test_chain_of_changes_matches_clean_builds(project: Path, mode: str) -> None:
    first = run(project)
    before = ids_by_badge(first)
    check_against_clean(project)

    # 1. Add an award to an existing file.
    path = award_files(project)["2017-echofablab.yaml"]
    path.write_text(path.read_text("utf-8") + "  - ines.moreau@example.org\n", "utf-8")
    added = run(project)
    new_ids = {a.id for a in added.model.awards} - {i for s in before.values() for i in s}
    assert len(new_ids) == 1
    new_id = new_ids.pop()
    # Of all award documents, only the new award's are written.
    touched = {
        rel for rel in added.stats.written_paths if rel.startswith(("assertions/", "credentials/"))
    }
    assert touched and all(new_id in rel for rel in touched)
    assert added.stats.removed == 0
    check_against_clean(project)

    # 1b. Edit an existing award (a narrative on a plain email entry).
    path = award_files(project)["2017-echofablab.yaml"]
    text = path.read_text("utf-8")
    assert "  - lea.nguyen@example.org\n" in text
    path.write_text(
        text.replace(
            "  - lea.nguyen@example.org\n",
            "  - email: lea.nguyen@example.org\n    narrative: A documenté l'étape de Nantes.\n",
        ),
        "utf-8",
    )
    assert run(project).stats.written > 0
    check_against_clean(project)

    # 2. Edit one badge's criteria: the other badge's awards are not rewritten.
    badge = project / "content" / "badges" / "gestion-de-projet.md"
    badge.write_text(badge.read_text("utf-8") + "\nUne phrase de plus.\n", "utf-8")
    edited = run(project)
    assert edited.stats.written > 0
    for award_id in before["echofablab"] | {new_id}:
        assert not award_outputs(edited, award_id)
    assert any(rel.startswith("badges/gestion-de-projet") for rel in edited.stats.written_paths)
    check_against_clean(project)

    # 3. Revoke an award: its baked image goes, its assertion shrinks, the list names it.
    path = award_files(project)["2018-gestion-de-projet.yaml"]
    text = path.read_text("utf-8")
    marker = "  - email: thomas.bernard@example.org\n"
    assert marker in text
    path.write_text(text.replace(marker, marker + '    revoked: "Attribué par erreur"\n'), "utf-8")
    revoked = run(project)
    assert revoked.stats.removed >= 1
    assert urls.REVOCATIONS_JSON in revoked.stats.written_paths
    check_against_clean(project)

    # 4. Edit a theme template (a project theme overriding the built-in one).
    templates = project / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    source = (BUILTIN_THEMES / "default" / "templates" / "award.html").read_text("utf-8")
    head, sep, tail = source.rpartition("{% endblock %}")
    assert sep, "award.html has no block to edit"
    (templates / "award.html").write_text(head + "<!-- edited -->" + sep + tail, "utf-8")
    themed = run(project)
    assert any(rel.startswith("awards/") for rel in themed.stats.written_paths)
    check_against_clean(project)

    # 5. Change site.yaml.
    site = project / "content" / "site.yaml"
    site.write_text(
        site.read_text("utf-8").replace("title: ", "title: Nouveau titre – ", 1), "utf-8"
    )
    retitled = run(project)
    assert retitled.stats.written > 0
    check_against_clean(project)

    # And after all that, nothing left to do.
    assert run(project).stats.written == 0


def test_manifest_is_not_published(project: Path) -> None:
    run(project)
    output = project / "output"
    assert manifest_path(output).parent == project
    assert not any(".insigne" in p.name for p in output.rglob("*"))
    # It holds the parsed award files, emails included: that is why it stays outside.
    assert b"camille.martin@example.org" in manifest_path(output).read_bytes()


def test_deleted_manifest_or_output_means_full_correct_rebuild(project: Path) -> None:
    run(project)
    manifest_path(project / "output").unlink()
    again = run(project)
    assert again.stats.written == 0  # nothing differs, but every file was compared
    check_against_clean(project)

    # Output deleted by hand: the spare tree kept beside it may come back, brought up to date.
    shutil.rmtree(project / "output")
    run(project)
    check_against_clean(project)

    # Everything deleted: a cold build.
    shutil.rmtree(project / "output")
    shutil.rmtree(project / ".output.insigne-previous", ignore_errors=True)
    rebuilt = run(project)
    assert rebuilt.stats.written == len(tree(project / "output"))
    check_against_clean(project)


def test_new_award_renders_no_other_award_page(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The shipped award page shows nothing of the badge's count or earners, which a new award
    # changes: the badge's other award pages are kept unrendered.
    from generator import pages

    run(project)
    rendered: list[str] = []
    real = pages._award_page

    def counting(*args: object) -> None:
        real(*args)  # type: ignore[arg-type]
        rendered.append("page")

    monkeypatch.setattr(pages, "_award_page", counting)
    path = award_files(project)["2017-echofablab.yaml"]
    path.write_text(path.read_text("utf-8") + "  - ines.moreau@example.org\n", "utf-8")
    added = run(project)
    assert len(added.model.site.languages) > 1
    assert len(rendered) == len(added.model.site.languages)  # the new award's page, each language
    check_against_clean(project)


def test_theme_award_page_showing_the_count_follows_a_new_award(project: Path) -> None:
    # A project's own award page may show how many earned the badge: then every award page of
    # that badge changes with a new award, and the incremental build must render them again.
    templates = project / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    source = (BUILTIN_THEMES / "default" / "templates" / "award.html").read_text("utf-8")
    head, sep, tail = source.rpartition("{% endblock %}")
    assert sep, "award.html has no block to edit"
    count = "<p class='count'>{{ badge.award_count }} earned</p>"
    (templates / "award.html").write_text(head + count + sep + tail, "utf-8")
    first = run(project)
    earned = sum(1 for a in first.model.awards if a.badge == "echofablab" and not a.revoked)
    page = next(
        project / "output" / urls.award_page(a.id)
        for a in first.model.awards
        if a.badge == "echofablab" and not a.revoked
    )
    assert f"{earned} earned" in page.read_text("utf-8")
    path = award_files(project)["2017-echofablab.yaml"]
    path.write_text(path.read_text("utf-8") + "  - ines.moreau@example.org\n", "utf-8")
    run(project)
    assert f"{earned + 1} earned" in page.read_text("utf-8")
    check_against_clean(project)


def test_forks_only_with_many_documents_to_make(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The two processes share the hosted awards' documents: a rebuild with few of those to
    # make (a new award, a theme edit) does better without forking (generator/parallel.py).
    import generator.build

    monkeypatch.setattr(generator.build, "PARALLEL_MIN_AWARDS", 3)
    monkeypatch.setattr(generator.build, "parallel_available", lambda: True)
    forks: list[int] = []
    real = generator.build.run_pair

    def counting(*args: Any, **kwargs: Any) -> Any:
        forks.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(generator.build, "run_pair", counting)
    first = run(project)
    assert len(first.model.awards) > 3
    assert len(forks) == 1  # a first build makes every document

    path = award_files(project)["2017-echofablab.yaml"]
    path.write_text(path.read_text("utf-8") + "  - ines.moreau@example.org\n", "utf-8")
    assert run(project).stats.written > 0
    assert len(forks) == 1

    site = project / "content" / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("title: ", "title: Autre – ", 1), "utf-8")
    assert run(project).stats.written > 0
    assert len(forks) == 2  # the site is in every assertion: all of them are made again
    check_against_clean(project)
