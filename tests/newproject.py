"""A new association's project as a maintainer makes it: `insigne init`, then the edits a real
site needs (the templates replaced, the real address), shared by the first-hour and deploy tests.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_cli

REAL_ADDRESS = "https://badges.newassoc.example/"


def set_base_url(content: Path, url: str) -> None:
    site = content / "site.yaml"
    text, count = re.subn(r"(?m)^base_url: .*$", f'base_url: "{url}"', site.read_text("utf-8"))
    assert count == 1
    site.write_text(text, "utf-8")


def edit_badge(content: Path, slug: str) -> None:
    """What a maintainer does to the template: a real description, real criteria."""
    path = content / "badges" / f"{slug}.md"
    front, _criteria = path.read_text("utf-8").split("\n---\n", 1)
    front, count = re.subn(
        r"description: >-\n  .*\n",
        "description: >-\n  Welds two steel plates with a clean, regular bead.\n",
        front,
    )
    assert count == 1
    path.write_text(front + "\n---\nWeld a T joint in front of a workshop lead.\n", "utf-8")


def edit_issuer(content: Path) -> None:
    site = content / "site.yaml"
    text, count = re.subn(
        r"  description: >-\n    .*\n",
        "  description: >-\n    A workshop where neighbours learn to weld.\n",
        site.read_text("utf-8"),
    )
    assert count == 1
    site.write_text(text, "utf-8")


def init_project(root: Path) -> Path:
    """`insigne init ROOT --yes`; the content folder."""
    result = run_cli("-q", "init", root, "--yes")
    assert result.code == 0, result.err
    return root / "content"


def ready_project(root: Path, email: str = "ada@example.org") -> Path:
    """A project past its first hour: edited, one award, real address, built once where the
    keys are (so the ledger and signatures a deploy build needs are there to commit)."""
    content = init_project(root)
    assert run_cli("new", "badge", "soudure", "--content", content).code == 0
    edit_badge(content, "soudure")
    edit_issuer(content)
    (content / "badges" / "first-badge.md").unlink()
    (content / "images" / "first-badge.png").unlink()
    awarded = run_cli("award", "soudure", email, "--content", content)
    assert awarded.code == 0, awarded.err
    set_base_url(content, REAL_ADDRESS)
    built = run_cli("-q", "build", "--content", content, "--output", root / "output")
    assert built.code == 0, built.err
    return content
