"""W3C Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite (Ed25519 over RDFC-1.0).

`created` is always passed in: a build never reads the clock, so the same input gives the
same signed output. Ed25519 signatures are deterministic, so the proof is reproducible too.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from generator.didweb import (
    DidError,
    base58btc_decode,
    base58btc_encode,
    ed25519_public_from_multikey,
)
from generator.jsonld import JsonLdError, canonicalize, canonicalize_checked

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"


def proof_options(verification_method: str, created: str) -> dict[str, Any]:
    """The proof without its value, in the order verifiers print it."""
    return {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }


def hash_data(unsigned: dict[str, Any], options: dict[str, Any], checked: bool = False) -> bytes:
    """sha256(canonical proof config) || sha256(canonical document), per eddsa-rdfc-2022.

    checked=True also refuses terms the contexts do not define (see check_no_dropped_terms).
    """
    if "@context" not in unsigned:
        raise JsonLdError("a document to sign needs an @context")
    # The proof config is interpreted with the document's own contexts.
    config = {k: v for k, v in options.items() if k not in ("@context", "proofValue")}
    config["@context"] = unsigned["@context"]
    config_hash = _config_hash(json.dumps(config, sort_keys=True, ensure_ascii=False))
    canonical = canonicalize_checked(unsigned) if checked else canonicalize(unsigned)
    return config_hash + hashlib.sha256(canonical.encode("utf-8")).digest()


@lru_cache(maxsize=256)
def _config_hash(config_json: str) -> bytes:
    # A build signs many credentials with one key and few `created` values: canonicalising
    # the same small proof config each time would cost as much as the credential itself.
    return hashlib.sha256(canonicalize(json.loads(config_json)).encode("utf-8")).digest()


def sign_eddsa_rdfc_2022(
    unsigned: dict[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
) -> dict[str, Any]:
    """A copy of `unsigned` with an eddsa-rdfc-2022 DataIntegrityProof added.

    Raises JsonLdError if the document uses a term its contexts do not define, since such a
    term would be outside the signature and verifiers reject it.
    """
    if "proof" in unsigned:
        raise ValueError("document already has a proof; sign the unsigned document")
    options = proof_options(verification_method, created)
    signature = private_key.sign(hash_data(unsigned, options, checked=True))
    return attach_proof(unsigned, {**options, "proofValue": "z" + base58btc_encode(signature)})


def attach_proof(unsigned: dict[str, Any], proof: dict[str, Any]) -> dict[str, Any]:
    """The document with a (possibly cached) proof added; `unsigned` is left untouched.

    The proof is published in a one-item list: Data Integrity allows an object or a list, and
    1EdTech's Open Badges 3.0 JSON Schemas (which the Learner Credential Wallet's verifier
    applies) accept only a list. The signature does not cover where the proof sits, so a
    proof signed or cached as an object stays valid.
    """
    return {**unsigned, "proof": [dict(proof)]}


def single_proof(signed: dict[str, Any]) -> dict[str, Any] | None:
    """The one proof of a signed document, published as an object or a one-item list."""
    proof = signed.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    return proof if isinstance(proof, dict) else None


def verify_eddsa_rdfc_2022(
    signed: dict[str, Any], public_key: Ed25519PublicKey | bytes | str
) -> bool:
    """True iff `signed` carries a valid eddsa-rdfc-2022 proof made with `public_key`.

    public_key may be a cryptography key, 32 raw bytes, or a 'z6Mk...' Multikey string.
    Only the signature is checked here: resolving the verification method and checking the
    credential's status is the verifier's job.
    """
    proof = single_proof(signed)
    if proof is None:
        return False
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return False
    try:
        key = _public_key(public_key)
        signature = base58btc_decode(value[1:])
        unsigned = {k: v for k, v in signed.items() if k != "proof"}
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        key.verify(signature, hash_data(unsigned, options))
    except (InvalidSignature, DidError, JsonLdError, ValueError):
        return False
    return True


def unsigned_hash(doc: dict[str, Any]) -> str:
    """A stable hex digest of a document (without proof), to key a cache of proofs.

    Equal JSON gives equal hashes whatever the key order, so a rebuild can reuse a stored
    proof instead of canonicalising again; any change in content changes the hash.
    """
    body = {k: v for k, v in doc.items() if k != "proof"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _public_key(public_key: Ed25519PublicKey | bytes | str) -> Ed25519PublicKey:
    if isinstance(public_key, Ed25519PublicKey):
        return public_key
    if isinstance(public_key, str):
        public_key = ed25519_public_from_multikey(public_key)
    return Ed25519PublicKey.from_public_bytes(public_key)
