"""Open Badges 3.0 cryptography: did:web, Multikey, offline JSON-LD and eddsa-rdfc-2022."""

from __future__ import annotations

import copy
import subprocess
import sys
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from generator import dataintegrity, didweb, jsonld

# RFC 8032, section 7.1, TEST 1.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
# The same key as a Multikey, as @digitalbazaar/ed25519-multikey exports it.
RFC8032_MULTIKEY = "z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw"

CREATED = "2024-06-01T12:00:00Z"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def sample_credential(
    base_url: str = "https://badges.example.org/",
    number: int = 1,
    status_list: str | None = None,
    status_index: int | None = None,
) -> dict[str, Any]:
    """A realistic OpenBadgeCredential, shaped like the one that passed both verifiers."""
    did = didweb.did_from_base_url(base_url)
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"{base_url}credentials/{number:04d}.json",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Secouriste de l'année — « niveau 2 »",
        "issuer": {
            "id": did,
            "type": ["Profile"],
            "name": "Association des Randonneurs Éclairés",
            "url": base_url,
        },
        "validFrom": "2024-05-17T09:30:00+02:00",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$"
                    + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": f"s4lt-{number}",
                }
            ],
            "achievement": {
                "id": f"{base_url}badges/premiers-secours.json",
                "type": ["Achievement"],
                "name": "Premiers secours 🚑",
                "description": 'Sait réagir: "alerter, protéger, secourir".\nDeuxième ligne\t!',
                "criteria": {"narrative": "Avoir suivi **8 h** de formation — ✓ validé."},
                "image": {"id": f"{base_url}badges/premiers-secours.png", "type": "Image"},
                "achievementType": "Badge",
            },
        },
    }
    if status_list is not None and status_index is not None:
        credential["credentialStatus"] = {
            "id": f"{status_list}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": status_list,
        }
    return credential


@pytest.fixture(scope="module")
def rfc_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)


# --- did:web ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "did", "path", "resolved"),
    [
        (
            "https://example.org/",
            "did:web:example.org",
            ".well-known/did.json",
            "https://example.org/.well-known/did.json",
        ),
        (
            "https://example.org",
            "did:web:example.org",
            ".well-known/did.json",
            "https://example.org/.well-known/did.json",
        ),
        (
            "https://example.org/badges/",
            "did:web:example.org:badges",
            "did.json",
            "https://example.org/badges/did.json",
        ),
        (
            "https://assoc.github.io/site/badges/",
            "did:web:assoc.github.io:site:badges",
            "did.json",
            "https://assoc.github.io/site/badges/did.json",
        ),
        (
            "http://127.0.0.1:8765/",
            "did:web:127.0.0.1%3A8765",
            ".well-known/did.json",
            "https://127.0.0.1:8765/.well-known/did.json",
        ),
        (
            "https://Example.ORG:8443/a/",
            "did:web:example.org%3A8443:a",
            "did.json",
            "https://example.org:8443/a/did.json",
        ),
    ],
)
def test_did_web_derivation(base_url: str, did: str, path: str, resolved: str) -> None:
    assert didweb.did_from_base_url(base_url) == did
    assert didweb.did_document_path(base_url) == path
    # The DID resolves to the URL where the site publishes did.json: base_url + path.
    assert didweb.did_web_to_url(did) == resolved
    assert didweb.did_web_to_url(did + "#key-1") == resolved


@pytest.mark.parametrize("bad", ["ftp://example.org/", "example.org", "https://e.org/?q=1"])
def test_did_web_rejects_bad_base_urls(bad: str) -> None:
    with pytest.raises(didweb.DidError):
        didweb.did_from_base_url(bad)


# --- base58 and Multikey ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),
        (b"", ""),
        (b"\0", "1"),
    ],
)
def test_base58btc_vectors(raw: bytes, encoded: str) -> None:
    assert didweb.base58btc_encode(raw) == encoded
    assert didweb.base58btc_decode(encoded) == raw


