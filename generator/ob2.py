"""Open Badges 2.0 documents as pure functions: model in, JSON-ready dict out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator import prettyjson, urls
from generator.dates import ob_datetime
from generator.model import Award, Badge, Evidence, Site

CONTEXT = "https://w3id.org/openbadges/v2"


def _url(site: Site, path: str) -> str:
    return urls.absolute(site.base_url, path)


def issuer_profile(site: Site, public_keys: Sequence[str] = ()) -> dict[str, Any]:
    """The issuer Profile; `public_keys` are the URLs of its CryptographicKey documents."""
    issuer = site.issuer
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": _url(site, urls.ISSUER_JSON),
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.description:
        doc["description"] = issuer.description
    if issuer.image is not None and issuer.image_type:
        doc["image"] = _url(site, urls.issuer_image(issuer.image_type))
    if public_keys:
        doc["publicKey"] = list(public_keys)
    doc["revocationList"] = _url(site, urls.REVOCATIONS_JSON)
    return doc


def key_document(site: Site, key_id: str, public_key_pem: str) -> dict[str, Any]:
    """A CryptographicKey; signed assertions name its URL as their `creator`."""
    return {
        "@context": CONTEXT,
        "type": "CryptographicKey",
        "id": _url(site, urls.key_json(key_id)),
        "owner": _url(site, urls.ISSUER_JSON),
        "publicKeyPem": public_key_pem,
    }


def badge_class(site: Site, badge: Badge) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": _url(site, urls.badge_json(badge.slug)),
        "name": badge.name,
        "description": badge.description,
        "image": _url(site, urls.badge_image(badge.slug, badge.image_type)),
        "criteria": {
            "id": _url(site, urls.criteria_page(badge.slug)),
            "narrative": badge.criteria_md,
        },
        "issuer": _url(site, urls.ISSUER_JSON),
    }
    if badge.tags:
        doc["tags"] = list(badge.tags)
    if badge.alignments:
        doc["alignment"] = [_alignment(a) for a in badge.alignments]
    if len(site.languages) > 1:
        # A multilingual site says which language this text is in (the OB 2.0 "@language"
        # property, which the 1EdTech validator accepts). Translations live on the criteria
        # pages under /<lang>/: the v2 context has no language maps for name or description.
        doc["@language"] = site.language
    return doc


def _alignment(alignment: Any) -> dict[str, str]:
    doc = {"targetName": alignment.name, "targetUrl": alignment.url}
    if alignment.description:
        doc["targetDescription"] = alignment.description
    if alignment.framework:
        doc["targetFramework"] = alignment.framework
    if alignment.code:
        doc["targetCode"] = alignment.code
    return doc


def assertion(site: Site, badge: Badge, award: Award, creator: str | None = None) -> dict[str, Any]:
    """The hosted assertion, or with `creator` (a key URL) the payload of a signed one."""
    if award.revoked is not None:
        return revoked_assertion(site, award)
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": _url(site, urls.assertion_json(award.id)),
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": award.salt,
            "identity": award.identity,
        },
        "badge": _url(site, urls.badge_json(badge.slug)),
        "issuedOn": ob_datetime(award.issued_on),
        "verification": (
            {"type": "SignedBadge", "creator": creator} if creator else {"type": "hosted"}
        ),
        "image": _url(site, urls.baked_image(award.id, badge.image_type)),
    }
    if award.expires is not None:
        doc["expires"] = ob_datetime(award.expires)
    if award.spec.evidence:
        doc["evidence"] = [_evidence(e) for e in award.spec.evidence]
    if award.spec.narrative:
        doc["narrative"] = award.spec.narrative
    return doc


def _evidence(evidence: Evidence) -> dict[str, str]:
    return {"type": "Evidence", **evidence.fields()}


def revoked_assertion(site: Site, award: Award) -> dict[str, Any]:
    """What a revoked award's URL serves: enough for a verifier to say "revoked", nothing more."""
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": _url(site, urls.assertion_json(award.id)),
        "revoked": True,
        "revocationReason": award.revoked,
    }


def revocation_list(site: Site, revoked: list[Award]) -> dict[str, Any]:
    entries: list[Any] = [
        {"id": _url(site, urls.assertion_json(a.id)), "revocationReason": a.revoked}
        for a in revoked
    ]
    if len(entries) == 1:
        # The 1EdTech validator 1.1.2 compacts a one-item list into an object and then revokes
        # nothing. Naming the same assertion a second time, as a bare IRI (which the spec allows),
        # keeps it a list without changing what the document says.
        entries.append(entries[0]["id"])
    return {
        "@context": CONTEXT,
        "type": "RevocationList",
        "id": _url(site, urls.REVOCATIONS_JSON),
        "issuer": _url(site, urls.ISSUER_JSON),
        "revokedAssertions": entries,
    }


def to_json_bytes(doc: dict[str, Any]) -> bytes:
    """The exact bytes published (and baked): stable key order, UTF-8, final newline."""
    return (prettyjson.dumps(doc) + "\n").encode("utf-8")
