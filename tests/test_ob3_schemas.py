"""What a build publishes for Open Badges 3.0, against the official JSON Schemas.

1EdTech's schemas (Draft 2019-09) for every OpenBadgeCredential, Achievement, issuer Profile
and EndorsementCredential (published on its own or embedded), the W3C VC 2.0 schema for the
status list credential (and every credential). Vendored in tests/schemas/ob3/ (see its
README); `$ref`s resolve between the local copies, never over the network; formats
(`date-time`, `date`) are checked.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import FormatChecker
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry, Resource

from tests.conftest import EXAMPLE_CONTENT, Project

SCHEMAS = Path(__file__).parent / "schemas" / "ob3"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
ACHIEVEMENT_CREDENTIAL = OB3 + "ob_v3p0_achievementcredential-jsonschema1.json"
ENDORSEMENT_CREDENTIAL = OB3 + "ob_v3p0_endorsementcredential-jsonschema1.json"
PROFILE = OB3 + "ob_v3p0_profile-jsonschema1.json"
ACHIEVEMENT = ACHIEVEMENT_CREDENTIAL + "#/$defs/Achievement"
VC2 = "https://www.w3.org/2022/credentials/v2/verifiable-credential-schema.json"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DRAFT_2019_09 = "https://json-schema.org/draft/2019-09/schema"


@cache
def registry() -> Registry:
    resources = []
    for path in sorted(SCHEMAS.glob("*.json")):
        contents = json.loads(path.read_text("utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@cache
def validator(uri: str) -> Validator:
    """A validator for the schema at `uri` (a fragment names a part of a schema)."""
    if "#" in uri:
        schema: dict[str, Any] = {"$schema": DRAFT_2019_09, "$ref": uri}
    else:
        schema = registry().contents(uri)
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, registry=registry(), format_checker=FormatChecker())


def problems(uri: str, document: Any) -> list[str]:
    errors = list(validator(uri).iter_errors(document))
    messages = [f"{e.json_path}: {e.message}" for e in errors]
    if errors:
        best = best_match(errors)
        messages.insert(0, f"best match: {best.json_path}: {best.message}")
    return messages


def _types(document: dict[str, Any]) -> set[str]:
    kind = document.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def schemas_for(document: dict[str, Any]) -> list[str]:
    """The official schemas a published Open Badges 3.0 document must satisfy."""
    types = _types(document)
    found = []
    if "VerifiableCredential" in types:
        found.append(VC2)
    if types & {"OpenBadgeCredential", "AchievementCredential"}:
        found.append(ACHIEVEMENT_CREDENTIAL)
    if "EndorsementCredential" in types:
        found.append(ENDORSEMENT_CREDENTIAL)
    if "Achievement" in types:
        found.append(ACHIEVEMENT)
    if "Profile" in types:
        found.append(PROFILE)
    return found


def parts(value: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object in a document, with where it is: embedded profiles, achievements and
    endorsements must each satisfy their own schema too."""
    if isinstance(value, dict):
        yield where, value
        for key, item in value.items():
            yield from parts(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from parts(item, f"{where}[{index}]")


def published_ob3(output: Path) -> dict[str, dict[str, Any]]:
    """Every JSON document of the output that is Open Badges 3.0 / VC 2.0, by path."""
    found = {}
    for path in sorted(output.rglob("*.json")):
        document = json.loads(path.read_text("utf-8"))
        context = document.get("@context") if isinstance(document, dict) else None
        if isinstance(context, list) and VC2_CONTEXT in context:
            found[path.relative_to(output).as_posix()] = document
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The example, with one award revoked, built as a preview (signed with preview keys)."""
    project = Project(tmp_path_factory.mktemp("schemas") / "project")
    shutil.copytree(EXAMPLE_CONTENT, project.content)
    awards = project.content / "awards" / "2017-echofablab.yaml"
    text = awards.read_text("utf-8")
    revoked = text.replace(
        "  - lea.nguyen@example.org",
        '  - email: lea.nguyen@example.org\n    revoked: "Attribué par erreur"',
    )
    assert revoked != text
    awards.write_text(revoked, "utf-8")
    result = project.build("--base-url", "http://127.0.0.1:8000/")
    assert result.code == 0, result.err
    return project


def test_every_published_ob3_document_satisfies_the_official_schemas(built: Project) -> None:
    documents = published_ob3(built.output)
    checked: dict[str, int] = {}
    for rel, document in documents.items():
        for where, part in parts(document, rel):
            for uri in schemas_for(part):
                assert not problems(uri, part), (where, uri, problems(uri, part))
                checked[uri] = checked.get(uri, 0) + 1
    credentials = [r for r in documents if r.startswith("credentials/")]
    achievements = [r for r in documents if r.startswith("achievements/")]
    assert len(credentials) == 6 and len(achievements) == 2
    assert "status/revocation.json" in documents
    # Each credential, its embedded issuer and achievement; each achievement on its own page.
    assert checked[ACHIEVEMENT_CREDENTIAL] == 6
    assert checked[VC2] == 7  # the credentials and the status list
    # Issuer of each credential, creator of each achievement (embedded or on its own).
    assert checked[PROFILE] == 6 + 6 + 2
    assert checked[ACHIEVEMENT] == 6 + 2
    # None today; the day Insigne publishes endorsements, each is checked by the loop above.
    assert checked.get(ENDORSEMENT_CREDENTIAL, 0) == sum(
        1
        for rel, document in documents.items()
        for _, part in parts(document, rel)
        if "EndorsementCredential" in _types(part)
    )


def test_the_schemas_catch_what_they_must(built: Project) -> None:
    """The checks above can fail: a proof object, a bad date, a missing field, an unknown
    endorsement are each reported."""
    credential = json.loads(next((built.output / "credentials").glob("*.json")).read_text())
    assert not problems(ACHIEVEMENT_CREDENTIAL, credential)
    as_object = dict(credential, proof=credential["proof"][0])
    assert any("is not of type 'array'" in p for p in problems(ACHIEVEMENT_CREDENTIAL, as_object))
    assert not problems(VC2, as_object)  # the W3C schema accepts both forms
    bad_date = dict(credential, validFrom="15/09/2017")
    assert any("date-time" in p for p in problems(ACHIEVEMENT_CREDENTIAL, bad_date))
    no_subject = {k: v for k, v in credential.items() if k != "credentialSubject"}
    assert problems(ACHIEVEMENT_CREDENTIAL, no_subject)
    achievement = credential["credentialSubject"]["achievement"]
    assert problems(ACHIEVEMENT, {k: v for k, v in achievement.items() if k != "criteria"})
    endorsement = {
        "@context": [VC2_CONTEXT, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "id": "https://example.org/endorsements/1",
        "issuer": {"id": "https://example.org/", "type": ["Profile"]},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": achievement["id"], "type": ["EndorsementSubject"]},
    }
    assert schemas_for(endorsement) == [VC2, ENDORSEMENT_CREDENTIAL]
    # `name` is required of an EndorsementCredential.
    assert any(
        "'name' is a required property" in p for p in problems(ENDORSEMENT_CREDENTIAL, endorsement)
    )
    assert not problems(ENDORSEMENT_CREDENTIAL, dict(endorsement, name="Soutien"))
