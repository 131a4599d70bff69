"""One clock, one zone: "was it published" is the same rule for the content and the ledger."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from generator.build import BuildOptions, build
from generator.errors import InsigneError
from generator.ledger import Ledger
from tests.conftest import Project, tree_snapshot

FUTURE = "badge: echofablab\nissued_on: 2026-12-05\nrecipients:\n  - kiri@example.org\n"


def _in_auckland(project: Project) -> None:
    path = project.content / "site.yaml"
    text = path.read_text("utf-8").replace("timezone: Europe/Paris", "timezone: Pacific/Auckland")
    path.write_text(text, "utf-8")


def _build(project: Project, now: datetime) -> None:
    build(BuildOptions(project.content, project.output, now=now))


def test_an_award_published_east_of_utc_cannot_vanish(project: Project) -> None:
    _in_auckland(project)
    award = project.content / "awards" / "2026.yaml"
    award.write_text(FUTURE, "utf-8")
    # 12:00 UTC on 4 December is 01:00 on 5 December in Auckland (UTC+13): published.
    _build(project, datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    [entry] = [e for e in Ledger.load(project.content).entries.values() if e.issued_on > "2026"]
    assert (project.output / "assertions" / f"{entry.id}.json").is_file()

    award.unlink()
    before = tree_snapshot(project.output)
    ledger_bytes = (project.content / "ledger.json").read_bytes()
    with pytest.raises(InsigneError) as caught:
        _build(project, datetime(2026, 12, 4, 12, 30, tzinfo=UTC))
    assert f"award {entry.id} (echofablab, issued 2026-12-05) was published" in str(caught.value)
    assert tree_snapshot(project.output) == before
    assert (project.content / "ledger.json").read_bytes() == ledger_bytes


def test_an_award_not_yet_published_east_of_utc_may_be_removed(project: Project) -> None:
    _in_auckland(project)
    award = project.content / "awards" / "2026.yaml"
    award.write_text(FUTURE, "utf-8")
    # 10:30 UTC on 4 December is 23:30 on 4 December in Auckland: held back.
    _build(project, datetime(2026, 12, 4, 10, 30, tzinfo=UTC))
    assert "2026-12-05" in (project.content / "ledger.json").read_text("utf-8")
    award.unlink()
    _build(project, datetime(2026, 12, 4, 10, 45, tzinfo=UTC))
    assert "2026-12-05" not in (project.content / "ledger.json").read_text("utf-8")
