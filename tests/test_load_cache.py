"""What the build manifest keeps of the loaded content is used, and dropped when it is stale.

The manifest keeps the loaded site and badges, each award file's parsed specs (with their
ledger key and fingerprint) and, after a first build, a spare tree; `Award.fingerprint` is
computed once per build. Each test changes one input the caches depend on and checks that the
incremental build then gives exactly what a clean build of the same content gives.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

import generator.content
import generator.errors
import generator.manifest
from generator.build import BuildOptions, BuildResult, build
from generator.cachedata import decode
from generator.content import load_model
from generator.ledger import Ledger
from generator.manifest import Manifest, manifest_path
from generator.model import AwardSpec
from generator.writer import OutputWriter

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "content", tmp_path / "content")
    return tmp_path


def run(
    project: Path, output: str = "output", now: datetime = NOW, base_url: str | None = None
) -> BuildResult:
    return build(
        BuildOptions(
            content_dir=project / "content",
            output_dir=project / output,
            now=now,
            base_url=base_url,
            verify=False,
        )
    )


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def assert_matches_clean(project: Path, now: datetime = NOW, base_url: str | None = None) -> None:
    clean = project / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    shutil.rmtree(project / ".clean.insigne-previous", ignore_errors=True)
    manifest_path(clean).unlink(missing_ok=True)
    run(project, "clean", now, base_url)
    incremental, expected = tree(project / "output"), tree(clean)
    assert sorted(incremental) == sorted(expected)
    assert [rel for rel in incremental if incremental[rel] != expected[rel]] == []


class Calls:
    """Counts the calls of a function while passing them through."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        self.count = 0
        original = getattr(owner, name)

        def counted(*args: object, **kwargs: object) -> object:
            self.count += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counted)


def test_site_and_badges_come_from_the_manifest_until_a_file_they_read_changes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(project)
    badges_loaded = Calls(monkeypatch, generator.content, "load_badges")
    sites_loaded = Calls(monkeypatch, generator.content, "load_site")
    award = project / "content" / "awards" / "2017-echofablab.yaml"
    award.write_text(award.read_text("utf-8") + "  - ines.moreau@example.org\n", "utf-8")
    run(project)
    assert (sites_loaded.count, badges_loaded.count) == (0, 0)  # an award file is not theirs

    badge = project / "content" / "badges" / "gestion-de-projet.md"
    badge.write_text(badge.read_text("utf-8").replace("name: ", "name: Nouveau ", 1), "utf-8")
    result = run(project)
    assert badges_loaded.count == 1
    assert result.model.badges["gestion-de-projet"].name.startswith("Nouveau ")
    assert_matches_clean(project)

    # A badge image: same name, other bytes.
    image = project / "content" / "images" / "gestion-de-projet.svg"
    image.write_bytes(image.read_bytes().replace(b"</svg>", b"<!-- x --></svg>"))
    before = badges_loaded.count
    run(project)
    assert badges_loaded.count == before + 1
    assert_matches_clean(project)

    # An option the site depends on.
    before = sites_loaded.count
    other = run(project, base_url="https://example.net/badges/")
    assert sites_loaded.count == before + 1
    assert other.model.site.base_url == "https://example.net/badges/"
    assert_matches_clean(project, base_url="https://example.net/badges/")


def test_a_new_file_in_content_is_a_site_cache_miss(project: Path) -> None:
    content = project / "content"
    run(project)
    key = generator.manifest.site_inputs(content.resolve(), None)
    assert Manifest.load(project / "output").site[0] == key  # type: ignore[index]
    (content / "badges" / "brouillon.md.orig").write_text("x", "utf-8")
    assert generator.manifest.site_inputs(content.resolve(), None) != key
    # What the site loaders never read leaves the key alone.
    (content / "awards" / "2030.yaml").write_text("badge: echofablab\n", "utf-8")
    (content / "awards" / "2030.yaml").unlink()
    ledger = content / "ledger.json"
    ledger.write_text(ledger.read_text("utf-8"), "utf-8")
    (content / "badges" / "brouillon.md.orig").unlink()
    assert generator.manifest.site_inputs(content.resolve(), None) == key


