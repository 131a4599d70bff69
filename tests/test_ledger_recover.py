"""A lost ledger never re-issues (generator.ledgerguard), and `insigne ledger recover` brings it
back from the published site (generator.recover) byte for byte (#15 item 3)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.ledger import Ledger
from tests.conftest import Project, run_cli, tree_snapshot
from tests.harness import StaticServer

LEA = "lea.nguyen@example.org"


@pytest.fixture
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "private-keys"
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(directory))
    monkeypatch.delenv("INSIGNE_SIGNING_KEY", raising=False)
    return directory


def ledger_ids(content: Path) -> dict[str, str]:
    """Award id -> salt, from the ledger as written."""
    return {e.id: e.salt for e in Ledger.load(content).entries.values()}


def revoke_lea(project: Project) -> str:
    # Léa's award: the only echofablab award without a name in the example.
    from generator.content import load_model

    award = next(
        a for a in load_model(project.content).model.awards if a.spec.recipient.email == LEA
    )
    assert award.id in ledger_ids(project.content)
    result = run_cli(
        "revoke", award.id, "--reason", "Awarded by mistake", "--content", project.content
    )
    assert result.code == 0, result.err
    return award.id


def with_credentials(project: Project) -> None:
    """An Ed25519 key: every award is also published as a 3.0 credential, status index and all."""
    result = run_cli("keys", "new", "--type", "ed25519", "--content", project.content)
    assert result.code == 0, result.err


def test_lost_ledger_is_refused_then_recovered_from_the_output(
    project: Project, key_dir: Path
) -> None:
    with_credentials(project)
    revoked = revoke_lea(project)
    assert project.build().code == 0
    ledger = project.content / "ledger.json"
    before_ledger = ledger.read_bytes()
    before_output = tree_snapshot(project.output)
    assert f"credentials/{revoked}.json" in before_output

    ledger.unlink()
    result = project.build()
    assert result.code == 1
    assert "the ledger is missing" in result.err
    assert "insigne ledger recover --from" in result.err
    assert "Traceback" not in result.err
    assert not ledger.exists()
    assert tree_snapshot(project.output) == before_output
    checked = run_cli("check", "--content", project.content)
    assert checked.code == 1
    assert "the ledger is missing" in checked.err
    assert not ledger.exists()

    result = run_cli("ledger", "recover", "--from", project.output, "--content", project.content)
    assert result.code == 0, result.err
    assert "recovered 6 award(s)" in result.out + result.err
    assert ledger.read_bytes() == before_ledger

    assert project.build().code == 0
    assert ledger.read_bytes() == before_ledger
    assert tree_snapshot(project.output) == before_output


def test_a_ledger_lacking_a_published_award_is_refused(project: Project) -> None:
    assert project.build().code == 0
    ledger = project.content / "ledger.json"
    lines = ledger.read_text("utf-8").splitlines(keepends=True)
    dropped = json.loads("{" + lines[1].rstrip(",\n") + "}")
    dropped_id = next(iter(dropped.values()))["id"]
    ledger.write_text("".join(lines[:1] + lines[2:]), "utf-8")
    before = tree_snapshot(project.output)
    result = project.build()
    assert result.code == 1
    assert "the ledger lacks 1 published award(s)" in result.err
    assert dropped_id in result.err
    assert tree_snapshot(project.output) == before

    # Recovery adds the missing entry and leaves the others as they are.
    result = run_cli("ledger", "recover", "--from", project.output, "--content", project.content)
    assert result.code == 0, result.err
    assert "recovered 1 award(s)" in result.out + result.err
    assert "5 were there already" in result.out + result.err
    assert dropped_id in ledger_ids(project.content)
    assert project.build().code == 0
    assert tree_snapshot(project.output) == before


def test_a_revoked_award_without_a_published_salt_keeps_its_id(project: Project) -> None:
    # Open Badges 2.0 only: a revoked assertion publishes its id and nothing else.
    revoked = revoke_lea(project)
    assert project.build().code == 0
    before_ids = ledger_ids(project.content)
    before_output = {k: v[0] for k, v in tree_snapshot(project.output).items()}
    (project.content / "ledger.json").unlink()

    result = run_cli("ledger", "recover", "--from", project.output, "--content", project.content)
    assert result.code == 0, result.err
    assert f"award {revoked} is revoked and its salt is not published" in result.err
    after = ledger_ids(project.content)
    assert set(after) == set(before_ids)
    assert {k: v for k, v in after.items() if k != revoked} == {
        k: v for k, v in before_ids.items() if k != revoked
    }
    assert project.build().code == 0
    assert {k: v[0] for k, v in tree_snapshot(project.output).items()} == before_output


def test_recover_never_overwrites_an_entry(project: Project) -> None:
    assert project.build().code == 0
    copy = project.root / "copy"
    shutil.copytree(project.output, copy)
    # The published copy says Léa's award has another id than the ledger gives it.
    ledger = project.content / "ledger.json"
    before = ledger.read_bytes()
    ids = ledger_ids(project.content)
    lea_id = next(i for i in ids if (copy / "assertions" / f"{i}.json").exists())
    other = "2222222222"
    (copy / "assertions" / f"{lea_id}.json").rename(copy / "assertions" / f"{other}.json")
    result = run_cli("ledger", "recover", "--from", copy, "--content", project.content)
    assert result.code == 1
    assert f"the ledger gives this award the id {lea_id}, the site publishes it as {other}" in (
        result.err
    )
    assert "nothing was written" in result.err
    assert ledger.read_bytes() == before


def test_recover_from_the_served_site(project: Project, key_dir: Path) -> None:
    with_credentials(project)
    with StaticServer() as server:
        site_yaml = project.content / "site.yaml"
        site_yaml.write_text(
            site_yaml.read_text("utf-8").replace("https://badges.pingbase.net/", server.url),
            "utf-8",
        )
        assert project.build().code == 0
        server.root = project.output
        ledger = project.content / "ledger.json"
        before = ledger.read_bytes()
        ids = ledger_ids(project.content)
        ledger.unlink()

        # Only Camille is listed publicly: her two award pages are linked, the others are not.
        result = run_cli("ledger", "recover", "--from", server.url, "--content", project.content)
        assert result.code == 1
        assert result.err.count("not found on the site:") == 4
        assert "--assertion" in result.err
        assert not ledger.exists()

        # Every id, as a recipient would have it: an assertion URL, an award page, a bare id.
        forms = ["{}assertions/{}.json", "{}awards/{}.html", "{}en/awards/{}.html", "{1}"]
        given = [forms[n % len(forms)].format(server.url, i) for n, i in enumerate(sorted(ids))]
        extra = [arg for url in given for arg in ("--assertion", url)]
        result = run_cli(
            "ledger", "recover", "--from", server.url, "--content", project.content, *extra
        )
        assert result.code == 0, result.err
        assert ledger.read_bytes() == before


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("repo", ["project", "content"])
def test_ledger_deleted_from_a_git_work_tree(
    project: Project, monkeypatch: pytest.MonkeyPatch, repo: str
) -> None:
    content = project.content
    top = project.root if repo == "project" else content
    git(top, "init", "-q")
    git(top, "add", "content" if repo == "project" else ".")
    git(top, "commit", "-q", "-m", "content")
    monkeypatch.chdir(project.root)
    ledger = content / "ledger.json"
    before = ledger.read_bytes()
    ledger.unlink()
    # No output anywhere: only git shows what was published.
    result = project.build()
    assert result.code == 1
    assert "the ledger is missing" in result.err
    assert "recorded in the ledger committed in git (HEAD)" in result.err
    fix = (
        "git checkout -- content/ledger.json"
        if repo == "project"
        else (f"git -C {content} checkout -- ledger.json")
    )
    assert fix in result.err
    assert not project.output.exists()
    assert not ledger.exists()
    assert run_cli("check", "--content", content).code == 1

    # The command offered, run as offered, from here.
    subprocess.run(fix.split(), check=True, capture_output=True)
    assert ledger.read_bytes() == before
    assert project.build().code == 0


def test_an_unpublished_future_award_may_leave_a_committed_ledger(project: Project) -> None:
    content = project.content
    future = content / "awards" / "future.yaml"
    future.write_text(
        "badge: echofablab\nissued_on: 2999-01-01\nrecipients:\n  - later@example.org\n", "utf-8"
    )
    assert project.build().code == 0
    git(content, "init", "-q")
    git(content, "add", ".")
    git(content, "commit", "-q", "-m", "content with a future award")
    future.unlink()
    result = project.build()
    assert result.code == 0, result.err
    assert project.build().code == 0


def test_recover_from_nothing_is_a_clear_error(project: Project, tmp_path: Path) -> None:
    ledger = project.content / "ledger.json"
    ledger.unlink()
    missing = run_cli(
        "ledger", "recover", "--from", tmp_path / "nope", "--content", project.content
    )
    assert missing.code == 1
    assert "not a folder" in missing.err
    with StaticServer() as server:
        url = server.url
    # The server is closed: nothing answers at its address.
    gone = run_cli("ledger", "recover", "--from", url, "--content", project.content)
    assert gone.code == 1
    assert url in gone.err
    assert "nothing was written" in gone.err
    for result in (missing, gone):
        assert "Traceback" not in result.err
    assert not ledger.exists()


def test_switching_branches_with_one_output_is_not_a_lost_ledger(project: Project) -> None:
    """Branch a's awards in the output are not this branch's: they are not re-issued here."""
    content = project.content
    git(content, "init", "-q", "-b", "main")
    git(content, "add", ".")
    git(content, "commit", "-q", "-m", "content")
    git(content, "checkout", "-q", "-b", "a")
    (content / "awards" / "a.yaml").write_text(
        "badge: echofablab\nissued_on: 2019-01-10\nrecipients:\n  - alice@example.org\n", "utf-8"
    )
    assert project.build().code == 0
    git(content, "add", ".")
    git(content, "commit", "-q", "-m", "award alice")
    alice = set(ledger_ids(content))

    git(content, "checkout", "-q", "main")
    (content / "awards" / "b.yaml").write_text(
        "badge: echofablab\nissued_on: 2019-01-10\nrecipients:\n  - bob@example.org\n", "utf-8"
    )
    result = project.build()
    assert result.code == 0, result.err
    bob = set(ledger_ids(content))
    assert not (alice - bob) & {p.stem for p in (project.output / "assertions").iterdir()}
