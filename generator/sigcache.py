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
import re
from pathlib import Path
from typing import Any

from generator.atomic import write_atomic
from generator.errors import InsigneError, Problem
from generator.names import KEY_ID_RE

CACHE_NAME = "signatures.json"
# Version 2: one signature per line, each ending with a comma, the version on the last line
# (as the ledger: see ledger.py and docs/git-workflow.md). Version 1 is read as well.
FORMAT_VERSION = 2
_READABLE = (1, 2)
_KEY_RE = re.compile(r"[0-9a-f]{40}")
# What Insigne stores: a compact JWS signature (base64url), or an eddsa-rdfc-2022 proof. A
# cached proof is published as it is, so nothing else is accepted.
_JWS_SIGNATURE_RE = re.compile(r"[A-Za-z0-9_-]{16,2048}")
_PROOF_VALUE_RE = re.compile(r"z[1-9A-HJ-NP-Za-km-z]{32,200}")
_METHOD_RE = re.compile(rf"did:web:[A-Za-z0-9.%:_-]{{1,300}}#{KEY_ID_RE.pattern}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_PROOF_FIXED = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "proofPurpose": "assertionMethod",
}
_PROOF_FIELDS = {*_PROOF_FIXED, "created", "verificationMethod", "proofValue"}
_RESTORE = (
    "restore it from git (it holds the signatures made so far), or delete the line to sign "
    "that document again with the private key"
)


def cache_key(kind: str, key_id: str, unsigned_digest: str) -> str:
    return hashlib.sha256(f"{kind}\0{key_id}\0{unsigned_digest}".encode()).hexdigest()[:40]


def _is_signature(value: object) -> bool:
    """A value Insigne would have stored: a JWS signature or an eddsa-rdfc-2022 proof."""
    if isinstance(value, str):
        return _JWS_SIGNATURE_RE.fullmatch(value) is not None
    if not isinstance(value, dict) or set(value) != _PROOF_FIELDS:
        return False
    if any(value[name] != fixed for name, fixed in _PROOF_FIXED.items()):
        return False
    created, method, proof = value["created"], value["verificationMethod"], value["proofValue"]
    return (
        isinstance(created, str)
        and _DATE_RE.fullmatch(created) is not None
        and isinstance(method, str)
        and _METHOD_RE.fullmatch(method) is not None
        and isinstance(proof, str)
        and _PROOF_VALUE_RE.fullmatch(proof) is not None
    )


def _pairs_hook(pairs: list[tuple[str, Any]]) -> Any:
    """Objects as lists of members: a repeated name (a merge's doing) must be seen."""
    return _Members(pairs)


class _Members(dict[str, Any]):
    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs


def _plain(value: Any) -> Any:
    return {k: _plain(v) for k, v in value.items()} if isinstance(value, dict) else value


def _line_numbers(text: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r'\s*"([0-9a-f]{40})"\s*:', line)
        if match:
            found.setdefault(match.group(1), []).append(number)
    return found


# A line exactly as `serialise` writes a signature: nearly every line. Each part is what
# `_is_signature` allows, and holds no quote or backslash (JSON would read the same).
_PLAIN_LINE = re.compile(
    r'^"([0-9a-f]{40})": (?:"(' + _JWS_SIGNATURE_RE.pattern + r')"'
    r'|\{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", '
    r'"created": "('
    + _DATE_RE.pattern
    + r')", "verificationMethod": "('
    + _METHOD_RE.pattern
    + r')", "proofPurpose": "assertionMethod", "proofValue": "('
    + _PROOF_VALUE_RE.pattern
    + r')"\}),$',
    re.MULTILINE,
)


def _parse_plain(text: str) -> dict[str, Any] | None:
    """A canonical version 2 cache of plain lines, read with one regular expression; else None.

    Ten times faster than the general reading (a rebuild of 10,000 credentials reads it).
    """
    if not text.startswith("{\n") or not text.endswith(f'"version": {FORMAT_VERSION}}}\n'):
        return None
    rows = _PLAIN_LINE.findall(text)
    if len(rows) != text.count("\n") - 2:
        return None
    entries: dict[str, Any] = {}
    for row in rows:
        key, jws = row[0], row[1]
        if key in entries:
            return None
        if jws:
            entries[key] = jws
        else:
            created, method, value = row[2], row[5], row[-1]  # see the groups above
            entries[key] = {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "created": created,
                "verificationMethod": method,
                "proofPurpose": "assertionMethod",
                "proofValue": value,
            }
    return entries


def parse_signatures(path: Path, text: str) -> tuple[dict[str, Any], list[Problem]]:
    """The signatures of a cache file's text, and what is wrong with it (each with its line)."""
    plain = _parse_plain(text)
    if plain is not None:
        return plain, []
    try:
        data = json.loads(text, object_pairs_hook=_pairs_hook)
    except (ValueError, RecursionError) as exc:  # deep nesting exhausts the parser's stack
        message = f"the signature cache is not valid JSON ({exc})"
        return {}, [Problem(path, message, getattr(exc, "lineno", None), _RESTORE)]
    version = data.get("version") if isinstance(data, _Members) else None
    if type(version) is not int or version not in _READABLE:
        return {}, [Problem(path, f"unsupported signature cache version {version!r}", 1, _RESTORE)]
    if version == 1:
        inner = data.get("signatures")
        if not isinstance(inner, _Members) or set(data) != {"version", "signatures"}:
            problem = "a version 1 signature cache holds 'version' and 'signatures' only"
            return {}, [Problem(path, problem, 1, _RESTORE)]
        pairs = inner.pairs
    else:
        pairs = [(k, v) for k, v in data.pairs if k != "version"]
    lines = _line_numbers(text)
    seen: dict[str, int] = {}
    entries: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in pairs:
        seen[key] = seen.get(key, -1) + 1
        numbers = lines.get(key, [])
        line = numbers[seen[key]] if seen[key] < len(numbers) else None
        if not _KEY_RE.fullmatch(key):
            message = f"{key[:48]!r} is not a signature key (40 hex digits)"
            problems.append(Problem(path, message, line, _RESTORE))
            continue
        value = _plain(value)
        if not _is_signature(value):
            problems.append(Problem(path, "this is not a signature Insigne makes", line, _RESTORE))
            continue
        if key in entries and entries[key] != value:
            # Signatures are deterministic: one document and key never have two.
            problems.append(
                Problem(path, f"signature {key} is given twice, differently", line, _RESTORE)
            )
            continue
        entries[key] = value
    return entries, problems


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
                text = path.read_text("utf-8")
            except (OSError, ValueError) as exc:
                raise InsigneError(
                    Problem(path, f"the signature cache cannot be read ({exc})", hint=_RESTORE)
                ) from None
            entries, problems = parse_signatures(path, text)
            if problems:
                raise InsigneError(problems)
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

    def serialise(self) -> str:
        # One signature per line, sorted, each ending with a comma and the version last: lines
        # that two branches add merge side by side (see gitmerge.py), and a signature is never
        # rewritten in place (a changed document has another key).
        lines = [
            f"{json.dumps(k)}: {json.dumps(self.entries[k], ensure_ascii=False)},\n"
            for k in sorted(self.used)
        ]
        return "{\n" + "".join(lines) + f'"version": {FORMAT_VERSION}}}\n'

    def save(self) -> bool:
        """Write the signatures this build used, if any changed; True if written."""
        if not self.writable or not self.stale:
            return False
        write_atomic(self.path, self.serialise().encode("utf-8"))
        return True
