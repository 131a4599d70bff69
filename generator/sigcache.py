"""The signature cache: proofs made once, committed next to the ledger, reused forever.

Signing needs the private key and (for Open Badges 3.0) an RDF canonicalisation of every
document, which is slow. A signature depends only on the unsigned document and the key, so it is
stored under a hash of the two and reused while the document is unchanged: a CI or Netlify build
then publishes signed badges with no private key present, and a rebuild of 10,000 awards
canonicalises nothing. Entries no build uses any more are dropped when the cache is saved.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from generator.atomic import write_atomic
from generator.errors import InsigneError, Problem

CACHE_NAME = "signatures.json"


def cache_key(kind: str, key_id: str, unsigned_digest: str) -> str:
    return hashlib.sha256(f"{kind}\0{key_id}\0{unsigned_digest}".encode()).hexdigest()[:40]


class SignatureCache:
    def __init__(self, path: Path, entries: dict[str, Any], writable: bool) -> None:
        self.path = path
        self.entries = entries
        self.writable = writable  # preview builds never touch the committed cache
        self.used: set[str] = set()
        self.added = 0

    @classmethod
    def load(cls, content_dir: Path, writable: bool = True) -> SignatureCache:
        path = content_dir / CACHE_NAME
        entries: dict[str, Any] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text("utf-8"))
                entries = dict(data["signatures"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise InsigneError(
                    Problem(
                        path,
                        f"the signature cache cannot be read ({exc})",
                        hint="restore it from git (it holds the signatures made so far), or "
                        "delete it to sign everything again with the private keys",
                    )
                ) from None
        return cls(path, entries, writable)

    def get(self, key: str) -> Any | None:
        value = self.entries.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: str, value: Any) -> None:
        self.entries[key] = value
        self.used.add(key)
        self.added += 1

    @property
    def stale(self) -> bool:
        return self.added > 0 or set(self.entries) != self.used

    def save(self) -> None:
        if not self.writable or not self.stale:
            return
        lines = [
            f"{json.dumps(k)}: {json.dumps(self.entries[k], ensure_ascii=False)}"
            for k in sorted(self.used)
        ]
        body = ",\n".join(lines)
        text = f'{{"version": 1, "signatures": {{\n{body}\n}}}}\n'
        write_atomic(self.path, text.encode("utf-8"))
