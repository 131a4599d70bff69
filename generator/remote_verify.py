"""Verify one published badge over the network, the way a backpack does.

Given an assertion URL, or a baked PNG/SVG file, fetch the hosted assertion, its badge class,
its issuer and the issuer's revocation list, and check what a verifier checks: the id is the
URL it was fetched from, documents are JSON served as JSON, the recipient hash matches the
email, the badge is neither revoked nor expired. The result is a readable list of checks.
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from generator.baking import BakingError, unbake
from generator.dates import read_ob_datetime
from generator.jws import b64url_decode, verify_rs256
from generator.ob2 import CONTEXT as OB2_CONTEXT
from generator.recipients import hash_email, normalise_email
from generator.selfcheck import (
    ASSERTION,
    BADGE_CLASS,
    CRYPTOGRAPHIC_KEY,
    ISSUER,
    REVOCATION_LIST,
    Kind,
    kind_problem,
)

JSON_TYPES = ("application/json", "application/ld+json")
JWS_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
USER_AGENT = "insigne-verify (Open Badges 2.0)"


@dataclass(frozen=True)
class Check:
    ok: bool | None  # None: informational, or not checked
    text: str


@dataclass
class RemoteResult:
    target: str
    checks: list[Check] = field(default_factory=list)
    revoked: bool = False
    expired: bool = False

    @property
    def valid(self) -> bool:
        return bool(self.checks) and all(c.ok is not False for c in self.checks)

    def passed(self, text: str) -> None:
        self.checks.append(Check(True, text))

    def failed(self, text: str) -> None:
        self.checks.append(Check(False, text))

    def note(self, text: str) -> None:
        self.checks.append(Check(None, text))

    def lines(self) -> list[str]:
        marks = {True: "  ok  ", False: "  FAIL", None: "  --  "}
        return [f"{marks[c.ok]} {c.text}" for c in self.checks]

    def verdict(self) -> str:
        if self.revoked:
            return f"REVOKED: {self.target}"
        if self.expired:
            return f"EXPIRED: {self.target}"
        return f"{'VALID' if self.valid else 'NOT VALID'}: {self.target}"


class _Stop(Exception):
    """A check failed that the following ones depend on."""


def verify_badge(
    target: str, email: str | None = None, now: datetime | None = None, timeout: float = 10.0
) -> RemoteResult:
    result = RemoteResult(target)
    with contextlib.suppress(_Stop):
        _verify(result, target, email, now or datetime.now(UTC), timeout)
    return result


def _verify(
    result: RemoteResult, target: str, email: str | None, now: datetime, timeout: float
) -> None:
    baked: str | None = None
    if target.startswith(("http://", "https://")):
        url = target
    else:
        url, baked = _from_baked_file(result, Path(target))
    assertion, raw = _fetch_json(result, url, "assertion", timeout)
    _require(result, "assertion", assertion, ASSERTION)
    if assertion.get("@context") != OB2_CONTEXT:
        result.failed(f"assertion @context is {assertion.get('@context')!r}, not {OB2_CONTEXT}")
    if assertion.get("id") == url:
        result.passed("assertion id is the URL it was fetched from")
    else:
        result.failed(f"assertion id {assertion.get('id')!r} is not the URL fetched ({url})")
    signed = JWS_RE.match(baked) is not None if baked is not None else False
    if baked is not None and not signed:
        if baked.encode("utf-8") == raw:
            result.passed("baked assertion is identical to the hosted one")
        elif _loads(baked) != assertion:
            result.failed("baked assertion differs from the hosted one")
    if assertion.get("revoked") is True:
        result.revoked = True
        reason = assertion.get("revocationReason") or "no reason given"
        result.failed(f"the issuer revoked this badge: {reason}")
        raise _Stop
    missing = [
        name
        for name in ("recipient", "badge", "verification", "issuedOn")
        if assertion.get(name) in (None, "", {})
    ]
    if missing:
        result.failed(f"the assertion has no {', '.join(missing)}")
        raise _Stop
    verification = assertion.get("verification")
    if not isinstance(verification, dict) or verification.get("type") not in (
        "hosted",
        "HostedBadge",
        "SignedBadge",
        "signed",
    ):
        result.failed(f"verification {verification!r} is neither hosted nor SignedBadge")
    elif verification.get("type") in ("SignedBadge", "signed"):
        if signed and baked is not None:
            _signature(result, baked, assertion, verification, timeout)
        else:
            result.note("signed assertion: give its baked image to check the signature")
    badge, _ = _fetch_json(result, assertion.get("badge"), "badge class", timeout)
    _require(result, "badge class", badge, BADGE_CLASS)
    result.note(f"badge: {badge.get('name')}")
    issuer, _ = _fetch_json(result, badge.get("issuer"), "issuer", timeout)
    _require(result, "issuer", issuer, ISSUER)
    result.note(f"issuer: {issuer.get('name')} ({issuer.get('url')})")
    if urlsplit(str(issuer.get("id"))).netloc != urlsplit(url).netloc:
        result.failed("the assertion is not hosted on the issuer's host")
    _revocation_list(result, issuer, url, timeout)
    _recipient(result, assertion, email)
    _dates(result, assertion, now)


def _require(result: RemoteResult, what: str, document: dict[str, Any], kind: Kind) -> None:
    """Stop at a document that is not the kind expected: later checks read its fields."""
    problem = kind_problem(document, kind)
    if problem is not None:
        result.failed(f"{what}: {problem}")
        raise _Stop


def _from_baked_file(result: RemoteResult, path: Path) -> tuple[str, str | None]:
    try:
        payload = unbake(path.read_bytes())
    except (OSError, BakingError) as exc:
        result.failed(f"cannot read {path} as a baked badge: {exc}")
        raise _Stop from None
    if not payload:
        result.failed(f"no Open Badges data is baked into {path}")
        raise _Stop
    payload = payload.strip() if not payload.lstrip().startswith("{") else payload
    if payload.startswith(("http://", "https://")):
        result.passed(f"baked image names {payload}")
        return payload, None
    if JWS_RE.match(payload):
        try:
            document = json.loads(b64url_decode(payload.split(".")[1]))
        except ValueError:
            document = None
        if isinstance(document, dict) and isinstance(document.get("id"), str):
            result.passed(f"baked image holds a signed assertion (JWS) for {document['id']}")
            return document["id"], payload
    document = _loads(payload)
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        result.failed("the baked data is neither an assertion URL nor a hosted assertion")
        raise _Stop
    result.passed(f"baked image holds the assertion {document['id']}")
    return document["id"], payload


def _signature(
    result: RemoteResult,
    token: str,
    assertion: dict[str, Any],
    verification: dict[str, Any],
    timeout: float,
) -> None:
    key_doc, _ = _fetch_json(result, verification.get("creator"), "signing key", timeout)
    _require(result, "signing key", key_doc, CRYPTOGRAPHIC_KEY)
    try:
        public = serialization.load_pem_public_key(
            str(key_doc.get("publicKeyPem", "")).encode("ascii")
        )
    except ValueError:
        result.failed("the signing key's publicKeyPem is not a PEM public key")
        return
    payload = verify_rs256(token, public) if isinstance(public, RSAPublicKey) else None
    if payload is None:
        result.failed("the signature does not verify with the issuer's key")
    elif _loads(payload.decode("utf-8", "replace")) != assertion:
        result.failed("the signed assertion differs from the hosted one")
    else:
        result.passed("signature (RS256) verifies with the issuer's key")


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _fetch_json(
    result: RemoteResult, url: Any, what: str, timeout: float
) -> tuple[dict[str, Any], bytes]:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        result.failed(f"{what}: {url!r} is not an http(s) URL")
        raise _Stop
    request = urllib.request.Request(
        url, headers={"Accept": "application/ld+json, application/json", "User-Agent": USER_AGENT}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read()
            final_url = response.geturl()
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        result.failed(f"{what}: {url} answered HTTP {exc.code}")
        raise _Stop from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        result.failed(f"{what}: cannot fetch {url} ({reason})")
        raise _Stop from None
    if final_url != url:
        result.failed(f"{what}: {url} redirects to {final_url} (ids must be final URLs)")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in JSON_TYPES:
        result.failed(f"{what}: served as {content_type or 'no Content-Type'}, not JSON")
    document = _loads(body.decode("utf-8", "replace"))
    if not isinstance(document, dict):
        result.failed(f"{what}: {url} is not a JSON object")
        raise _Stop
    result.passed(f"{what} fetched: {url}")
    return document, body


def _revocation_list(
    result: RemoteResult, issuer: dict[str, Any], assertion_url: str, timeout: float
) -> None:
    list_url = issuer.get("revocationList")
    if list_url is None:
        result.note("the issuer publishes no revocation list")
        return
    document, _ = _fetch_json(result, list_url, "revocation list", timeout)
    _require(result, "revocation list", document, REVOCATION_LIST)
    entries = document["revokedAssertions"]
    if not isinstance(entries, list):
        result.failed("revocation list: revokedAssertions is not a list")
        return
    for entry in entries:
        entry_id = entry.get("id") if isinstance(entry, dict) else entry
        if entry_id == assertion_url:
            result.revoked = True
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            result.failed(f"listed as revoked by the issuer: {reason or 'no reason given'}")
            return
    result.passed("not in the issuer's revocation list")


def _recipient(result: RemoteResult, assertion: dict[str, Any], email: str | None) -> None:
    recipient = assertion.get("recipient")
    if not isinstance(recipient, dict):
        result.failed("the assertion has no recipient")
        return
    if email is None:
        result.note("recipient not checked (pass --email to check who it was issued to)")
        return
    identity = str(recipient.get("identity", ""))
    if recipient.get("hashed"):
        salt = str(recipient.get("salt") or "")
        matches = identity.lower() == hash_email(email, salt)
    else:
        matches = normalise_email(identity) == normalise_email(email)
    if matches:
        result.passed(f"issued to {normalise_email(email)}")
    else:
        result.failed(f"not issued to {normalise_email(email)} (recipient hash does not match)")


def _dates(result: RemoteResult, assertion: dict[str, Any], now: datetime) -> None:
    issued = read_ob_datetime(assertion.get("issuedOn"))
    if issued is None:
        result.failed(f"issuedOn {assertion.get('issuedOn')!r} is not a date with a time zone")
    elif issued > now:
        result.failed(f"issued in the future ({assertion['issuedOn']})")
    else:
        result.passed(f"issued on {assertion['issuedOn']}")
    if "expires" not in assertion:
        return
    expires = read_ob_datetime(assertion.get("expires"))
    if expires is None:
        result.failed(f"expires {assertion.get('expires')!r} is not a date with a time zone")
    elif expires <= now:
        result.expired = True
        result.failed(f"expired on {assertion['expires']}")
    else:
        result.passed(f"valid until {assertion['expires']}")
