"""Open Badges 3.0 documents as pure functions: model in, unsigned JSON-ready dict out."""

from __future__ import annotations

import base64
import gzip
from typing import Any

from generator import urls
from generator.dates import ob_datetime
from generator.model import Award, Badge, Evidence, Site

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# The spec's minimum: a list shorter than 16 KiB would let an observer guess who is revoked.
STATUS_LIST_BITS = 131_072


def _url(site: Site, path: str) -> str:
    return urls.absolute(site.base_url, path)


def issuer_profile(site: Site, did: str) -> dict[str, Any]:
    issuer = site.issuer
    profile: dict[str, Any] = {
        "id": did,
        "type": ["Profile"],
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.description:
        profile["description"] = issuer.description
    if issuer.image is not None and issuer.image_type:
        profile["image"] = {"id": _url(site, urls.issuer_image(issuer.image_type)), "type": "Image"}
    return profile


def achievement(site: Site, badge: Badge, did: str) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": _url(site, urls.achievement_json(badge.slug)),
        "type": ["Achievement"],
        "name": badge.name,
        "description": badge.description,
        "criteria": {
            "id": _url(site, urls.criteria_page(badge.slug)),
            "narrative": badge.criteria_md,
        },
        "image": {
            "id": _url(site, urls.badge_image(badge.slug, badge.image_type)),
            "type": "Image",
        },
        "achievementType": "Badge",
        "creator": {"id": did, "type": ["Profile"]},
        "inLanguage": site.language,
    }
    if badge.tags:
        doc["tag"] = list(badge.tags)
    if badge.alignments:
        doc["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": a.name,
                "targetUrl": a.url,
                **({"targetDescription": a.description} if a.description else {}),
                **({"targetFramework": a.framework} if a.framework else {}),
                **({"targetCode": a.code} if a.code else {}),
                # ESCO: "ext:ESCOSkill" or "ext:ESCOOccupation" (see generator/esco/concepts.py).
                **({"targetType": a.target_type} if a.target_type else {}),
            }
            for a in badge.alignments
        ]
    return doc


def achievement_document(site: Site, badge: Badge, did: str) -> dict[str, Any]:
    """The Achievement published on its own, so its `id` resolves."""
    return {"@context": [VC_CONTEXT, OB3_CONTEXT], **achievement(site, badge, did)}


def _evidence(evidence: Evidence) -> dict[str, Any]:
    return {"type": ["Evidence"], **evidence.fields()}


def status_entry(site: Site, index: int) -> dict[str, Any]:
    list_url = _url(site, urls.STATUS_LIST_JSON)
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def credential(
    site: Site, badge: Badge, award: Award, did: str, status_index: int
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of an award (a revoked one too: its status says so)."""
    doc: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB3_CONTEXT],
        "id": _url(site, urls.credential_json(award.id)),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(site, did),
        "name": badge.name,
        "validFrom": ob_datetime(award.issued_on),
    }
    if award.expires is not None:
        doc["validUntil"] = ob_datetime(award.expires)
    doc["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": award.identity,
                "identityType": "emailAddress",
                "hashed": True,
                "salt": award.salt,
            }
        ],
        "achievement": achievement(site, badge, did),
    }
    evidence = [_evidence(e) for e in award.spec.evidence]
    if award.spec.narrative:
        evidence.append({"type": ["Evidence"], "narrative": award.spec.narrative})
    if evidence:
        doc["evidence"] = evidence
    doc["credentialStatus"] = status_entry(site, status_index)
    return doc


def status_list_bits(highest_index: int) -> int:
    """The length of a list that holds this index: the minimum, doubled as often as needed.

    A verifier rejects an index beyond the list, revoked or not, so the length follows the
    highest index of any award (see ledger.status_list_size), not only of revoked ones.
    """
    size = STATUS_LIST_BITS
    while size <= highest_index:
        size *= 2
    return size


def encode_bitstring(revoked_indexes: set[int], size: int = STATUS_LIST_BITS) -> str:
    """Multibase base64url (no padding) of the GZIP-compressed list; bit 0 is the first bit."""
    size = max(size, max(revoked_indexes, default=0) + 1)
    bits = bytearray((size + 7) // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same list always compresses to the same bytes (reproducible builds).
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def status_list_credential(
    site: Site, did: str, revoked_indexes: set[int], valid_from: str, size: int = STATUS_LIST_BITS
) -> dict[str, Any]:
    list_url = _url(site, urls.STATUS_LIST_JSON)
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bitstring(revoked_indexes, size),
        },
    }
