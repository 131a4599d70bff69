"""Build program for Open Badges 3.0: did.json, achievements, signed credentials, status list."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from generator import ob3, urls
from generator.dataintegrity import single_proof
from generator.dates import ob_datetime
from generator.didweb import did_document, did_document_path
from generator.keys import ED25519
from generator.manifest import award_fingerprint, badge_image_fingerprint, code_digest, digest_text
from generator.model import Award, SiteModel
from generator.ob2 import to_json_bytes
from generator.publish_ob2 import BakedImages
from generator.signing import Signer
from generator.writer import OutputWriter


def _credential_key(base: str, proof_key: str | None, proof: Any) -> str:
    return digest_text(base, proof_key or "", json.dumps(proof, sort_keys=True))


def _write_credential(
    model: SiteModel,
    writer: OutputWriter,
    baker: BakedImages,
    signer: Signer,
    award: Award,
    base: str,
) -> str:
    """Sign (or take from the cache) and write one award's credential; return its group key."""
    site, badge = model.site, model.badges[award.badge]
    unsigned = ob3.credential(site, badge, award, signer.did, award.status_index)
    signed = signer.sign_credential(unsigned, f"the credential of award {award.id}")
    data = to_json_bytes(signed)
    writer.write(urls.credential_json(award.id), data)
    if award.revoked is None:
        baked = baker.bake_credential(award.badge, data.decode("utf-8"))
        writer.write(urls.credential_image(award.id, badge.image_type), baked)
    return _credential_key(base, signer.last_proof_key, single_proof(signed))


def write_ob3(model: SiteModel, writer: OutputWriter, baker: BakedImages, signer: Signer) -> bool:
    """Publish every award as an OpenBadgeCredential; False when the site has no Ed25519 key."""
    keys = signer.keys(ED25519)
    if not keys:
        return False
    site, did = model.site, signer.did
    methods = [(k.id, k.public) for k in keys]
    writer.write(did_document_path(site.base_url), to_json_bytes(did_document(did, methods)))
    for badge in model.badges.values():
        document = ob3.achievement_document(site, badge, did)
        writer.write(urls.achievement_json(badge.slug), to_json_bytes(document))
    revoked: set[int] = set()
    # An unchanged credential keeps its files unrendered and unsigned: its key covers all it is
    # made from (code, site, did and keys, its badge and badge image, the award with its status
    # index) and the proof the signature cache holds for it, found through the cache key the
    # last build used (a proof edited or dropped from content/signatures.json renders it again).
    manifest = writer.manifest
    previous = manifest.proofs if manifest is not None else {}
    proofs: dict[str, str] = {}
    shared = digest_text(code_digest(), repr(site), did, repr(methods))
    badge_keys = {
        slug: digest_text(shared, repr(badge), badge_image_fingerprint(badge))
        for slug, badge in model.badges.items()
    }
    for award in model.awards:
        if award.revoked is not None:
            # Still published and still verifiable as authentic; its status bit says revoked.
            revoked.add(award.status_index)
        group = f"ob3:{award.id}"
        base = digest_text(
            badge_keys[award.badge], award_fingerprint(award), str(award.status_index)
        )
        used = previous.get(group)
        proof = signer.cache.entries.get(used) if used is not None else None
        key = _credential_key(base, used, proof) if proof is not None else ""
        produce = partial(_write_credential, model, writer, baker, signer, award, base)
        if writer.cached(group, key, produce):
            signer.cache.get(used)  # type: ignore[arg-type]  # in use: keep it in the cache
            proofs[group] = used  # type: ignore[assignment]
        elif signer.last_proof_key is not None:
            proofs[group] = signer.last_proof_key
    if manifest is not None:
        manifest.proofs = proofs
    # Dated like the newest award: no clock, so a rebuild signs (and caches) the same list.
    newest = max((a.issued_on for a in model.awards), default=None)
    valid_from = ob_datetime(newest) if newest else "2000-01-01T00:00:00Z"
    highest = max((a.status_index for a in model.awards), default=0)
    size = ob3.status_list_bits(highest)
    status = ob3.status_list_credential(site, did, revoked, valid_from, size)
    signed_status = signer.sign_credential(status, "the revocation status list")
    writer.write(urls.STATUS_LIST_JSON, to_json_bytes(signed_status))
    return True
