"""Signed badges: keys, OB 2.0 JWS and OB 3.0 credentials, judged by other people's verifiers."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from generator import dataintegrity, urls
from generator.baking import unbake
from generator.content import load_model
from generator.model import Award
from generator.ob2 import to_json_bytes
from tests.conftest import Project, ServedSite, run_cli, tree_snapshot
from tests.harness import StaticServer, error_texts, validate_ob2, validate_ob2_document, verify_ob3

NEW_AWARD = "badge: echofablab\nissued_on: 2019-01-10\nrecipients:\n  - nouvelle@example.org\n"


def _keys_new(project: Project, *extra: str) -> None:
    result = run_cli("keys", "new", "--content", project.content, *extra)
    assert result.code == 0, result.err


def _sign_badge(project: Project, slug: str = "echofablab") -> None:
    path = project.content / "badges" / f"{slug}.md"
    path.write_text(path.read_text("utf-8").replace("\ntags:", "\nverification: signed\ntags:", 1))


def _set_base_url(project: Project, url: str) -> None:
    path = project.content / "site.yaml"
    text = path.read_text("utf-8").replace("https://badges.pingbase.net/", url)
    path.write_text(text, "utf-8")


@pytest.fixture
def key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "private-keys"
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(directory))
    monkeypatch.delenv("INSIGNE_SIGNING_KEY", raising=False)
    return directory


@pytest.fixture
def signed(project: Project, key_dir: Path) -> Project:
    _keys_new(project)
    _sign_badge(project)
    return project


def test_keys_new_keeps_private_keys_out_of_content_and_output(
    signed: Project, key_dir: Path
) -> None:
    assert signed.build().code == 0
    private = sorted(key_dir.iterdir())
    assert [p.suffix for p in private] == [".pem", ".pem"]
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert b"PRIVATE KEY" in path.read_bytes()
    published = json.loads((signed.content / "keys.json").read_text())["keys"]
    assert {k["type"] for k in published} == {"RSA", "Ed25519"}
    for path in [*signed.content.rglob("*"), *signed.output.rglob("*")]:
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path
    assert (signed.output / ".well-known" / "did.json").is_file()


def test_no_key_but_full_signature_cache_builds_byte_identical(
    signed: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert signed.build().code == 0
    assert (signed.content / "signatures.json").is_file()
    clone = Project(tmp_path / "ci-clone")
    shutil.copytree(signed.content, clone.content)
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(tmp_path / "no-keys-here"))
    result = clone.build("--locked")
    assert result.code == 0, result.err
    assert {k: v[0] for k, v in tree_snapshot(clone.output).items()} == {
        k: v[0] for k, v in tree_snapshot(signed.output).items()
    }


def test_changed_document_without_key_is_a_clear_error(
    signed: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert signed.build().code == 0
    before = tree_snapshot(signed.output)
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(tmp_path / "no-keys-here"))
    (signed.content / "awards" / "2019.yaml").write_text(NEW_AWARD, "utf-8")
    result = signed.build()
    assert result.code == 1
    assert "private key" in result.err and "not available" in result.err
    assert "INSIGNE_KEY_DIR" in result.err
    assert "Traceback" not in result.err
    assert tree_snapshot(signed.output) == before


def test_signing_key_from_environment(
    signed: Project, key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [ed_file] = key_dir.glob("ed25519-*.pem")
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(key_dir.parent / "elsewhere"))
    monkeypatch.setenv("INSIGNE_SIGNING_KEY", ed_file.read_text())
    signed.content.joinpath("badges/echofablab.md").write_text(
        signed.content.joinpath("badges/echofablab.md")
        .read_text()
        .replace("verification: signed\n", "")
    )
    result = signed.build()
    assert result.code == 0, result.err
    assert len(list((signed.output / "credentials").glob("*.json"))) == 6


def test_key_rotation_keeps_old_signatures_and_publishes_both_keys(signed: Project) -> None:
    assert signed.build().code == 0
    first = _first_id(signed)  # chosen before the new award exists, whose id may sort first
    old = json.loads((signed.output / "credentials" / first).read_text())
    _keys_new(signed, "--type", "ed25519")
    (signed.content / "awards" / "2019.yaml").write_text(NEW_AWARD, "utf-8")
    assert signed.build().code == 0
    did = json.loads((signed.output / ".well-known" / "did.json").read_text())
    methods = [m["id"] for m in did["verificationMethod"]]
    assert len(methods) == 2 and did["assertionMethod"] == methods
    again = json.loads((signed.output / "credentials" / first).read_text())
    assert again["proof"] == old["proof"], "an unchanged credential keeps its first proof"
    model = load_model(signed.content).model
    [new] = [a for a in model.awards if a.spec.recipient.email == "nouvelle@example.org"]
    fresh = json.loads((signed.output / urls.credential_json(new.id)).read_text())
    assert fresh["proof"][0]["verificationMethod"] == methods[1]


def _first_id(project: Project) -> str:
    return sorted(p.name for p in (project.output / "credentials").glob("*.json"))[0]


def test_credentials_are_deterministic_and_verify_in_python(signed: Project) -> None:
    assert signed.build().code == 0
    did = json.loads((signed.output / ".well-known" / "did.json").read_text())
    keys = {m["id"]: m["publicKeyMultibase"] for m in did["verificationMethod"]}
    for path in (signed.output / "credentials").glob("*.json"):
        credential = json.loads(path.read_text())
        key = keys[credential["proof"][0]["verificationMethod"]]
        assert dataintegrity.verify_eddsa_rdfc_2022(credential, key), path.name
        baked = signed.output / "credentials" / f"{path.stem}.png"
        if baked.exists():
            assert unbake(baked.read_bytes(), "openbadgecredential") == path.read_text()


# -- the real verifiers, on a signed site served on 127.0.0.1 ----------------------------------


class SignedSite:
    def __init__(self, project: Project, server: StaticServer) -> None:
        self.project = project
        self.server = server

    def awards(self) -> list[Award]:
        return load_model(self.project.content).model.awards

    def rebuild(self) -> None:
        result = self.project.build()
        assert result.code == 0, result.err


@pytest.fixture
def signed_site(signed: Project) -> Iterator[SignedSite]:
    """A signed site whose own base_url is the local server: real keys, not preview ones."""
    with StaticServer() as server:
        _set_base_url(signed, server.url)
        site = SignedSite(signed, server)
        site.rebuild()
        server.root = signed.output
        yield site


@pytest.mark.slow
def test_ob3_credentials_pass_the_independent_verifier(signed_site: SignedSite) -> None:
    srv = signed_site.server
    awards = signed_site.awards()
    reports = verify_ob3([srv.url + urls.credential_json(a.id) for a in awards], srv.port)
    for report in reports:
        assert report["verified"] and report["statusVerified"], report
        assert report["revoked"] is False, report


@pytest.mark.slow
def test_ob3_revoked_tampered_and_foreign_key_fail(signed_site: SignedSite, tmp_path: Path) -> None:
    project, srv = signed_site.project, signed_site.server
    path = project.content / "awards" / "2017-echofablab.yaml"
    path.write_text(
        path.read_text().replace(
            "  - lea.nguyen@example.org", '  - email: lea.nguyen@example.org\n    revoked: "Erreur"'
        )
    )
    signed_site.rebuild()
    awards = signed_site.awards()
    [revoked] = [a for a in awards if a.revoked]
    good = next(a for a in awards if not a.revoked)

    credential = json.loads((project.output / urls.credential_json(good.id)).read_text())
    tampered = dict(credential, name="Un autre badge")
    (project.output / "tampered.json").write_text(json.dumps(tampered))
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    stranger = dataintegrity.sign_eddsa_rdfc_2022(
        unsigned,
        Ed25519PrivateKey.generate(),
        credential["proof"][0]["verificationMethod"].split("#")[0] + "#not-in-did-json",
        credential["proof"][0]["created"],
    )
    (project.output / "stranger.json").write_text(json.dumps(stranger))

    reports = verify_ob3(
        [
            srv.url + urls.credential_json(good.id),
            srv.url + urls.credential_json(revoked.id),
            srv.url + "tampered.json",
            srv.url + "stranger.json",
        ],
        srv.port,
    )
    assert reports[0]["verified"] and reports[0]["revoked"] is False
    assert reports[1]["verified"] and reports[1]["revoked"] is True, reports[1]
    assert not reports[2]["verified"]
    assert not reports[3]["verified"]
    assert not (project.output / urls.credential_image(revoked.id, "png")).exists()


@pytest.mark.slow
def test_ob2_signed_assertions_pass_the_validator_as_jws_and_baked(signed_site: SignedSite) -> None:
    project = signed_site.project
    checked = 0
    for award in signed_site.awards():
        if award.badge != "echofablab":
            continue
        email = award.spec.recipient.email or ""
        token = (project.output / urls.assertion_jws(award.id)).read_text().strip()
        report = validate_ob2_document(token, email)
        assert report["valid"], error_texts(report)
        [baked] = validate_ob2([project.output / urls.baked_image(award.id, "png")], email)
        assert baked["valid"], error_texts(baked)
        checked += 1
    assert checked == 4


@pytest.mark.slow
def test_ob2_signed_svg_badge_passes_the_validator(signed: Project, key_dir: Path) -> None:
    _sign_badge(signed, "gestion-de-projet")
    with StaticServer() as server:
        _set_base_url(signed, server.url)
        assert signed.build().code == 0
        server.root = signed.output
        for award in load_model(signed.content).model.awards:
            if award.badge == "gestion-de-projet":
                svg = signed.output / urls.baked_image(award.id, "svg")
                [report] = validate_ob2([svg], award.spec.recipient.email or "")
                assert report["valid"], error_texts(report)


@pytest.mark.slow
def test_ob2_revoked_signed_assertion_is_reported_revoked(signed_site: SignedSite) -> None:
    project = signed_site.project
    token_before = {
        a.id: (project.output / urls.assertion_jws(a.id)).read_text().strip()
        for a in signed_site.awards()
        if a.badge == "echofablab"
    }
    path = project.content / "awards" / "2017-echofablab.yaml"
    text = path.read_text().replace(
        "  - lea.nguyen@example.org", '  - email: lea.nguyen@example.org\n    revoked: "Erreur"'
    )
    path.write_text(
        text.replace("    public: true\n", '    public: true\n    revoked: "Doublon"\n', 1)
    )
    signed_site.rebuild()
    revoked = [a for a in signed_site.awards() if a.revoked]
    assert len(revoked) == 2
    listing = json.loads((project.output / urls.REVOCATIONS_JSON).read_text())
    assert len(listing["revokedAssertions"]) == 2
    for award in revoked:
        # A holder still has the old JWS (or baked image): the validator must say it is revoked.
        report = validate_ob2_document(token_before[award.id], award.spec.recipient.email or "")
        assert not report["valid"] and report["revoked"], error_texts(report)
        assert not (project.output / urls.assertion_jws(award.id)).exists()


@pytest.mark.slow
def test_example_preview_credentials_verify(served_example: ServedSite) -> None:
    """A preview build (--base-url) signs with throwaway keys and is itself fully verifiable."""
    output = served_example.project.output
    names = sorted(p.name for p in (output / "credentials").glob("*.json"))
    assert len(names) == 6
    reports = verify_ob3(
        [served_example.url + "credentials/" + n for n in names], served_example.server.port
    )
    assert all(r["verified"] and r["revoked"] is False for r in reports), reports


def test_preview_keys_never_touch_the_committed_files(project: Project, key_dir: Path) -> None:
    before = {p.name: p.read_bytes() for p in project.content.iterdir() if p.is_file()}
    result = project.build("--base-url", "http://127.0.0.1:8765/")
    assert result.code == 0, result.err
    after = {p.name: p.read_bytes() for p in project.content.iterdir() if p.is_file()}
    assert after == before
    assert not key_dir.exists()
    assert not os.path.exists(project.content / "signatures.json")


def test_award_page_offers_both_the_assertion_and_the_credential(signed: Project) -> None:
    assert signed.build().code == 0
    award = next(a for a in load_model(signed.content).model.awards if a.badge == "echofablab")
    page = (signed.output / urls.award_page(award.id)).read_text("utf-8")
    assert f'href="../{urls.assertion_json(award.id)}"' in page
    assert f'href="../{urls.credential_json(award.id)}"' in page
    assert f'href="../{urls.credential_image(award.id, "png")}" download' in page
    assert f'href="../{urls.baked_image(award.id, "png")}" download' in page


def test_without_keys_award_pages_do_not_link_to_missing_credentials(project: Project) -> None:
    result = project.build()
    assert result.code == 0
    assert "Open Badges 3.0 credentials are not published" in result.err
    assert not (project.output / "credentials").exists()
    for page in (project.output / "awards").glob("*.html"):
        assert "credentials/" not in page.read_text("utf-8")


# -- signatures made before proofs were published as a list ------------------------------------

SIGNED_BEFORE = Path(__file__).parent / "fixtures" / "signed-before-proof-list"


def test_signatures_cached_before_proof_lists_still_publish_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example signed by Insigne when `proof` was an object (its keys.json and
    signatures.json, and what it published): built again with no private key and --locked,
    every credential is the same but for the proof, now in a one-item list. Nothing is signed
    again: the cached proofs are reused as they are, since a proof does not sign its place."""
    project = Project(tmp_path / "project")
    shutil.copytree(SIGNED_BEFORE / "content", project.content)
    monkeypatch.setenv("INSIGNE_KEY_DIR", str(tmp_path / "no-keys-here"))
    monkeypatch.delenv("INSIGNE_SIGNING_KEY", raising=False)
    cache_before = (project.content / "signatures.json").read_bytes()
    result = project.build("--locked")
    assert result.code == 0, result.err
    assert (project.content / "signatures.json").read_bytes() == cache_before
    published = SIGNED_BEFORE / "published"
    old_files = sorted(p.relative_to(published).as_posix() for p in published.rglob("*.json"))
    assert len(old_files) == 8  # six credentials, the status list, did.json
    for rel in old_files:
        old = json.loads((published / rel).read_text("utf-8"))
        new_bytes = (project.output / rel).read_bytes()
        if "proof" in old:
            assert isinstance(old["proof"], dict)
            old["proof"] = [old["proof"]]
        assert new_bytes == to_json_bytes(old), rel
    did = json.loads((project.output / ".well-known" / "did.json").read_text())
    keys = {m["id"]: m["publicKeyMultibase"] for m in did["verificationMethod"]}
    for path in (project.output / "credentials").glob("*.json"):
        credential = json.loads(path.read_text())
        key = keys[credential["proof"][0]["verificationMethod"]]
        assert dataintegrity.verify_eddsa_rdfc_2022(credential, key), path.name
