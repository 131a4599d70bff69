"""Groups of outputs kept from the last build: one by one (`cached`) and in batches."""

from __future__ import annotations

from pathlib import Path

from generator.writer import OutputWriter

MEMBERS = ["page:a", "page:b", "page:c"]


def _produce(writer: OutputWriter, group: str, body: bytes, key: str = "key") -> None:
    name = group.replace(":", "-")
    writer.cached(group, f"{key}-{group}", lambda: writer.write(f"{name}.html", body) and None)


def first_build(output: Path) -> None:
    writer = OutputWriter(output)
    writer.begin()
    for group in MEMBERS:
        _produce(writer, group, group.encode())
    writer.record_batch("pages", "batch-1")
    writer.commit()


def test_a_batch_with_the_same_key_keeps_every_member(tmp_path: Path) -> None:
    output = tmp_path / "output"
    first_build(output)
    for _ in range(2):  # and a build that kept the batch can keep it again
        writer = OutputWriter(output)
        writer.begin()
        assert writer.reuse_batch("pages", "batch-1", MEMBERS)
        assert writer.produced_paths() == {"page-a.html", "page-b.html", "page-c.html"}
        assert writer.stats.unchanged == 3 and writer.stats.written == 0
        writer.commit()
        assert sorted(p.name for p in output.iterdir()) == sorted(writer.produced_paths())


def test_a_batch_is_kept_whole_or_not_at_all(tmp_path: Path) -> None:
    output = tmp_path / "output"
    first_build(output)
    writer = OutputWriter(output)
    writer.begin()
    assert not writer.reuse_batch("pages", "batch-2", MEMBERS)  # another key
    assert not writer.reuse_batch("pages", "batch-1", [*MEMBERS, "page:d"])  # a new member
    _produce(writer, "page:b", b"changed", "new")  # a member this build has made already
    assert not writer.reuse_batch("pages", "batch-1", MEMBERS)
    assert writer.produced_paths() == {"page-b.html"}
    assert writer.stats.unchanged == 0 and writer.stats.written == 1


def test_a_batch_whose_file_is_gone_is_not_kept(tmp_path: Path) -> None:
    output = tmp_path / "output"
    first_build(output)
    # The manifest says so, but the output no longer has the file: nothing is kept.
    writer = OutputWriter(output)
    writer.begin()
    assert writer.manifest is not None
    writer.manifest.groups["page:c"] = ("key-page:c", ("page-c.html", "page-gone.html"))
    assert not writer.reuse_batch("pages", "batch-1", MEMBERS)
    assert writer.produced_paths() == set()