def test_unchanged_award_files_are_neither_parsed_nor_fingerprinted_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(project)
    blobs = Manifest.load(project / "output").award_files
    assert blobs
    for _, data in blobs.values():
        for spec in decode(data, list[AwardSpec]):
            assert {"key", "fingerprint"} <= set(vars(spec))  # kept with the spec
    parsed = Calls(monkeypatch, generator.manifest, "spec_fingerprint")
    award = project / "content" / "awards" / "2017-echofablab.yaml"
    award.write_text(award.read_text("utf-8") + "  - ines.moreau@example.org\n", "utf-8")
    result = run(project)
    in_edited_file = [a for a in result.model.awards if a.spec.source.name == award.name]
    assert parsed.count == len(in_edited_file)
    assert all("fingerprint" in vars(a) for a in result.model.awards)  # made before any fork


def test_award_edited_in_place_is_published_again(project: Path) -> None:
    run(project)
    award = project / "content" / "awards" / "2017-echofablab.yaml"
    text = award.read_text("utf-8")
    # Same length: only the bytes say it changed (the name is public: pages show it).
    edited = text.replace("name: Camille Martin", "name: Camille Marten")
    assert edited != text and len(edited) == len(text)
    award.write_text(edited, "utf-8")
    result = run(project)
    assert any(a.spec.recipient.name == "Camille Marten" for a in result.model.awards)
    assert result.stats.written > 0
    assert_matches_clean(project)


def test_ledger_changed_by_hand_is_published_again(project: Path) -> None:
    run(project)
    path = project / "content" / "ledger.json"
    data = json.loads(path.read_text("utf-8"))
    key = sorted(data["awards"])[0]
    data["awards"][key]["salt"] = "0" * 32
    path.write_text(json.dumps(data), "utf-8")
    result = run(project)
    assert any(a.salt == "0" * 32 for a in result.model.awards)
    assert_matches_clean(project)


def test_future_award_is_published_when_the_clock_reaches_it(project: Path) -> None:
    (project / "content" / "awards" / "2026.yaml").write_text(
        "badge: echofablab\nissued_on: 2026-03-01\nrecipients:\n  - futur@example.org\n", "utf-8"
    )
    before = run(project)
    assert len(before.model.held_back) == 1
    later = datetime(2026, 3, 2, tzinfo=UTC)
    after = run(project, now=later)
    assert not after.model.held_back
    assert any(a.spec.recipient.email == "futur@example.org" for a in after.model.awards)
    assert_matches_clean(project, now=later)


