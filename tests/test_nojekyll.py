"""GitHub Pages: its default Jekyll step must not drop any file of a built site.

Jekyll leaves out every file or folder whose name starts with "." or "_", so
`.well-known/did.json` (the issuer's did:web document, which every Open Badges 3.0 verifier
fetches) would be missing from a site at a domain root. GitHub Pages skips Jekyll when the
published tree has a `.nojekyll` file at its root; Jekyll itself does not read that file (the
Pages builder does), so the test checks both halves: the file is there, and Debian's real
Jekyll, run as Pages runs it, drops exactly the dot-files and changes nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Project, tree_snapshot

pytestmark = pytest.mark.slow


def _files(root: Path) -> dict[str, bytes]:
    return {rel: data for rel, (data, _mtime) in tree_snapshot(root).items()}


def _hidden(rel: str) -> bool:
    return any(part.startswith((".", "_")) for part in rel.split("/"))


def test_built_site_has_nojekyll_and_jekyll_drops_only_what_it_skips(
    project: Project, tmp_path: Path
) -> None:
    jekyll = shutil.which("jekyll")
    if jekyll is None:
        pytest.fail("jekyll is not installed: run `bash tests/tools/install_jekyll.sh`")
    # A preview build signs with throwaway keys: the site has its .well-known/did.json.
    result = project.build("--base-url", "http://127.0.0.1:8000/")
    assert result.code == 0, result.err
    built = _files(project.output)
    assert built[".nojekyll"] == b""
    assert ".well-known/did.json" in built

    # Jekyll writes a cache into its source folder: give it a copy, never the output.
    source, dest = tmp_path / "source", tmp_path / "dest"
    shutil.copytree(project.output, source)
    done = subprocess.run(
        [jekyll, "build", "--safe", "--quiet", "-s", str(source), "-d", str(dest)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    published = _files(dest)
    dropped = sorted(set(built) - set(published))
    # What .nojekyll saves on GitHub Pages: without it, these would be gone.
    assert dropped == sorted(rel for rel in built if _hidden(rel))
    assert ".well-known/did.json" in dropped and ".nojekyll" in dropped
    # Everything else is published as built: no file added, none rewritten.
    assert published == {rel: data for rel, data in built.items() if not _hidden(rel)}
