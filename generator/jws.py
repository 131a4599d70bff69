"""Compact JWS (RS256) for Open Badges 2.0 signed assertions."""

from __future__ import annotations

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

HEADER = {"alg": "RS256"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_input(payload: bytes) -> str:
    header = json.dumps(HEADER, separators=(",", ":")).encode("ascii")
    return f"{b64url(header)}.{b64url(payload)}"


def sign_rs256(signing_input_text: str, key: rsa.RSAPrivateKey) -> str:
    """The signature segment (RSASSA-PKCS1-v1_5 is deterministic: reproducible builds)."""
    signature = key.sign(signing_input_text.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return b64url(signature)


def verify_rs256(token: str, public_key: rsa.RSAPublicKey) -> bytes | None:
    """The payload if `token` is a valid RS256 compact JWS by `public_key`, else None."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        if header.get("alg") != "RS256":
            return None
        public_key.verify(
            b64url_decode(signature_b64),
            f"{header_b64}.{payload_b64}".encode("ascii"),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (ValueError, InvalidSignature):
        return None
    return b64url_decode(payload_b64)
