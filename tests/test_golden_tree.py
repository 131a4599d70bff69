"""Every published byte, compared with golden trees (Pelican's tests/output manner).

Two sites are built with a fixed clock and no private key (every signature comes from the
committed signatures.json, as on a deploy):
- the example association (content/): its whole output is kept file by file under
  tests/golden/example/, so a change shows as a readable diff;
- the synthetic golden site (tests/golden/synthetic/content, made by
  tests/tools/make_golden_site.py): about 8,000 files, kept as one line per file (sha256, size,
  path) in tests/golden/synthetic/tree.txt.

A change to what Insigne publishes must be deliberate: regenerate with
`INSIGNE_UPDATE_GOLDEN=1 pytest tests/test_golden_tree.py` and review the diff.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.build import BuildOptions, build
from tests.harness import repo_root

GOLDEN = repo_root() / "tests" / "golden"
# The clock of every golden build: after every award of both sites but the held-back one.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
UPDATE = bool(os.environ.get("INSIGNE_UPDATE_GOLDEN"))
STATIC = "static/"


def _build(content: Path, root: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # No private key anywhere: what is signed must come from content/signatures.json.
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(root / "no-private-keys"))
    monkeypatch.delenv("INSIGNE_SIGNING_KEY", raising=False)
    project = root / "project"
    shutil.copytree(content, project / "content")
    output = project / "output"
    build(BuildOptions(content_dir=project / "content", output_dir=output, locked=True, now=NOW))
    return output


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def _line(path: str, data: bytes) -> str:
    return f"{hashlib.sha256(data).hexdigest()} {len(data)} {path}"


def _diff(path: str, want: bytes, got: bytes) -> str:
    try:
        old, new = want.decode("utf-8"), got.decode("utf-8")
    except UnicodeDecodeError:
        return f"{path}: binary, {len(want)} -> {len(got)} bytes"
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"golden/{path}", f"built/{path}", lineterm="", n=2
    )
    return "\n".join(list(lines)[:40])


def test_example_output_is_byte_identical_to_its_golden_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _build(repo_root() / "content", tmp_path, monkeypatch)
    golden = GOLDEN / "example"
    # The theme's static files are copied as they are: kept as digests, not second copies.
    static_list = GOLDEN / "example-static.txt"
    everything = _files(output)
    built = {path: file for path, file in everything.items() if not path.startswith(STATIC)}
    static = [_line(path, f.read_bytes()) for path, f in everything.items() if path not in built]
    if UPDATE:
        shutil.rmtree(golden, ignore_errors=True)
        for path, file in built.items():
            (golden / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, golden / path)
        static_list.write_text("\n".join(static) + "\n", "utf-8")
    kept = _files(golden)
    assert sorted(built) == sorted(kept), (
        f"missing: {sorted(kept.keys() - built.keys())}; new: {sorted(built.keys() - kept.keys())}"
    )
    differences = [
        _diff(path, kept[path].read_bytes(), built[path].read_bytes())
        for path in built
        if built[path].read_bytes() != kept[path].read_bytes()
    ]
    assert not differences, f"{len(differences)} file(s) changed:\n" + "\n".join(differences[:5])
    assert static == static_list.read_text("utf-8").splitlines()


@pytest.mark.slow
def test_synthetic_site_output_is_byte_identical_to_its_golden_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _build(GOLDEN / "synthetic" / "content", tmp_path, monkeypatch)
    lines = [_line(path, file.read_bytes()) for path, file in _files(output).items()]
    tree = GOLDEN / "synthetic" / "tree.txt"
    if UPDATE:
        tree.write_text("\n".join(lines) + "\n", "utf-8")
    want = tree.read_text("utf-8").splitlines()
    paths_want = {line.split(" ", 2)[2]: line for line in want}
    paths_got = {line.split(" ", 2)[2]: line for line in lines}
    missing = sorted(paths_want.keys() - paths_got.keys())
    new = sorted(paths_got.keys() - paths_want.keys())
    changed = sorted(
        p for p in paths_want.keys() & paths_got.keys() if paths_want[p] != paths_got[p]
    )
    assert not (missing or new or changed), (
        f"{len(missing)} missing, {len(new)} new, {len(changed)} changed; first of each: "
        f"{missing[:5]} {new[:5]} {changed[:10]}"
    )
    # The site covers what it was made to cover (else the comparison proves little).
    kinds = {path.split("/")[0] for path in paths_got}
    assert {"assertions", "credentials", "awards", "badges", "en", "status", "keys"} <= kinds
    assert any(path.endswith(".jws") for path in paths_got)
    assert any(path.endswith(".svg") and path.startswith("assertions/") for path in paths_got)
    assert any(path.endswith(".png") and path.startswith("assertions/") for path in paths_got)
    revoked = json.loads((output / "revocations.json").read_text("utf-8"))["revokedAssertions"]
    assert len(revoked) >= 10
