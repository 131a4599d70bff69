"""did:web identifiers, their DID documents, and Ed25519 keys as Multikey strings."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlsplit

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]

# Multicodec varint for "ed25519-pub": 0xed encoded as the two bytes 0xed 0x01.
_ED25519_PUB_PREFIX = b"\xed\x01"
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


class DidError(ValueError):
    pass


def _split_base_url(base_url: str) -> tuple[str, list[str]]:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DidError(f"base URL {base_url!r} must be an http(s) URL with a host")
    if parts.query or parts.fragment:
        raise DidError(f"base URL {base_url!r} must not have a query or a fragment")
    segments = [unquote(s) for s in parts.path.split("/") if s]
    return parts.netloc.lower(), segments


def did_from_base_url(base_url: str) -> str:
    """The did:web a site served at base_url controls.

    https://example.org/ -> did:web:example.org; https://example.org/badges/ ->
    did:web:example.org:badges; a port is kept, its colon percent-encoded (%3A).
    """
    netloc, segments = _split_base_url(base_url)
    if "@" in netloc:
        raise DidError(f"base URL {base_url!r} must not carry user information")
    parts = [quote(netloc, safe="")] + [quote(s, safe="") for s in segments]
    return "did:web:" + ":".join(parts)


def did_document_path(base_url: str) -> str:
    """Where did.json goes, relative to the output root (which is served at base_url).

    did:web resolves a bare host to https://host/.well-known/did.json and a host with a path
    to https://host/path/did.json, i.e. did.json at the root of a sub-path site.
    """
    _, segments = _split_base_url(base_url)
    return "did.json" if segments else ".well-known/did.json"


def did_web_to_url(did: str) -> str:
    """The https URL a did:web resolves to (without any fragment)."""
    did = did.split("#", 1)[0]
    if not did.startswith("did:web:"):
        raise DidError(f"{did!r} is not a did:web identifier")
    parts = did[len("did:web:") :].split(":")
    host = unquote(parts[0])
    path = "/".join(unquote(p) for p in parts[1:])
    if not host:
        raise DidError(f"{did!r} has no host")
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_B58_ALPHABET[rem])
    # Each leading zero byte is written as a leading '1'.
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise DidError(f"invalid base58btc character {char!r}")
        number = number * 58 + _B58_INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multikey_from_ed25519_public(pub_bytes: bytes) -> str:
    """Multibase (base58btc, 'z') of the multicodec ed25519-pub key: 'z6Mk...'."""
    if len(pub_bytes) != 32:
        raise DidError(f"an Ed25519 public key has 32 bytes, not {len(pub_bytes)}")
    return "z" + base58btc_encode(_ED25519_PUB_PREFIX + pub_bytes)


def ed25519_public_from_multikey(multibase: str) -> bytes:
    """The 32 raw public key bytes of a 'z6Mk...' Multikey string."""
    if not multibase.startswith("z"):
        raise DidError(f"Multikey {multibase!r} is not base58btc multibase (must start with z)")
    raw = base58btc_decode(multibase[1:])
    if not raw.startswith(_ED25519_PUB_PREFIX) or len(raw) != 34:
        raise DidError(f"Multikey {multibase!r} is not an Ed25519 public key")
    return raw[2:]


def did_document(did: str, keys: list[tuple[str, str]]) -> dict[str, Any]:
    """DID document listing each (fragment, publicKeyMultibase) as an assertion key.

    Every key stays in assertionMethod, so credentials signed before a key rotation keep
    verifying; remove a key only to invalidate everything it signed.
    """
    if not keys:
        raise DidError("a DID document needs at least one key")
    methods: list[dict[str, Any]] = []
    seen: set[str] = set()
    for fragment, multibase in keys:
        fragment = fragment.lstrip("#")
        if not fragment or fragment in seen:
            raise DidError(f"key id {fragment!r} is empty or repeated")
        seen.add(fragment)
        ed25519_public_from_multikey(multibase)  # reject malformed keys early
        methods.append(
            {
                "id": f"{did}#{fragment}",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multibase,
            }
        )
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
