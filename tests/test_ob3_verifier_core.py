"""Every credential of a built site through the Learner Credential Wallet's verifier.

`@digitalcredentials/verifier-core` (also behind VerifierPlus) runs beside Digital Bazaar's
`@digitalbazaar/vc` stack on the same site, served on 127.0.0.1: valid credentials are valid
in every step and pass 1EdTech's JSON Schema, a revoked one is revoked, an expired one
expired, a tampered one rejected. `registered_issuer` is false for any self-hosted issuer
(it is in none of the wallet's registries): expected, and the only step that is not valid.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from generator import urls
from generator.content import load_model
from generator.model import Award
from tests.conftest import EXAMPLE_CONTENT, Project
from tests.harness import StaticServer, verify_ob3, verify_ob3_core

pytestmark = pytest.mark.slow

SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
EXPIRED_AWARD = """\
badge: echofablab
issued_on: 2015-03-01
expires: 2016-03-01
recipients:
  - ancienne@example.org
"""
VALID_CHECKS = {
    "valid_signature": True,
    "expiration": True,
    "revocation_status": True,
    "registered_issuer": False,
}


def _valid(award: Award) -> bool:
    return award.revoked is None and award.spec.recipient.email != "ancienne@example.org"


@dataclass
class Site:
    project: Project
    server: StaticServer
    awards: list[Award]

    def url(self, rel: str) -> str:
        return self.server.url + rel


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The example with one award revoked and one expired, served as built for its address."""
    project = Project(tmp_path_factory.mktemp("core") / "project")
    shutil.copytree(EXAMPLE_CONTENT, project.content)
    awards = project.content / "awards" / "2017-echofablab.yaml"
    awards.write_text(
        awards.read_text("utf-8").replace(
            "  - lea.nguyen@example.org",
            '  - email: lea.nguyen@example.org\n    revoked: "Attribué par erreur"',
        ),
        "utf-8",
    )
    (project.content / "awards" / "2015-expired.yaml").write_text(EXPIRED_AWARD, "utf-8")
    with StaticServer() as server:
        result = project.build("--base-url", server.url)
        assert result.code == 0, result.err
        server.root = project.output
        model = load_model(project.content, server.url).model
        yield Site(project, server, model.awards)


def test_every_credential_through_verifier_core_and_digital_bazaar(site: Site) -> None:
    awards = site.awards
    assert len(awards) == 7
    inputs = [site.url(urls.credential_json(a.id)) for a in awards]
    core = verify_ob3_core(inputs, site.server.port)
    bazaar = verify_ob3(inputs, site.server.port)
    kinds = {"valid": 0, "revoked": 0, "expired": 0}
    for award, report, other in zip(awards, core, bazaar, strict=True):
        assert report["errors"] == [], report
        assert report["schemas"] == [{"schema": SCHEMA, "valid": True, "errors": []}], report
        expected = dict(VALID_CHECKS)
        if award.spec.recipient.email == "ancienne@example.org":
            expected["expiration"] = False
            kinds["expired"] += 1
            # @digitalbazaar/vc refuses an expired credential outright (and says why).
            assert not other["verified"], other
            assert any('is after "validUntil"' in e for e in other["errors"]), other
        else:
            assert other["verified"] and other["statusVerified"], other
            assert other["revoked"] is (award.revoked is not None), other
            if award.revoked is not None:
                expected["revocation_status"] = False
                kinds["revoked"] += 1
            else:
                kinds["valid"] += 1
        assert report["checks"] == expected, (award.id, report)
    assert kinds == {"valid": 5, "revoked": 1, "expired": 1}


def test_verifier_core_rejects_tampering_and_a_proof_object(site: Site) -> None:
    output = site.project.output
    good = next(a for a in site.awards if _valid(a))
    credential = json.loads((output / urls.credential_json(good.id)).read_text("utf-8"))
    tampered = copy.deepcopy(credential)
    tampered["credentialSubject"]["achievement"]["name"] = "Un autre badge"
    (output / "tampered.json").write_text(json.dumps(tampered), "utf-8")
    # What Insigne published before: the same proof, as an object. Still a valid signature,
    # but not what 1EdTech's schema accepts.
    as_object = dict(credential, proof=credential["proof"][0])
    (output / "proof-object.json").write_text(json.dumps(as_object), "utf-8")
    tampered_report, object_report = verify_ob3_core(
        [site.url("tampered.json"), site.url("proof-object.json")], site.server.port
    )
    assert tampered_report["errors"], tampered_report
    assert tampered_report["checks"].get("valid_signature") is not True, tampered_report
    assert object_report["checks"] == VALID_CHECKS, object_report
    [schema] = object_report["schemas"]
    assert schema["valid"] is False
    assert any(e.startswith("/proof ") and "array" in e for e in schema["errors"]), schema
