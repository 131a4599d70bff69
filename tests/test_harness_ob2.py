"""The conformance harness itself, proven on hand-written Open Badges 2.0 documents.

Independent of the generator: if these pass, a failure in a site conformance test is about
the site, not about the server, the offline hooks or the validator plumbing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from PIL import Image, PngImagePlugin

from tests.harness import (
    StaticServer,
    error_texts,
    validate_ob2,
    validate_ob2_document,
)

EMAIL = "ada@example.net"
SALT = "f0e1d2c3b4a59687"
CONTEXT = "https://w3id.org/openbadges/v2"


@dataclass
class HandSite:
    root: Path
    base: str

    @property
    def assertion_url(self) -> str:
        return self.base + "assertion.json"

    def write(self, name: str, document: dict[str, Any]) -> str:
        (self.root / name).write_text(json.dumps(document, indent=2), encoding="utf-8")
        return self.base + name


def hashed_identity(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


def issuer_doc(base: str) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": base + "issuer.json",
        "name": "Harness Test Association",
        "url": base,
        "email": "contact@example.net",
    }


def badge_doc(base: str, issuer: str | None = None) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": base + "badge.json",
        "name": "Knot Tying",
        "description": "Ties a bowline with eyes closed.",
        "image": base + "badge.png",
        "criteria": {"narrative": "Tie a bowline in under ten seconds, blindfolded."},
        "issuer": issuer if issuer is not None else base + "issuer.json",
    }


def assertion_doc(base: str, assertion_id: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_id if assertion_id is not None else base + "assertion.json",
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": SALT,
            "identity": hashed_identity(EMAIL, SALT),
        },
        "badge": base + "badge.json",
        "verification": {"type": "HostedBadge"},
        "issuedOn": "2024-03-01T12:00:00Z",
        **extra,
    }


def write_png(path: Path, itxt: dict[str, str] | None = None) -> None:
    info = PngImagePlugin.PngInfo()
    for key, value in (itxt or {}).items():
        info.add_itxt(key, value, zip=False)
    Image.new("RGBA", (64, 64), (200, 40, 40, 255)).save(path, "PNG", pnginfo=info)


@pytest.fixture
def server() -> Any:
    with StaticServer() as srv:
        yield srv


@pytest.fixture
def site(server: StaticServer, tmp_path: Path) -> HandSite:
    """A complete, valid hosted badge: issuer, BadgeClass with PNG image, Assertion."""
    server.root = tmp_path
    hand = HandSite(root=tmp_path, base=server.url)
    write_png(tmp_path / "badge.png")
    hand.write("issuer.json", issuer_doc(hand.base))
    hand.write("badge.json", badge_doc(hand.base))
    hand.write("assertion.json", assertion_doc(hand.base))
    return hand


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --- the server ---------------------------------------------------------------------------


def test_server_serves_types_cors_and_index(server: StaticServer, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.json").write_text('{"x": 1}', encoding="utf-8")
    (tmp_path / "sub" / "index.html").write_text("<p>hi</p>", encoding="utf-8")
    (tmp_path / "i.svg").write_text("<svg/>", encoding="utf-8")
    write_png(tmp_path / "i.png")
    server.root = tmp_path

    assert server.url == f"http://127.0.0.1:{server.port}/"
    status, headers, body = fetch(server.url + "a.json")
    assert (status, headers["Content-Type"], body) == (200, "application/ld+json", b'{"x": 1}')
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, headers, body = fetch(server.url + "sub/")
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert body == b"<p>hi</p>"
    assert fetch(server.url + "i.svg")[1]["Content-Type"] == "image/svg+xml"
    assert fetch(server.url + "i.png")[1]["Content-Type"] == "image/png"


def test_server_404s_missing_files_listings_and_escapes(
    server: StaticServer, tmp_path: Path
) -> None:
    site_root = tmp_path / "site"
    (site_root / "empty").mkdir(parents=True)
    (site_root / "a.json").write_text("{}", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside the root", encoding="utf-8")
    server.root = site_root

    assert fetch(server.url + "a.json")[0] == 200
    assert fetch(server.url + "a.json/")[0] == 404  # a file is not a directory

    assert fetch(server.url + "missing.json")[0] == 404
    assert fetch(server.url + "empty/")[0] == 404  # a directory without index.html: no listing
    assert fetch(server.url + "../secret.txt")[0] == 404
    assert fetch(server.url + "%2e%2e/secret.txt")[0] == 404


def test_server_root_can_change_after_start(server: StaticServer, tmp_path: Path) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "which.json").write_text(json.dumps(name), encoding="utf-8")
    server.root = tmp_path / "one"
    assert fetch(server.url + "which.json")[2] == b'"one"'
    server.root = tmp_path / "two"
    assert fetch(server.url + "which.json")[2] == b'"two"'


# --- the validator, offline ---------------------------------------------------------------


@pytest.mark.slow
def test_hand_written_hosted_badge_is_valid(site: HandSite) -> None:
    [report] = validate_ob2([site.assertion_url], EMAIL)
    assert report["valid"], error_texts(report)
    assert report["errorCount"] == 0
    assert report["input"] == site.assertion_url
    assert not report["revoked"] and not report["expired"]


@pytest.mark.slow
def test_wrong_email_is_invalid(site: HandSite) -> None:
    [report] = validate_ob2([site.assertion_url], "someone.else@example.net")
    assert not report["valid"]
    assert report["errorCount"] >= 1
    assert any("recipient" in text.lower() for text in error_texts(report)), error_texts(report)


@pytest.mark.slow
@pytest.mark.parametrize(
    "claimed_id",
    ["nowhere.json", "assertion.json/", "http://localhost:{port}/moved.json"],
    ids=["id-does-not-resolve", "id-with-trailing-slash", "id-on-localhost-not-127"],
)
def test_assertion_id_not_matching_its_url_is_invalid(
    site: HandSite, server: StaticServer, claimed_id: str
) -> None:
    # 1.1.2 follows the assertion's own id: published at moved.json but naming another URL.
    assertion_id = claimed_id.format(port=server.port)
    if "://" not in assertion_id:
        assertion_id = site.base + assertion_id
    moved_url = site.write("moved.json", assertion_doc(site.base, assertion_id))
    [report] = validate_ob2([moved_url], EMAIL)
    assert not report["valid"]
    assert report["errorCount"] >= 1


@pytest.mark.slow
def test_validator_gap_assertion_id_naming_another_live_url_still_reported_valid(
    site: HandSite,
) -> None:
    # A copy at another path whose id names the original (which resolves) passes 1.1.2:
    # it never compares the fetched URL with the id. Our own checks must (id == its URL).
    copy_url = site.write("copy-of-assertion.json", assertion_doc(site.base))
    [report] = validate_ob2([copy_url], EMAIL)
    assert report["valid"], error_texts(report)


@pytest.mark.slow
def test_public_host_is_refused_offline(site: HandSite) -> None:
    site.write("badge.json", badge_doc(site.base, issuer="https://example.org/issuer.json"))
    [report] = validate_ob2([site.assertion_url], EMAIL)
    assert not report["valid"]
    refusals = [
        text
        for text in error_texts(report)
        if "offline validator refused request to https://example.org/issuer.json" in text
    ]
    assert refusals, error_texts(report)


@pytest.mark.slow
def test_expired_assertion_is_reported_expired(site: HandSite) -> None:
    site.write("assertion.json", assertion_doc(site.base, expires="2024-06-01T00:00:00Z"))
    [report] = validate_ob2([site.assertion_url], EMAIL)
    assert not report["valid"]
    assert report["expired"], error_texts(report)


@pytest.mark.slow
def test_validator_gap_revoked_hosted_assertion_still_reported_valid(site: HandSite) -> None:
    # openbadges 1.1.2 ignores `revoked: true` on a hosted assertion. If this test starts
    # failing, the validator learned to check it; until then our own checks must cover it.
    site.write(
        "assertion.json", assertion_doc(site.base, revoked=True, revocationReason="Awarded twice")
    )
    [report] = validate_ob2([site.assertion_url], EMAIL)
    assert report["valid"], error_texts(report)
    assert not report["revoked"]


@pytest.mark.slow
def test_baked_png_and_json_on_stdin_are_validated(site: HandSite) -> None:
    baked = site.root / "baked.png"
    write_png(baked, itxt={"openbadges": site.assertion_url})
    [report] = validate_ob2([baked], EMAIL)
    assert report["valid"], error_texts(report)

    document = (site.root / "assertion.json").read_text(encoding="utf-8")
    report = validate_ob2_document(document, EMAIL)
    assert report["valid"], error_texts(report)


@pytest.mark.slow
def test_baked_svg_is_validated(site: HandSite) -> None:
    assertion_json = (site.root / "assertion.json").read_text(encoding="utf-8")
    baked = site.root / "baked.svg"
    baked.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"'
        ' width="64" height="64">'
        f'<openbadges:assertion verify="{site.assertion_url}"><![CDATA[{assertion_json}]]>'
        '</openbadges:assertion><rect width="64" height="64" fill="#c82828"/></svg>',
        encoding="utf-8",
    )
    [report] = validate_ob2([baked], EMAIL)
    assert report["valid"], error_texts(report)


@pytest.mark.slow
def test_image_without_badge_data_is_invalid_not_a_crash(site: HandSite) -> None:
    [report] = validate_ob2([site.root / "badge.png"], EMAIL)
    assert not report["valid"]
    assert any("no Open Badges data baked" in text for text in error_texts(report))


# --- signed badges: JWS on stdin, and the `revoked` flag -----------------------------------

SIGNED_ID = "urn:uuid:6f1c3f7e-2b1a-4c55-9d61-0a4b8e2f9c10"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_rs256(payload: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    header = b64url(json.dumps({"alg": "RS256"}).encode("utf-8"))
    body = b64url(json.dumps(payload).encode("utf-8"))
    signature = key.sign(f"{header}.{body}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{body}.{b64url(signature)}"


def signed_site(site: HandSite, revoked_ids: list[str]) -> str:
    """Turn the hand site into a signed-badge issuer; return the JWS of one assertion."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    issuer = issuer_doc(site.base)
    key_url = site.write(
        "key.json",
        {
            "@context": CONTEXT,
            "type": "CryptographicKey",
            "id": site.base + "key.json",
            "owner": issuer["id"],
            "publicKeyPem": pem.decode("ascii"),
        },
    )
    revocations_url = site.write(
        "revocations.json",
        {
            "@context": CONTEXT,
            "type": "RevocationList",
            "id": site.base + "revocations.json",
            "issuer": issuer["id"],
            "revokedAssertions": [
                {"id": revoked, "revocationReason": "Awarded in error"} for revoked in revoked_ids
            ],
        },
    )
    site.write("issuer.json", {**issuer, "publicKey": key_url, "revocationList": revocations_url})
    assertion = assertion_doc(
        site.base, SIGNED_ID, verification={"type": "SignedBadge", "creator": key_url}
    )
    return sign_rs256(assertion, key)


@pytest.mark.slow
def test_signed_badge_as_jws_on_stdin_is_valid(site: HandSite) -> None:
    other = "urn:uuid:00000000-0000-4000-8000-000000000001"
    other_two = "urn:uuid:00000000-0000-4000-8000-000000000002"
    token = signed_site(site, revoked_ids=[other, other_two])
    report = validate_ob2_document(token, EMAIL)
    assert report["valid"], error_texts(report)
    assert not report["revoked"]


@pytest.mark.slow
def test_signed_badge_in_revocation_list_is_reported_revoked(site: HandSite) -> None:
    # Two entries: with exactly one, 1.1.2 never revokes (see conformance notes).
    other = "urn:uuid:00000000-0000-4000-8000-000000000001"
    token = signed_site(site, revoked_ids=[SIGNED_ID, other])
    report = validate_ob2_document(token, EMAIL)
    assert not report["valid"]
    assert report["revoked"], error_texts(report)
