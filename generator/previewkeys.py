"""Throwaway keys for preview builds (`--base-url` other than the site's own, `insigne serve`).

A preview is built for an address like http://127.0.0.1:8000/ that no one else can reach, and it
must still be a complete, verifiable site: credentials signed, keys published. Its keys are
derived from the preview's base URL, so repeated preview builds are byte-identical and no key
file is needed. They are public knowledge by construction and therefore worthless for trust;
they are never listed in `content/keys.json` and never sign anything for the real base URL.
"""

from __future__ import annotations

import hashlib
from functools import cache

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from generator.keys import ED25519, RSA, PrivateKey, PublicKey, key_id, public_text

_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]


class _Stream:
    """A deterministic byte stream (SHA-256 in counter mode) seeded by the preview URL."""

    def __init__(self, seed: bytes) -> None:
        self.seed = seed
        self.counter = 0

    def integer(self, bits: int) -> int:
        out = b""
        while len(out) * 8 < bits:
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return int.from_bytes(out, "big") >> (len(out) * 8 - bits)


def _probable_prime(n: int, stream: _Stream, rounds: int = 40) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        a = 2 + stream.integer(n.bit_length()) % (n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, stream: _Stream, e: int) -> int:
    while True:
        candidate = stream.integer(bits) | (3 << (bits - 2)) | 1  # top two bits: full-size n
        if (candidate - 1) % e and _probable_prime(candidate, stream):
            return candidate


@cache
def _rsa(base_url: str) -> rsa.RSAPrivateKey:
    stream = _Stream(b"insigne preview rsa\0" + base_url.encode("utf-8"))
    e = 65537
    p = _prime(1024, stream, e)
    q = _prime(1024, stream, e)
    while q == p:
        q = _prime(1024, stream, e)
    if p < q:
        p, q = q, p
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=d % (p - 1),
        dmq1=d % (q - 1),
        iqmp=pow(q, -1, p),
        public_numbers=rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key()


@cache
def _ed25519(base_url: str) -> ed25519.Ed25519PrivateKey:
    seed = hashlib.sha256(b"insigne preview ed25519\0" + base_url.encode("utf-8")).digest()
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed)


def preview_key(kind: str, base_url: str) -> tuple[PublicKey, PrivateKey]:
    key: PrivateKey = _rsa(base_url) if kind == RSA else _ed25519(base_url)
    assert kind in (RSA, ED25519)
    public = PublicKey(f"preview-{key_id(key)}", kind, "preview", public_text(key))
    return public, key
