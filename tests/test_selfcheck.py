"""`insigne verify OUTPUT_DIR` (generator.selfcheck): a clean build passes, each planted defect
is found and named, and `insigne build` refuses to go live with a tree that fails the check."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator.baking import PngTemplate
from generator.cli import main
from generator.selfcheck import check_tree
from tests.harness import repo_root

BASE = "https://badges.example.org/"


def build_example(tmp_path: Path, *extra: str) -> tuple[Path, Path]:
    content = tmp_path / "content"
    if not content.exists():
        shutil.copytree(repo_root() / "content", content)
    output = tmp_path / "output"
    code = main(
        ["-q", "build", "--content", str(content), "--output", str(output), "--base-url", BASE]
        + list(extra)
    )
    assert code == 0
    return content, output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _content, output = build_example(tmp_path_factory.mktemp("built"))
    return output


@pytest.fixture
def tree(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built example, free to damage."""
    copy = tmp_path / "tree"
    shutil.copytree(built, copy)
    return copy


def first_assertion(tree: Path) -> tuple[Path, dict]:
    path = sorted((tree / "assertions").glob("*.json"))[0]
    return path, json.loads(path.read_text("utf-8"))


def baked_png_assertion(tree: Path) -> tuple[Path, Path]:
    png = sorted((tree / "assertions").glob("*.png"))[0]
    return png.with_suffix(".json"), png


def problems_of(tree: Path) -> list[str]:
    return check_tree(tree).problems


def test_clean_build_passes(built: Path) -> None:
    report = check_tree(built)
    assert report.problems == []
    assert report.assertions == 6
    assert report.baked == 12  # 6 Open Badges 2.0 assertions, 6 3.0 credentials
    assert report.files > 20


def test_verify_command_exit_codes(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(tree)]) == 0
    assert "no problems" in capsys.readouterr().out
    (tree / "index.html").write_text("<p>write to jane.doe@example.com</p>", "utf-8")
    assert main(["verify", str(tree)]) == 1
    captured = capsys.readouterr()
    assert "index.html: plaintext email address(es) published: jane.doe@example.com" in (
        captured.err
    )
    assert "Traceback" not in captured.err


def test_missing_folder_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["verify", str(tmp_path / "nope")]) == 1
    assert "no such folder" in capsys.readouterr().err


def test_plaintext_email_in_a_page(tree: Path) -> None:
    page = sorted((tree / "awards").glob("*.html"))[0]
    page.write_text(page.read_text("utf-8") + "<!-- Camille.Martin@example.org -->", "utf-8")
    [problem] = problems_of(tree)
    assert problem.startswith(f"awards/{page.name}: plaintext email")
    assert "camille.martin@example.org" in problem


def test_plaintext_email_in_json_and_in_a_png(tree: Path) -> None:
    badge = tree / "badges" / "echofablab.json"
    doc = json.loads(badge.read_text("utf-8"))
    doc["description"] += " Questions: someone@example.net"
    badge.write_text(json.dumps(doc), "utf-8")
    image = tree / "badges" / "echofablab.png"
    image.write_bytes(PngTemplate(image.read_bytes()).bake("Author", "leak@example.com"))
    problems = problems_of(tree)
    assert any(p.startswith("badges/echofablab.json: plaintext email") for p in problems)
    assert any(
        p.startswith("badges/echofablab.png: plaintext email") and "leak@example.com" in p
        for p in problems
    ), problems


def test_issuer_email_and_file_names_are_not_reported(tree: Path) -> None:
    issuer_email = json.loads((tree / "issuer.json").read_text("utf-8"))["email"]
    (tree / "index.html").write_text(
        f'<a href="mailto:{issuer_email.upper()}">x</a><img src="logo@2x.png">', "utf-8"
    )
    assert problems_of(tree) == []


