"""Who signs what: the site's keys, the signature cache, and preview keys, behind one object.

Signing is decided per document: reuse a cached signature made by any of the site's keys (old
keys stay published, so their signatures stay valid), else sign with the newest key of the right
type, else fail with a clear message. A build never silently publishes unsigned data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from generator import jws
from generator.dataintegrity import (
    attach_proof,
    sign_eddsa_rdfc_2022,
    single_proof,
    unsigned_hash,
)
from generator.didweb import did_from_base_url
from generator.errors import InsigneError, Problem
from generator.keys import ED25519, RSA, KeyRing, PrivateKey, PublicKey
from generator.model import Site
from generator.previewkeys import preview_key
from generator.sigcache import SignatureCache, cache_key


@dataclass
class Signer:
    site: Site
    keyring: KeyRing
    cache: SignatureCache
    locked: bool = False
    preview: dict[str, tuple[PublicKey, PrivateKey]] = field(default_factory=dict)
    signed_now: int = 0
    # The signature cache entry the last `sign_credential` used or made (see publish_ob3).
    last_proof_key: str | None = None

    @classmethod
    def for_site(cls, site: Site, locked: bool = False) -> Signer:
        keyring = KeyRing.load(site.content_dir)
        cache = SignatureCache.load(site.content_dir, writable=not site.is_preview and not locked)
        signer = cls(site, keyring, cache, locked)
        if site.is_preview:
            # A preview (serve, tests) is its own verifiable site for a private address.
            for kind in (RSA, ED25519):
                signer.preview[kind] = preview_key(kind, site.base_url)
        return signer

    @property
    def did(self) -> str:
        return did_from_base_url(self.site.base_url)

    def keys(self, kind: str) -> list[PublicKey]:
        """Every public key of this type to publish, the signing one last."""
        if kind in self.preview:
            # A preview is its own site: the real keys sign only for the real address, and a
            # second RSA key in the issuer profile fails the 1EdTech validator (publicKey must
            # have a single value), so a preview publishes its preview keys alone.
            return [self.preview[kind][0]]
        return self.keyring.of_type(kind)

    def can_sign(self, kind: str) -> bool:
        return bool(self.keys(kind))

    def _signing_key(self, kind: str, what: str) -> tuple[PublicKey, PrivateKey]:
        if kind in self.preview:
            return self.preview[kind]
        public = self.keyring.active(kind)
        if public is None:
            raise InsigneError(
                Problem(
                    self.keyring.path,
                    f"{what} must be signed and the site has no {kind} key",
                    hint="create the issuer's keys with: insigne keys new",
                )
            )
        # --locked signs too when the key is at hand: the ledger is what it guards, and a
        # signature adds nothing a build could decide differently (Ed25519 and RS256 are
        # deterministic, proofs are dated with the document's own date), so the published
        # bytes are those any build with the key makes. What two merged branches revoked is
        # a status list neither branch signed: a locked deploy with the key publishes it.
        # It never writes content/signatures.json (see Signer.for_site).
        private = self.keyring.private(public)
        if private is None:
            raise InsigneError(
                Problem(
                    self.cache.path,
                    f"{what} is new or changed and needs signing, but the private key "
                    f"{public.id} is not available",
                    hint=f"put {public.id}.pem in {self.keyring.key_dir} (or set "
                    "INSIGNE_KEY_DIR / INSIGNE_SIGNING_KEY), or build where the key is and "
                    "commit content/signatures.json",
                )
            )
        return public, private

    # -- Open Badges 3.0: Data Integrity proofs ------------------------------------------
    def verification_method(self, public: PublicKey) -> str:
        return f"{self.did}#{public.id}"

    def sign_credential(self, unsigned: dict[str, Any], what: str) -> dict[str, Any]:
        digest = unsigned_hash(unsigned)
        for public in reversed(self.keys(ED25519)):
            self.last_proof_key = cache_key("ob3", public.id, digest)
            proof = self.cache.get(self.last_proof_key)
            if proof is not None:
                return attach_proof(unsigned, proof)
        public, private = self._signing_key(ED25519, what)
        assert isinstance(private, ed25519.Ed25519PrivateKey)
        # `created` is the credential's own date, not the clock: rebuilds stay byte-identical.
        created = unsigned.get("validFrom") or "1970-01-01T00:00:00Z"
        signed = sign_eddsa_rdfc_2022(unsigned, private, self.verification_method(public), created)
        self.last_proof_key = cache_key("ob3", public.id, digest)
        # The cache holds the proof itself, as it always has; `attach_proof` places it.
        self.cache.put(self.last_proof_key, single_proof(signed))
        self.signed_now += 1
        return signed

    # -- Open Badges 2.0: compact JWS ----------------------------------------------------
    def sign_assertion(
        self, make_payload: Callable[[PublicKey], bytes], what: str
    ) -> tuple[bytes, str]:
        """(payload, compact JWS); `make_payload(key)` builds the assertion naming that key."""
        for public in reversed(self.keys(RSA)):
            payload = make_payload(public)
            signing_input = jws.signing_input(payload)
            digest = unsigned_hash({"jws": signing_input})
            signature = self.cache.get(cache_key("jws", public.id, digest))
            if signature is not None:
                return payload, f"{signing_input}.{signature}"
        public, private = self._signing_key(RSA, what)
        assert isinstance(private, rsa.RSAPrivateKey)
        payload = make_payload(public)
        signing_input = jws.signing_input(payload)
        signature = jws.sign_rs256(signing_input, private)
        digest = unsigned_hash({"jws": signing_input})
        self.cache.put(cache_key("jws", public.id, digest), signature)
        self.signed_now += 1
        return payload, f"{signing_input}.{signature}"
