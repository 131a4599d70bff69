"""Golden files for the Open Badges 2.0 documents: pure functions, model in, dict out."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from generator import ob2
from generator.model import (
    Alignment,
    Award,
    AwardSpec,
    Badge,
    Duration,
    Evidence,
    Issuer,
    Recipient,
    Site,
)
from generator.recipients import hash_email

GOLDEN = Path(__file__).parent / "golden" / "ob2"
PARIS_SUMMER = timezone(timedelta(hours=2))

SITE = Site(
    base_url="https://badges.example.org/sub/",
    title="Badges",
    language="fr",
    languages=("fr",),
    theme="default",
    timezone=UTC,
    timezone_name="UTC",
    issuer=Issuer(
        name="Association Ping",
        url="https://www.example.org/",
        email="badges@example.org",
        description="Fablab & réparation",
        image=Path("images/logo.png"),
        image_type="png",
    ),
    content_dir=Path("content"),
)
BADGE = Badge(
    slug="gestion-de-projet",
    name="Gestion de projet",
    description="Sait « organiser » un projet.",
    image=Path("images/g.svg"),
    image_type="svg",
    criteria_md="- définir les objectifs\n- **animer** les réunions",
    source=Path("badges/gestion-de-projet.md"),
    tags=("gestion", "coopération"),
    alignments=(
        Alignment(
            "gérer des projets",
            "http://data.europa.eu/esco/skill/7111b95d-0ce3-441a-9d92-4c75d05c4388",
            "Compétence ESCO",
            "ESCO",
            "7111b95d",
        ),
    ),
    expires_after=Duration(2, "years"),
)


def _award(revoked: str | None = None) -> Award:
    spec = AwardSpec(
        badge=BADGE.slug,
        recipient=Recipient("camille.martin@example.org", name="Camille", public=True),
        issued_on=datetime(2018, 6, 30, tzinfo=PARIS_SUMMER),
        expires=datetime(2020, 6, 30, tzinfo=PARIS_SUMMER),
        evidence=(
            Evidence(url="https://medium.com/echofablab", name="Carnet de bord"),
            Evidence(narrative="A tenu le planning."),
        ),
        narrative="A coordonné le projet.",
        revoked=revoked,
        source=Path("awards/a.yaml"),
        line=3,
    )
    return Award("k7m2x9q4rt", "0123456789abcdef0123456789abcdef", spec)


def _check(name: str, document: dict[str, Any]) -> None:
    path = GOLDEN / f"{name}.json"
    data = ob2.to_json_bytes(document)
    if os.environ.get("INSIGNE_UPDATE_GOLDEN"):
        path.write_bytes(data)
    assert data.decode("utf-8") == path.read_text("utf-8"), f"{name} differs from {path}"


def test_issuer_profile() -> None:
    _check("issuer", ob2.issuer_profile(SITE))


def test_badge_class() -> None:
    _check("badgeclass", ob2.badge_class(SITE, BADGE))


def test_assertion() -> None:
    document = ob2.assertion(SITE, BADGE, _award())
    _check("assertion", document)
    expected = hash_email("Camille.Martin@Example.org ", "0123456789abcdef0123456789abcdef")
    assert document["recipient"]["identity"] == expected
    assert "camille" not in json.dumps(document).lower()


def test_revoked_assertion_is_minimal() -> None:
    document = ob2.assertion(SITE, BADGE, _award(revoked="Attribué par erreur"))
    _check("assertion-revoked", document)
    assert set(document) == {"@context", "type", "id", "revoked", "revocationReason"}


@pytest.mark.parametrize("count", [0, 1, 2])
def test_revocation_list_is_always_a_list_of_two_or_more_or_none(count: int) -> None:
    awards = [_award(revoked=f"raison {i}") for i in range(count)]
    awards = [Award(f"id{i}", a.salt, a.spec) for i, a in enumerate(awards)]
    document = ob2.revocation_list(SITE, awards)
    _check(f"revocations-{count}", document)
    entries = document["revokedAssertions"]
    assert len(entries) == (0 if count == 0 else max(2, count))
    revoked_ids = {e if isinstance(e, str) else e["id"] for e in entries}
    assert revoked_ids == {
        f"https://badges.example.org/sub/assertions/id{i}.json" for i in range(count)
    }


def test_hash_email_is_lowercase_sha256_of_normalised_email_and_salt() -> None:
    # Reference value computed independently: sha256("alice@example.org" + "s4lt").
    assert hash_email(" Alice@Example.ORG ", "s4lt") == (
        "sha256$" + hashlib.sha256(b"alice@example.orgs4lt").hexdigest()
    )