def test_tampered_baked_image(tree: Path) -> None:
    hosted, png = baked_png_assertion(tree)
    doc = json.loads(hosted.read_text("utf-8"))
    doc["issuedOn"] = "2001-01-01T00:00:00+00:00"
    png.write_bytes(PngTemplate(png.read_bytes()).bake("openbadges", json.dumps(doc)))
    assert problems_of(tree) == [
        f"assertions/{png.name}: baked assertion differs from the hosted assertions/{hosted.name}"
    ]


def test_baked_image_without_data(tree: Path) -> None:
    hosted, png = baked_png_assertion(tree)
    shutil.copy(tree / "badges" / "echofablab.png", png)
    assert problems_of(tree) == [f"assertions/{png.name}: has no baked assertion"]


def test_wrong_assertion_id(tree: Path) -> None:
    path, doc = first_assertion(tree)
    doc["id"] = BASE + "assertions/someone-else.json"
    raw = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    path.write_text(raw, "utf-8")
    problems = problems_of(tree)
    assert (
        f"assertions/{path.name}: id '{doc['id']}' is not the URL it is served at "
        f"({BASE}assertions/{path.name})" in problems
    )


def test_missing_badge_class(tree: Path) -> None:
    (tree / "badges" / "echofablab.json").unlink()
    problems = problems_of(tree)
    missing = [p for p in problems if "badges/echofablab.json does not resolve" in p]
    assert len(missing) == 4, problems  # the four echofablab awards of the example


def test_badge_class_with_a_foreign_issuer(tree: Path) -> None:
    badge = tree / "badges" / "echofablab.json"
    doc = json.loads(badge.read_text("utf-8"))
    doc["issuer"] = "https://elsewhere.example.com/issuer.json"
    badge.write_text(json.dumps(doc, indent=2), "utf-8")
    assert any("is not under the site's base URL" in p for p in problems_of(tree))


def test_malformed_recipient_hash(tree: Path) -> None:
    path, doc = first_assertion(tree)
    doc["recipient"]["identity"] = doc["recipient"]["identity"].upper()
    del doc["recipient"]["salt"]
    path.write_text(json.dumps(doc, indent=2), "utf-8")
    problems = problems_of(tree)
    assert f"assertions/{path.name}: recipient has no salt" in problems
    assert any("'sha256$' + 64 lowercase hex" in p for p in problems)


def test_dates_without_zone_and_expiry_before_issue(tree: Path) -> None:
    path, doc = first_assertion(tree)
    doc["issuedOn"] = "2017-09-15T00:00:00"
    path.write_text(json.dumps(doc, indent=2), "utf-8")
    other, doc2 = sorted((tree / "assertions").glob("*.json"))[1], None
    doc2 = json.loads(other.read_text("utf-8"))
    doc2["expires"] = "2000-01-01T00:00:00+00:00"
    other.write_text(json.dumps(doc2, indent=2), "utf-8")
    problems = problems_of(tree)
    assert any(p.startswith(f"assertions/{path.name}: issuedOn") for p in problems)
    assert any("is not after issuedOn" in p and other.name in p for p in problems)


@pytest.mark.parametrize(
    "plant",
    [
        lambda t: (t / "static" / "signing.key").write_bytes(b"anything"),
        lambda t: (t / "did.seed").write_bytes(b"x" * 32),
        lambda t: (t / "notes.txt").write_text(
            "-----BEGIN PRIVATE KEY-----\nMC4CAQ==\n-----END PRIVATE KEY-----\n"
        ),
        lambda t: (t / "jwks.json").write_text(
            json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "BB"}]})
        ),
        lambda t: (t / "key.json").write_text(json.dumps({"privateKeyMultibase": "z3u2"})),
    ],
    ids=["key-file", "seed-file", "pem", "jwk-d", "multibase"],
)
def test_private_key_material(tree: Path, plant: Callable[[Path], object]) -> None:
    plant(tree)
    problems = problems_of(tree)
    assert len(problems) == 1, problems
    assert "key" in problems[0]