@pytest.fixture(params=["sequential", "parallel"])
def spare_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Sequential builds link the spare after the swap; on two cores, each process of a first
    build links its own files as it writes them (OutputWriter.spare_linker), and
    `_make_spare` must then not run at all."""
    import generator.build
    import generator.writer

    if request.param == "parallel":
        assert hasattr(os, "fork"), "the forked page renderer needs os.fork (Linux, macOS)"
        monkeypatch.setattr(generator.build, "PARALLEL_MIN_AWARDS", 0)
        monkeypatch.setattr(generator.build, "parallel_available", lambda: True)

        def refuse(self: object) -> bool:
            raise AssertionError("the spare was linked after the swap, not before")

        monkeypatch.setattr(generator.writer.OutputWriter, "_make_spare", refuse)
    else:
        monkeypatch.setattr(generator.build, "PARALLEL_MIN_AWARDS", 10**9)
    return request.param


@pytest.mark.parametrize("verify", [False, True], ids=["no-verify", "verify"])
def test_first_build_leaves_a_spare_equal_to_the_output(
    project: Path, spare_mode: str, verify: bool
) -> None:
    # With the self-check or without, each process links its own files as it writes them.
    build(
        BuildOptions(
            content_dir=project / "content", output_dir=project / "output", now=NOW, verify=verify
        )
    )
    output, spare = project / "output", project / ".output.insigne-previous"
    assert spare.is_dir()
    assert not (project / ".output.insigne-spare").exists()
    assert tree(spare) == tree(output)
    for rel in tree(output):
        assert os.stat(output / rel).st_ino == os.stat(spare / rel).st_ino  # links, not copies
    assert Manifest.load(output).spare_delta == set()
    award = project / "content" / "awards" / "2017-echofablab.yaml"
    award.write_text(award.read_text("utf-8") + "  - ines.moreau@example.org\n", "utf-8")
    run(project)
    assert_matches_clean(project)


def test_prelinked_spare_that_misses_a_file_is_linked_again(tmp_path: Path) -> None:
    writer = OutputWriter(tmp_path / "output")
    writer.begin()
    writer.write("a/one.json", b"1")
    writer.adopt_spare(writer.prelink_spare())
    writer.write("a/two.json", b"2")  # staged after the spare was linked: it lacks this file
    writer.commit()
    spare = tmp_path / ".output.insigne-previous"
    assert tree(spare) == tree(tmp_path / "output") == {"a/one.json": b"1", "a/two.json": b"2"}
    assert not (tmp_path / ".output.insigne-spare").exists()


def test_spare_linker_links_what_was_written_since_its_last_step(tmp_path: Path) -> None:
    writer = OutputWriter(tmp_path / "output")
    writer.begin()
    writer.write("before.json", b"0")  # written before the linker: another process's part
    linker = writer.spare_linker()
    writer.write("a/one.json", b"1")
    linker.catch_up()
    assert linker.linked == {"a/one.json"}
    writer.write("a/two.json", b"2")
    writer.write("b/three.json", b"3")
    linker.catch_up()
    linker.catch_up()  # nothing new: nothing to do
    assert linker.linked == {"a/one.json", "a/two.json", "b/three.json"}
    spare = tmp_path / ".output.insigne-spare"
    assert tree(spare) == {"a/one.json": b"1", "a/two.json": b"2", "b/three.json": b"3"}
    assert os.stat(spare / "a/two.json").st_ino == os.stat(writer.staging / "a/two.json").st_ino


def test_spare_linker_gives_up_after_a_failed_step(tmp_path: Path) -> None:
    writer = OutputWriter(tmp_path / "output")
    writer.begin()
    linker = writer.spare_linker()
    (tmp_path / ".output.insigne-spare").write_text("in the way", "utf-8")
    writer.write("one.json", b"1")
    linker.catch_up()
    assert linker.linked is None
    (tmp_path / ".output.insigne-spare").unlink()
    writer.write("two.json", b"2")
    linker.catch_up()
    assert linker.linked is None  # a spare with a hole must never be taken for whole
    writer.adopt_spare(linker.linked)
    writer.commit()  # then commit links the spare itself
    spare = tmp_path / ".output.insigne-previous"
    assert tree(spare) == tree(tmp_path / "output") == {"one.json": b"1", "two.json": b"2"}


def test_aborted_build_leaves_no_prelinked_spare(tmp_path: Path) -> None:
    writer = OutputWriter(tmp_path / "output")
    writer.begin()
    writer.write("one.json", b"1")
    writer.adopt_spare(writer.prelink_spare())
    assert (tmp_path / ".output.insigne-spare" / "one.json").is_file()
    writer.abort()
    assert not (tmp_path / ".output.insigne-spare").exists()
    assert not (tmp_path / "output").exists()


def test_spare_left_half_made_by_a_killed_build_is_discarded(project: Path) -> None:
    half = project / ".output.insigne-spare"
    half.mkdir()
    (half / "stray.json").write_text("{}", "utf-8")
    run(project)
    assert not half.exists()
    assert "stray.json" not in tree(project / ".output.insigne-previous")


def test_damaged_award_file_entry_is_a_cache_miss(project: Path) -> None:
    run(project)
    manifest = Manifest.load(project / "output")
    rel = next(iter(manifest.award_files))
    key, _ = manifest.award_files[rel]
    manifest.award_files[rel] = (key, [["a spec", "of the wrong shape"]])
    loaded = load_model(project / "content", now=NOW, cache=manifest)
    assert len(loaded.model.awards) == len(load_model(project / "content", now=NOW).model.awards)


def test_ledger_round_trip_keeps_its_bytes(project: Path) -> None:
    path = project / "content" / "ledger.json"
    before = path.read_bytes()
    ledger = Ledger.load(project / "content")
    ledger.save()
    assert path.read_bytes() == before
    # Extra fields of an entry survive, in their place.
    data = json.loads(before)
    key = sorted(data["awards"])[0]
    data["awards"][key]["note"] = "é"
    path.write_text(json.dumps(data), "utf-8")
    Ledger.load(project / "content").save()
    assert json.loads(path.read_text("utf-8"))["awards"][key]["note"] == "é"
    assert '"note": "é"' in path.read_text("utf-8")


def _load_all(project: Path, monkeypatch: pytest.MonkeyPatch, two: bool) -> list[object]:
    """Load the award files in one process or in two; the specs, or the problems found."""
    import generator.awards
    import generator.parallel

    forks: list[int] = []
    real = generator.parallel.run_beside

    def counting(*args: object) -> object:
        forks.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(generator.parallel, "run_beside", counting)
    monkeypatch.setattr(generator.awards, "PARALLEL_MIN_BYTES", 0 if two else 10**12)
    monkeypatch.setattr(generator.parallel, "available", lambda: two)
    try:
        # The new awards' ids are random (the ledger is not saved): compare what was read.
        awards = load_model(project / "content", now=NOW).model.awards
        loaded: list[object] = sorted((a.spec for a in awards), key=lambda s: (s.source, s.line))
    except generator.errors.InsigneError as exc:
        loaded = [p.format() for p in exc.problems]
    assert len(forks) == (1 if two else 0)
    return loaded


def test_award_files_parsed_in_two_processes_load_as_in_one(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    awards = project / "content" / "awards"
    for index in range(4):  # more files, so that each process has several
        source = awards / "2017-echofablab.yaml"
        text = source.read_text("utf-8").replace("@example.org", f"+{index}@example.org")
        (awards / f"2019-copy-{index}.yaml").write_text(text, "utf-8")
    one = _load_all(project, monkeypatch, two=False)
    two = _load_all(project, monkeypatch, two=True)
    assert len(one) > 20 and one == two
    assert [s.fingerprint for s in one] == [s.fingerprint for s in two]  # type: ignore[attr-defined]

    # Problems in both halves come out in file order, as one process finds them.
    (awards / "2017-broken.yaml").write_text("badge: nowhere\nrecipients: [a@example.org]\n")
    (awards / "2019-copy-3.yaml").write_text("badge: [unclosed\n", "utf-8")
    one = _load_all(project, monkeypatch, two=False)
    assert len(one) == 3
    assert "2017-broken.yaml:1: unknown badge" in str(one[0])
    assert "2017-broken.yaml:2: recipient 1: no issue date" in str(one[1])
    assert "2019-copy-3.yaml:2: invalid YAML" in str(one[2])
    assert _load_all(project, monkeypatch, two=True) == one


def test_the_loaded_model_is_out_of_the_collector_until_the_build_ends(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    import generator.build

    frozen: list[int] = []
    real = generator.build._inputs_digest

    def spy(*args: object, **kwargs: object) -> str:
        frozen.append(gc.get_freeze_count())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(generator.build, "_inputs_digest", spy)
    result = run(project)
    assert frozen and frozen[0] >= len(result.model.awards), "frozen while the build runs"
    assert gc.get_freeze_count() == 0, "and collectable again once it returns"
    badge = next((project / "content" / "badges").glob("*.md"))
    badge.write_text(badge.read_text("utf-8") + "\nÉcrire à x.y@example.org.\n", "utf-8")
    options = BuildOptions(content_dir=project / "content", output_dir=project / "output", now=NOW)
    with pytest.raises(generator.errors.InsigneError, match="self-check"):
        build(options)  # fails after loading, in its self-check
    assert len(frozen) == 2
    assert gc.get_freeze_count() == 0, "also when the build fails"