def test_multikey_known_vector_and_round_trip(rfc_key: Ed25519PrivateKey) -> None:
    public = rfc_key.public_key().public_bytes_raw()
    assert public == RFC8032_PUBLIC
    assert didweb.multikey_from_ed25519_public(public) == RFC8032_MULTIKEY
    assert didweb.ed25519_public_from_multikey(RFC8032_MULTIKEY) == public
    for _ in range(20):
        other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
        encoded = didweb.multikey_from_ed25519_public(other)
        assert encoded.startswith("z6Mk")
        assert didweb.ed25519_public_from_multikey(encoded) == other


def test_multikey_rejects_wrong_input() -> None:
    with pytest.raises(didweb.DidError):
        didweb.multikey_from_ed25519_public(b"\1" * 31)
    with pytest.raises(didweb.DidError):
        didweb.ed25519_public_from_multikey("u" + RFC8032_MULTIKEY[1:])
    with pytest.raises(didweb.DidError):
        didweb.ed25519_public_from_multikey("z0OIl")


def test_did_document_lists_every_key_for_assertion() -> None:
    did = "did:web:example.org:badges"
    new = didweb.multikey_from_ed25519_public(
        Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    )
    doc = didweb.did_document(did, [("key-1", RFC8032_MULTIKEY), ("#key-2", new)])
    assert doc["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert doc["id"] == did
    assert doc["verificationMethod"] == [
        {
            "id": f"{did}#key-1",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": RFC8032_MULTIKEY,
        },
        {"id": f"{did}#key-2", "type": "Multikey", "controller": did, "publicKeyMultibase": new},
    ]
    assert doc["assertionMethod"] == [f"{did}#key-1", f"{did}#key-2"]
    # The DID document itself must be valid JSON-LD under the bundled contexts.
    jsonld.check_no_dropped_terms(doc)
    assert f"<{did}#key-2>" in jsonld.canonicalize(doc)
    with pytest.raises(didweb.DidError):
        didweb.did_document(did, [("key-1", RFC8032_MULTIKEY), ("key-1", new)])
    with pytest.raises(didweb.DidError):
        didweb.did_document(did, [])


# --- offline JSON-LD -------------------------------------------------------------------------


def test_bundled_contexts_cover_what_we_publish() -> None:
    urls = jsonld.bundled_context_urls()
    for url in [
        VC_CONTEXT,
        OB_CONTEXT,
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/openbadges/v2",
    ]:
        assert url in urls
        document = jsonld.document_loader(url)["document"]
        assert isinstance(document["@context"], dict | list)


def test_loader_refuses_unknown_urls() -> None:
    with pytest.raises(jsonld.JsonLdError, match=r"https://w3id\.org/unknown/v9"):
        jsonld.document_loader("https://w3id.org/unknown/v9")
    doc = sample_credential()
    doc["@context"] = [*doc["@context"], "https://contexts.example.net/extra.json"]
    with pytest.raises(jsonld.JsonLdError, match=r"contexts\.example\.net/extra\.json"):
        jsonld.canonicalize(doc)


def test_pyld_is_imported_without_requests_and_cannot_fetch() -> None:
    # A fresh interpreter: in this one, another test may have imported requests already.
    script = """
import sys
from generator import fastcanon, jsonld
pyld = jsonld.pyld_module()
assert fastcanon.pyld is pyld
assert "requests" not in sys.modules, "requests was imported"
try:
    pyld.expand({"@context": "https://example.org/context.json", "name": "x"})
except pyld.JsonLdError as error:
    print("refused:", error)
# Kept out only while pyld imports: no blocking entry is left behind for anyone else
# (requests itself is no dependency of Insigne, so it may well not be installed).
print("left behind:", sorted(n for n in ("requests", "aiohttp") if n in sys.modules))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and "left behind: []" in done.stdout


def test_loader_returns_independent_copies() -> None:
    first = jsonld.document_loader(OB_CONTEXT)["document"]
    first["@context"]["mutated"] = "x"
    assert "mutated" not in jsonld.document_loader(OB_CONTEXT)["document"]["@context"]


def test_canonicalize_sample_credential_offline() -> None:
    nquads = jsonld.canonicalize(sample_credential())
    lines = nquads.splitlines()
    assert lines == sorted(lines)
    assert nquads.endswith("\n")
    assert (
        "<https://badges.example.org/credentials/0001.json> "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential> ." in lines
    )
    # Unicode stays literal; quotes, newlines and tabs are escaped as N-Quads requires.
    assert '"Premiers secours 🚑"' in nquads
    assert r'"Sait réagir: \"alerter, protéger, secourir\".\nDeuxième ligne\t!"' in nquads
    assert '"2024-05-17T09:30:00+02:00"^^<http://www.w3.org/2001/XMLSchema#dateTime>' in nquads
    assert "_:c14n0" in nquads
    # The checked variant shares one expansion with the check: same bytes.
    assert jsonld.canonicalize_checked(sample_credential()) == nquads
    # Key order does not matter to the canonical form.
    reordered = dict(reversed(list(sample_credential().items())))
    assert jsonld.canonicalize(reordered) == nquads


def test_check_no_dropped_terms_accepts_sample() -> None:
    jsonld.check_no_dropped_terms(
        sample_credential(status_list="https://x.org/s.json", status_index=3)
    )


def test_dropped_term_detection_names_the_term() -> None:
    doc = sample_credential()
    doc["credentialSubject"]["achievement"]["achievment_level"] = "gold"
    with pytest.raises(jsonld.JsonLdError, match="achievment_level"):
        jsonld.check_no_dropped_terms(doc)
    # pyld itself drops it silently: the triple is simply missing.
    assert "gold" not in jsonld.canonicalize(doc)


def test_dropped_type_and_relative_id_are_reported() -> None:
    doc = sample_credential()
    doc["type"] = [*doc["type"], "MembershipCard"]
    with pytest.raises(jsonld.JsonLdError, match="MembershipCard"):
        jsonld.check_no_dropped_terms(doc)
    doc = sample_credential()
    doc["credentialSubject"]["achievement"]["id"] = "badges/premiers-secours.json"
    with pytest.raises(jsonld.JsonLdError, match="not an absolute IRI"):
        jsonld.check_no_dropped_terms(doc)


# --- eddsa-rdfc-2022 -------------------------------------------------------------------------


def _sign(key: Ed25519PrivateKey, doc: dict[str, Any] | None = None) -> dict[str, Any]:
    unsigned = doc if doc is not None else sample_credential()
    method = unsigned["issuer"]["id"] + "#key-1"
    return dataintegrity.sign_eddsa_rdfc_2022(unsigned, key, method, CREATED)


def test_sign_then_verify(rfc_key: Ed25519PrivateKey) -> None:
    unsigned = sample_credential()
    before = copy.deepcopy(unsigned)
    signed = _sign(rfc_key, unsigned)
    assert unsigned == before, "signing must not change its input"
    # One proof, in a list: 1EdTech's Open Badges 3.0 JSON Schemas accept no other form.
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1
    [proof] = signed["proof"]
    assert {k: v for k, v in proof.items() if k != "proofValue"} == {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": CREATED,
        "verificationMethod": "did:web:badges.example.org#key-1",
        "proofPurpose": "assertionMethod",
    }
    assert proof["proofValue"].startswith("z")
    assert len(didweb.base58btc_decode(proof["proofValue"][1:])) == 64
    assert dataintegrity.verify_eddsa_rdfc_2022(signed, rfc_key.public_key())
    assert dataintegrity.verify_eddsa_rdfc_2022(signed, RFC8032_PUBLIC)
    assert dataintegrity.verify_eddsa_rdfc_2022(signed, RFC8032_MULTIKEY)
    # Deterministic: same input, same key, same created -> same bytes (reproducible builds).
    assert _sign(rfc_key, sample_credential()) == signed


def test_verify_fails_with_another_key(rfc_key: Ed25519PrivateKey) -> None:
    signed = _sign(rfc_key)
    assert not dataintegrity.verify_eddsa_rdfc_2022(
        signed, Ed25519PrivateKey.generate().public_key()
    )


def _tamperings() -> list[tuple[str, Any]]:
    def set_path(path: list[Any], value: Any) -> Any:
        def apply(doc: dict[str, Any]) -> None:
            target: Any = doc
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = value

        return apply

    return [
        ("name", set_path(["name"], "Secouriste de l'annee")),
        ("issuer name", set_path(["issuer", "name"], "Autre association")),
        ("validFrom", set_path(["validFrom"], "2024-05-17T09:30:01+02:00")),
        ("identity", set_path(["credentialSubject", "identifier", 0, "salt"], "other")),
        ("achievement id", set_path(["credentialSubject", "achievement", "id"], "https://e.org/x")),
        ("narrative", set_path(["credentialSubject", "achievement", "criteria", "narrative"], "x")),
        ("proof created", set_path(["proof", 0, "created"], "2024-06-01T12:00:01Z")),
        ("proof method", set_path(["proof", 0, "verificationMethod"], "did:web:other.org#key-1")),
        ("proof purpose", set_path(["proof", 0, "proofPurpose"], "authentication")),
        ("cryptosuite", set_path(["proof", 0, "cryptosuite"], "eddsa-jcs-2022")),
        ("type", set_path(["type"], ["VerifiableCredential"])),
    ]


@pytest.mark.parametrize(("label", "tamper"), _tamperings(), ids=[t[0] for t in _tamperings()])
def test_tampering_breaks_the_proof(rfc_key: Ed25519PrivateKey, label: str, tamper: Any) -> None:
    signed = _sign(rfc_key)
    changed = copy.deepcopy(signed)
    tamper(changed)
    assert changed != signed
    assert not dataintegrity.verify_eddsa_rdfc_2022(changed, rfc_key.public_key()), label


def test_corrupted_proof_values_fail(rfc_key: Ed25519PrivateKey) -> None:
    signed = _sign(rfc_key)
    value = signed["proof"][0]["proofValue"]
    flipped = value[:10] + ("2" if value[10] != "2" else "3") + value[11:]
    for bad in [flipped, value[1:], "z", "zzzz", value + "0"]:
        broken = copy.deepcopy(signed)
        broken["proof"][0]["proofValue"] = bad
        assert not dataintegrity.verify_eddsa_rdfc_2022(broken, rfc_key.public_key()), bad
    assert not dataintegrity.verify_eddsa_rdfc_2022(sample_credential(), rfc_key.public_key())


def test_signing_refuses_undefined_terms_and_signed_input(rfc_key: Ed25519PrivateKey) -> None:
    doc = sample_credential()
    doc["credentialSubject"]["score"] = 17
    with pytest.raises(jsonld.JsonLdError, match="score"):
        _sign(rfc_key, doc)
    with pytest.raises(ValueError, match="already has a proof"):
        _sign(rfc_key, _sign(rfc_key))


def test_unsigned_hash_is_stable_and_content_sensitive(rfc_key: Ed25519PrivateKey) -> None:
    doc = sample_credential()
    digest = dataintegrity.unsigned_hash(doc)
    assert len(digest) == 64
    assert dataintegrity.unsigned_hash(dict(reversed(list(doc.items())))) == digest
    # The proof is not part of the content: a signed copy maps to the same cache entry.
    assert dataintegrity.unsigned_hash(_sign(rfc_key, doc)) == digest
    changed = sample_credential()
    changed["credentialSubject"]["achievement"]["name"] = "Premiers secours 🚒"
    assert dataintegrity.unsigned_hash(changed) != digest


def test_cached_proof_reattached_still_verifies(rfc_key: Ed25519PrivateKey) -> None:
    signed = _sign(rfc_key)
    cache = {dataintegrity.unsigned_hash(signed): signed["proof"][0]}
    rebuilt = sample_credential()
    reused = dataintegrity.attach_proof(rebuilt, cache[dataintegrity.unsigned_hash(rebuilt)])
    assert "proof" not in rebuilt
    assert reused == signed
    assert dataintegrity.verify_eddsa_rdfc_2022(reused, rfc_key.public_key())