def test_documents_whose_key_paths_read_alike_are_checked_apart(tree: Path) -> None:
    # The keys of a document are worked out once per shape (paths of keys): without escaping,
    # {"p/privateKeyMultibase": 1, "p": 2} and {"p": {"privateKeyMultibase": ...}} would both
    # read /p and /p/privateKeyMultibase, and the second would pass for the first.
    (tree / "a.json").write_text(json.dumps({"p/privateKeyMultibase": 1, "p": 2}))
    (tree / "b.json").write_text(json.dumps({"p": {"privateKeyMultibase": "z3u2"}}))
    (tree / "c.json").write_text(json.dumps({'type="x"': 1, "type": "y"}))
    (tree / "d.json").write_text(json.dumps({"type": "x", "kty": "OKP", "d": "BB"}))
    assert problems_of(tree) == [
        "b.json: contains private key material at /p/privateKeyMultibase",
        "d.json: contains private key material at / (JWK 'd')",
    ]


def test_revoked_assertion_must_be_listed_and_unbaked(tree: Path) -> None:
    path, doc = first_assertion(tree)
    revoked = {k: doc[k] for k in ("@context", "type", "id")}
    revoked.update(revoked=True, revocationReason="test")
    path.write_text(json.dumps(revoked, indent=2), "utf-8")
    problems = problems_of(tree)
    assert f"assertions/{path.name}: revoked, but not listed in the issuer's revocation list" in (
        problems
    )
    assert any("baked image of a revoked assertion is published" in p for p in problems)


def test_listed_as_revoked_but_served_valid(tree: Path) -> None:
    path, doc = first_assertion(tree)
    rl = tree / "revocations.json"
    rl_doc = json.loads(rl.read_text("utf-8"))
    rl_doc["revokedAssertions"] = [{"id": doc["id"]}, doc["id"]]
    rl.write_text(json.dumps(rl_doc), "utf-8")
    assert problems_of(tree) == [
        f"assertions/{path.name}: listed as revoked, but served as a valid assertion"
    ]


def test_broken_json_and_foreign_terms(tree: Path) -> None:
    (tree / "badges" / "gestion-de-projet.json").write_text("{not json", "utf-8")
    path, doc = first_assertion(tree)
    doc["favouriteColour"] = "blue"
    path.write_text(json.dumps(doc, indent=2), "utf-8")
    problems = problems_of(tree)
    assert any(p.startswith("badges/gestion-de-projet.json: not valid JSON") for p in problems)
    assert any(
        p.startswith(f"assertions/{path.name}: terms not in the Open Badges 2.0 context")
        and "favouriteColour" in p
        for p in problems
    ), problems


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_build_refuses_a_tree_that_fails_and_keeps_the_old_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, output = build_example(tmp_path)
    before = tree_digest(output)
    badge = content / "badges" / "echofablab.md"
    badge.write_text(
        badge.read_text("utf-8").replace(
            "  A participé", "  Écrire à president.ping@example.org. A participé", 1
        ),
        "utf-8",
    )
    capsys.readouterr()
    args = ["build", "--content", str(content), "--output", str(output), "--base-url", BASE]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "self-check: badges/echofablab.json: plaintext email" in err
    assert "the previous output was kept" in err
    assert tree_digest(output) == before
    assert not any(p.name.endswith("insigne-staging") for p in tmp_path.iterdir())

    assert main([*args, "--no-verify"]) == 0
    assert "president.ping@example.org" in (output / "badges" / "echofablab.json").read_text()


def test_tampered_baked_credential(tree: Path) -> None:
    images = sorted((tree / "credentials").glob("*.png"))
    assert len(images) >= 2, "the preview build publishes Open Badges 3.0 credentials"
    images[0].write_bytes(images[1].read_bytes())
    assert problems_of(tree) == [
        f"credentials/{images[0].name}: baked credential differs from the hosted "
        f"credentials/{images[0].stem}.json"
    ]


