"""Branches in real git: what Insigne writes into content/ merges, and stays correct merged.

Two maintainers each add awards and each revoke one, on their own branch, building and
committing as the README says; both branches are merged into main, in both orders. No file
may conflict, `insigne build --locked` must pass on the merge, no two awards may share a
status index, no published index may move, and the independent Data Integrity verifier,
against the merged site served on 127.0.0.1, must report exactly the two revoked awards
revoked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import urls
from generator.content import load_model
from generator.ledger import Ledger
from tests.conftest import EXAMPLE_CONTENT, Project, run_cli
from tests.harness import StaticServer, verify_ob3

A_AWARDS = (
    "badge: echofablab\nissued_on: 2021-03-01\nrecipients:\n"
    "  - ana@example.org\n  - arthur@example.org\n"
)
B_AWARDS = (
    "badge: gestion-de-projet\nissued_on: 2022-05-01\nrecipients:\n"
    "  - bea@example.org\n  - boris@example.org\n"
)
A_REVOKES, B_REVOKES = "lea.nguyen@example.org", "thomas.bernard@example.org"


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.content = root / "content"

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "Maintainer",
            "GIT_AUTHOR_EMAIL": "maintainer@example.org",
            "GIT_COMMITTER_NAME": "Maintainer",
            "GIT_COMMITTER_EMAIL": "maintainer@example.org",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        done = subprocess.run(
            ["git", "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if check:
            assert done.returncode == 0, f"git {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done

    def build(self, output: Path, *extra: str) -> str:
        result = run_cli("build", "--content", self.content, "--output", output, *extra)
        assert result.code == 0, result.err
        return result.err

    def award_id(self, email: str) -> str:
        model = load_model(self.content).model
        [award] = [a for a in model.awards if a.spec.recipient.email == email]
        return award.id

    def revoke(self, email: str) -> None:
        result = run_cli(
            "revoke", self.award_id(email), "--reason", "Erreur", "--content", self.content
        )
        assert result.code == 0, result.err

    def statuses(self) -> dict[str, int]:
        """Status index by award id, from the ledger as it is in the work tree."""
        ledger = Ledger.load(self.content)
        return {e.id: e.extra["status"] for e in ledger.entries.values()}  # type: ignore[misc]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Repo, StaticServer]]:
    if shutil.which("git") is None:
        pytest.fail("git is not installed")
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(tmp_path / "private-keys"))
    monkeypatch.delenv("INSIGNE_SIGNING_KEY", raising=False)
    root = tmp_path / "badges"
    shutil.copytree(EXAMPLE_CONTENT, root / "content")
    # The example ships its .gitattributes; a project that does not have one gets it from
    # the first build that writes the ledger.
    (root / "content" / ".gitattributes").unlink()
    with StaticServer() as server:
        site = root / "content" / "site.yaml"
        site.write_text(
            site.read_text("utf-8").replace("https://badges.pingbase.net/", server.url), "utf-8"
        )
        r = Repo(root)
        r.git("init", "-q", "-b", "main")
        result = run_cli("keys", "new", "--content", r.content)
        assert result.code == 0, result.err
        r.build(tmp_path / "out-main")
        assert (r.content / ".gitattributes").is_file()
        r.git("add", "-A")
        r.git("commit", "-q", "-m", "the association's badges, signed")
        yield r, server


def _branch(repo: Repo, name: str, file_name: str, awards: str, revoked: str, out: Path) -> None:
    repo.git("checkout", "-q", "-b", name, "main")
    (repo.content / "awards" / file_name).write_text(awards, "utf-8")
    repo.revoke(revoked)
    repo.build(out)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", f"{name}: new awards, one revoked")


@pytest.mark.slow
def test_two_branches_merge_cleanly_in_both_orders_and_verify(
    repo: tuple[Repo, StaticServer], tmp_path: Path
) -> None:
    r, server = repo
    published = r.statuses()  # main's awards: their indexes must never move
    _branch(r, "alice", "2021-a.yaml", A_AWARDS, A_REVOKES, tmp_path / "out-a")
    on_a = r.statuses()
    _branch(r, "bob", "2022-b.yaml", B_AWARDS, B_REVOKES, tmp_path / "out-b")
    on_b = r.statuses()
    revoked = {r.award_id(A_REVOKES), r.award_id(B_REVOKES)}
    for first, second in (("alice", "bob"), ("bob", "alice")):
        trial = f"main-{first}-{second}"
        r.git("checkout", "-q", "-b", trial, "main")
        for branch in (first, second):
            merged = r.git("merge", "--no-ff", "--no-edit", branch, check=False)
            assert merged.returncode == 0, f"merging {branch}:\n{merged.stdout}{merged.stderr}"
        assert r.git("diff", "--name-only", "--diff-filter=U").stdout == ""
        for path in r.content.rglob("*"):
            if path.is_file():
                assert "<<<<<<<" not in path.read_text("utf-8", "replace"), path

        output = tmp_path / f"out-{trial}"
        r.build(output, "--locked")
        assert r.git("status", "--porcelain").stdout == "", "--locked changed content/"
        statuses = r.statuses()
        assert len(set(statuses.values())) == len(statuses), "two awards share a status index"
        expected = {**published, **on_a, **on_b}
        assert statuses == expected, "a status index moved in the merge"

        server.root = output
        ids = sorted(statuses)
        reports = verify_ob3(
            [server.url + urls.credential_json(award_id) for award_id in ids], server.port
        )
        for award_id, report in zip(ids, reports, strict=True):
            assert report["verified"] and report["statusVerified"], report
            assert report["revoked"] is (award_id in revoked), (award_id, report)
        r.git("checkout", "-q", "main")


@pytest.fixture
def plain_repo(tmp_path: Path) -> Repo:
    """The example in git on main, built and committed (no keys: indexes are decided anyway)."""
    if shutil.which("git") is None:
        pytest.fail("git is not installed")
    r = Repo(tmp_path / "badges")
    shutil.copytree(EXAMPLE_CONTENT, r.content)
    r.git("init", "-q", "-b", "main")
    r.build(tmp_path / "out-main")
    r.git("add", "-A")
    r.git("commit", "-q", "-m", "the association's badges")
    return r


def _add_and_commit(r: Repo, branch: str, file_name: str, awards: str, out: Path) -> str:
    """A branch from main with new awards, built and committed; returns its first award id."""
    before = set(r.statuses())
    r.git("checkout", "-q", "-b", branch, "main")
    (r.content / "awards" / file_name).write_text(awards, "utf-8")
    r.build(out)
    r.git("add", "-A")
    r.git("commit", "-q", "-m", f"{branch}: new awards")
    return sorted(set(r.statuses()) - before)[0]


def _set_status(r: Repo, award_id: str, index: int) -> None:
    """What a hash collision between two branches would have given: the same index."""
    path = r.content / "ledger.json"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    [i] = [n for n, line in enumerate(lines) if f'"id": "{award_id}"' in line]
    head, _, _ = lines[i].rpartition('"status": ')
    lines[i] = f'{head}"status": {index}}},\n'
    path.write_text("".join(lines), "utf-8")


@pytest.mark.parametrize("first", ["alice", "bob"])
def test_a_status_index_two_branches_chose_stays_with_the_award_main_had_first(
    plain_repo: Repo, tmp_path: Path, first: str
) -> None:
    r = plain_repo
    on_main = r.statuses()
    a = _add_and_commit(r, "alice", "2021-a.yaml", A_AWARDS, tmp_path / "a")
    index = r.statuses()[a]
    r.git("checkout", "-q", "main")
    b = _add_and_commit(r, "bob", "2022-b.yaml", B_AWARDS, tmp_path / "b")
    _set_status(r, b, index)
    r.git("commit", "-q", "-am", "bob: the index of alice's award (a collision)")
    second = "bob" if first == "alice" else "alice"
    kept, moved = (a, b) if first == "alice" else (b, a)

    r.git("checkout", "-q", "main")
    for branch in (first, second):
        r.git("merge", "--no-ff", "--no-edit", branch)
    before = r.statuses()
    assert before[a] == before[b] == index
    ledger = (r.content / "ledger.json").read_bytes()

    locked = run_cli("build", "--content", r.content, "--output", tmp_path / "x", "--locked")
    assert locked.code == 1
    assert "1 award(s) shared a status index with another after a merge" in locked.err
    assert (r.content / "ledger.json").read_bytes() == ledger
    assert not (tmp_path / "x").exists()

    notices = r.build(tmp_path / "merged")
    assert f"award {moved} had the status index {index} of award {kept}" in notices
    after = r.statuses()
    assert after[kept] == index and after[moved] != index
    assert len(set(after.values())) == len(after)
    # Nothing else moved: main's awards and the other new ones keep their indexes.
    assert {k: v for k, v in after.items() if k != moved} == {
        k: v for k, v in before.items() if k != moved
    }
    assert set(on_main.items()) <= set(after.items())
    r.git("commit", "-q", "-am", "the ledger after the merge")
    r.build(tmp_path / "deploy", "--locked")


def test_a_status_index_clash_outside_git_is_an_error(project: Project) -> None:
    path = project.content / "ledger.json"
    text = path.read_text("utf-8").replace('"status": 4}', '"status": 1}')
    path.write_text(text, "utf-8")
    result = project.build()
    assert result.code == 1
    assert "have the same status index 1" in result.err
    assert "git's history of main does not say which was published" in result.err
    assert "ledger.json:" in result.err and "fix: " in result.err
    assert path.read_text("utf-8") == text
