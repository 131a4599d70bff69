"""Build program for Open Badges 3.0: did.json, achievements, signed credentials, status list."""

from __future__ import annotations

import json
from typing import Any

from generator import ob3, urls
from generator.dates import ob_datetime
from generator.didweb import did_document, did_document_path
from generator.keys import ED25519
from generator.model import SiteModel
from generator.publish_ob2 import BakedImages
from generator.signing import Signer
from generator.writer import OutputWriter


def credential_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_ob3(model: SiteModel, writer: OutputWriter, baker: BakedImages, signer: Signer) -> bool:
    """Publish every award as an OpenBadgeCredential; False when the site has no Ed25519 key."""
    keys = signer.keys(ED25519)
    if not keys:
        return False
    site, did = model.site, signer.did
    methods = [(k.id, k.public) for k in keys]
    writer.write(did_document_path(site.base_url), credential_bytes(did_document(did, methods)))
    for badge in model.badges.values():
        document = ob3.achievement_document(site, badge, did)
        writer.write(urls.achievement_json(badge.slug), credential_bytes(document))
    revoked: set[int] = set()
    for award in model.awards:
        badge = model.badges[award.badge]
        unsigned = ob3.credential(site, badge, award, did, award.status_index)
        signed = signer.sign_credential(unsigned, f"the credential of award {award.id}")
        data = credential_bytes(signed)
        writer.write(urls.credential_json(award.id), data)
        if award.revoked is not None:
            # Still published and still verifiable as authentic; its status bit says revoked.
            revoked.add(award.status_index)
            continue
        baked = baker.bake_credential(award.badge, data.decode("utf-8"))
        writer.write(urls.credential_image(award.id, badge.image_type), baked)
    # Dated like the newest award: no clock, so a rebuild signs (and caches) the same list.
    newest = max((a.issued_on for a in model.awards), default=None)
    valid_from = ob_datetime(newest) if newest else "2000-01-01T00:00:00Z"
    status = ob3.status_list_credential(site, did, revoked, valid_from)
    signed_status = signer.sign_credential(status, "the revocation status list")
    writer.write(urls.STATUS_LIST_JSON, credential_bytes(signed_status))
    return True