def test_signed_assertions_pass_and_a_swapped_jws_is_found(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    with (content / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("verification: signed\n")
    _content, output = build_example(tmp_path)
    assert check_tree(output).problems == []
    tokens = sorted((output / "assertions").glob("*.jws"))
    assert len(tokens) == 6
    tokens[0].write_bytes(tokens[1].read_bytes())
    problems = problems_of(output)
    assert f"assertions/{tokens[0].name}: the signed payload differs from the hosted " in (
        "".join(problems)
    )


def test_json_ld_term_missing_from_a_bundled_context(tree: Path) -> None:
    credential = sorted((tree / "credentials").glob("*.json"))[0]
    doc = json.loads(credential.read_text("utf-8"))
    doc["credentialSubject"]["favouriteColour"] = "blue"
    credential.write_text(json.dumps(doc, indent=2), "utf-8")
    problems = [p for p in problems_of(tree) if p.startswith(f"credentials/{credential.name}")]
    assert any("not well-formed JSON-LD" in p and "favouriteColour" in p for p in problems), (
        problems
    )


def test_incremental_check_finds_a_defect_in_a_changed_file_only(built: Path, tree: Path) -> None:
    full = check_tree(built)
    assert full.ok and not full.incremental and full.shapes
    assertion, doc = first_assertion(tree)
    doc["recipient"]["identity"] = "sha256$NOT-HEX"
    assertion.write_text(json.dumps(doc, indent=2), "utf-8")
    rel = assertion.relative_to(tree).as_posix()

    report = check_tree(tree, changed={rel}, known_shapes=full.shapes)
    assert report.incremental
    assert any(p.startswith(f"{rel}: recipient identity") for p in report.problems)
    # Its baked image now differs from it, though the image itself was not written.
    assert any("baked assertion differs" in p for p in report.problems)
    # A file outside `changed` keeps the verdict of the check the tree passed before.
    other = "awards/" + sorted(p.name for p in (tree / "awards").iterdir())[0]
    assert check_tree(tree, changed={other}, known_shapes=full.shapes).ok


def test_incremental_check_turns_full_when_a_shared_document_changes(tree: Path) -> None:
    assertion, doc = first_assertion(tree)
    doc["recipient"]["hashed"] = False
    assertion.write_text(json.dumps(doc, indent=2), "utf-8")
    report = check_tree(tree, changed={"issuer.json"})
    assert not report.incremental
    assert any("recipient is not hashed" in p for p in report.problems)
    (tree / "issuer.key").write_bytes(b"x")  # key files are caught by name in any mode
    report = check_tree(tree, changed={"index.html"})
    assert report.incremental
    assert "issuer.key: a key file is published (private keys must never be)" in report.problems


def test_changed_badge_class_keeps_the_check_incremental_while_it_is_one(tree: Path) -> None:
    assertion, doc = first_assertion(tree)
    badge_rel = "badges/" + doc["badge"].rsplit("/", 1)[-1]
    badge_path = tree / badge_rel
    badge = json.loads(badge_path.read_text("utf-8"))
    badge["description"] = "Une autre description."
    badge_path.write_text(json.dumps(badge, indent=2), "utf-8")
    report = check_tree(tree, changed={badge_rel})
    assert report.incremental and report.ok, report.problems
    # The BadgeClass itself is checked: an issuer that no longer resolves is found...
    badge["issuer"] = "https://elsewhere.example.org/issuer.json"
    badge_path.write_text(json.dumps(badge, indent=2), "utf-8")
    report = check_tree(tree, changed={badge_rel})
    assert any(p.startswith(f"{badge_rel}: issuer ") for p in report.problems), report.problems
    # ...and a badge JSON that is no longer a BadgeClass makes every assertion's check run.
    badge["issuer"] = json.loads((tree / "issuer.json").read_text("utf-8"))["id"]
    badge["type"] = "Profile"
    badge_path.write_text(json.dumps(badge, indent=2), "utf-8")
    report = check_tree(tree, changed={badge_rel})
    assert not report.incremental
    rel = assertion.relative_to(tree).as_posix()
    assert any(
        p.startswith(f"{rel}: badge ") and "is not a BadgeClass" in p for p in report.problems
    )


def test_build_checks_a_new_award_incrementally_and_refuses_its_defect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import generator.selfcheck as selfcheck

    content, output = build_example(tmp_path)
    before = tree_digest(output)
    calls: list[bool] = []
    real = selfcheck.check_tree

    def spy(*args: object, **kwargs: object) -> selfcheck.Report:
        report = real(*args, **kwargs)  # type: ignore[arg-type]
        calls.append(report.incremental)
        return report

    awards = content / "awards" / "2017-echofablab.yaml"
    awards.write_text(
        awards.read_text("utf-8")
        + "  - email: nadia.roux@example.org\n"
        # Not the recipient's own address (the content check refuses that before any
        # building): an address only the self-check of the output can catch.
        + "    narrative: Joignable à nadia.contact@example.org pour la suite.\n",
        "utf-8",
    )
    capsys.readouterr()
    args = ["build", "--content", str(content), "--output", str(output), "--base-url", BASE]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selfcheck, "check_tree", spy)
        assert main(args) == 1
    assert calls == [True], "the second build checks only what it wrote"
    err = capsys.readouterr().err
    assert "plaintext email address(es) published: nadia.contact@example.org" in err
    assert "awards/" in err
    assert tree_digest(output) == before


def test_first_build_on_two_cores_checks_documents_and_pages_in_two_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import generator.build
    import generator.selfcheck as selfcheck

    monkeypatch.setattr(generator.build, "PARALLEL_MIN_AWARDS", 0)
    # `available()` declines to fork while other threads run, as the session's HTTP servers
    # do in a full test run: force it, so this test never silently checks nothing.
    assert hasattr(os, "fork"), "the forked page renderer needs os.fork (Linux, macOS)"
    monkeypatch.setattr(generator.build, "parallel_available", lambda: True)
    # The pages' check runs in the forked child: each call is recorded in a file, with its pid.
    calls_file = tmp_path / "calls.jsonl"
    real = selfcheck.check_tree

    def spy(*args: object, **kwargs: object) -> selfcheck.Report:
        scope: Any = kwargs.get("scope")
        line = {"pid": os.getpid(), "scope": None if scope is None else sorted(scope)}
        with open(calls_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    def calls() -> list[dict[str, Any]]:
        lines = calls_file.read_text("utf-8").splitlines() if calls_file.exists() else []
        calls_file.unlink(missing_ok=True)
        return [json.loads(line) for line in lines]

    monkeypatch.setattr(selfcheck, "check_tree", spy)
    content = tmp_path / "content"
    shutil.copytree(repo_root() / "content", content)
    badge = content / "badges" / "echofablab.md"
    badge.write_text(
        badge.read_text("utf-8").replace("  A participé", "  À x.y@example.org. A participé"),
        "utf-8",
    )
    output = tmp_path / "output"
    capsys.readouterr()
    args = ["build", "--content", str(content), "--output", str(output), "--base-url", BASE]
    assert main(args) == 1
    err = capsys.readouterr().err
    # Found in both halves: the BadgeClass (documents) and the criteria page (pages).
    assert "self-check: badges/echofablab.json: plaintext email" in err
    assert "self-check: badges/echofablab.html: plaintext email" in err
    first = calls()
    assert len(first) == 2 and all(call["scope"] for call in first), first
    assert first[0]["pid"] != first[1]["pid"]
    documents, pages = sorted(first, key=lambda call: call["pid"] != os.getpid())
    assert "badges/echofablab.json" in documents["scope"]
    assert "badges/echofablab.html" in pages["scope"]
    assert not output.exists()
    assert not (tmp_path / ".output.insigne-spare").exists()  # the child's spare went too

    badge.write_text(badge.read_text("utf-8").replace("x.y@example.org", "l'équipe"), "utf-8")
    assert main(args) == 0
    second = calls()
    assert len(second) == 2
    # Between them, the two scopes cover the whole tree, each file once.
    scopes = [set(call["scope"]) for call in second]
    assert not scopes[0] & scopes[1]
    assert scopes[0] | scopes[1] == {
        p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()
    }
    assert check_tree(output).ok


def test_contents_given_are_checked_instead_of_the_files(tree: Path) -> None:
    page = sorted((tree / "awards").glob("*.html"))[0]
    rel = f"awards/{page.name}"
    clean = page.read_bytes()
    leaky = clean + b"<!-- leak@example.org -->"
    # The bytes handed over are what is checked, whatever the disk holds...
    [problem] = check_tree(tree, contents={rel: leaky}).problems
    assert problem.startswith(f"{rel}: plaintext email")
    # ...and the file is not read at all: a defect on disk only goes unseen.
    page.write_bytes(leaky)
    assert check_tree(tree, contents={rel: clean}).problems == []
    assert check_tree(tree).problems != []


def test_build_checks_what_it_wrote_without_reading_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    import generator.selfcheck as selfcheck

    read: list[str] = []

    def spy_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        read.append(str(file))
        return builtins.open(file, *args, **kwargs)

    # The checker's own `open` (a module global shadows the builtin), not the build's.
    monkeypatch.setattr(selfcheck, "open", spy_open, raising=False)
    content, output = build_example(tmp_path)
    staged = [path for path in read if "insigne-staging" in path]
    assert staged == [], "a first build's check reads back none of the files it wrote"

    before = {p.name for p in (output / "assertions").glob("*.json")}
    awards = content / "awards" / "2017-echofablab.yaml"
    awards.write_text(awards.read_text("utf-8") + "  - email: nadia.roux@example.org\n", "utf-8")
    read.clear()
    build_example(tmp_path)
    [new] = {p.name for p in (output / "assertions").glob("*.json")} - before
    staged = [Path(path).name for path in read if "insigne-staging" in path]
    # It looks up files it kept (the BadgeClass its assertion names), never one it wrote.
    assert staged, "an incremental check reads the kept files it checks against"
    assert new not in staged and f"{new.removesuffix('.json')}.html" not in staged


def test_the_check_holds_one_group_of_files_at_a_time(
    built: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.selfcheck as selfcheck

    held: list[int] = []
    read_group = selfcheck._Checker._read_group

    def spy(self: selfcheck._Checker, group: list[str]) -> None:
        read_group(self, group)
        held.append(len(self.raw))

    monkeypatch.setattr(selfcheck._Checker, "_read_group", spy)
    report = check_tree(built)
    assert report.ok and report.assertions >= 5
    shared = [
        p for p in built.rglob("*.json") if selfcheck._is_shared(p.relative_to(built).as_posix())
    ]
    # An assertion, its baked image and the documents every check refers to, never the tree.
    assert max(held) <= len(shared) + 3, (max(held), len(shared))
    assert report.files > len(shared) + 3 + 20


def test_a_writer_keeps_written_bytes_up_to_its_limit(tmp_path: Path) -> None:
    from generator.writer import OutputWriter

    writer = OutputWriter(tmp_path / "output")
    writer.begin()
    writer.retain_written(limit=100)
    writer.write("a.json", b"x" * 60)
    writer.write("big.png", b"y" * 50)  # would pass the limit: read back by the check instead
    writer.write("b.json", b"z" * 40)
    assert writer.retained == {"a.json": b"x" * 60, "b.json": b"z" * 40}
    writer.abort()
