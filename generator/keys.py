"""Issuer keys: public halves committed in `content/keys.json`, private halves never in git.

Private keys live in one folder per user, `$INSIGNE_KEY_DIR` when set, otherwise
`~/.config/insigne/keys/`, one PKCS#8 PEM file per key named by its id, mode 0600. A key id is
derived from the public key, so one folder holds the keys of any number of sites, and a site
keeps its keys when its address changes. Earlier versions filed keys in a sub-folder per site
host (`~/.config/insigne/keys/<host>/`): keys are still found there, where they stay.
A CI can instead pass one private key in `$INSIGNE_SIGNING_KEY` (PEM text, or that text
base64-encoded). Keys are never deleted from `keys.json`: after a rotation the old public keys
stay published so that everything they signed keeps verifying; the last key of each type signs
new documents.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from generator.atomic import write_atomic
from generator.didweb import multikey_from_ed25519_public
from generator.errors import InsigneError, Problem

KEYS_NAME = "keys.json"
RSA = "RSA"
ED25519 = "Ed25519"
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True)
class PublicKey:
    id: str  # "rsa-<8 hex>" or "ed25519-<8 hex>", from the public key itself
    type: str  # RSA or Ed25519
    created: str
    public: str  # SPKI PEM for RSA, Multikey "z6Mk..." for Ed25519

    def to_json(self) -> dict[str, str]:
        field = "publicKeyPem" if self.type == RSA else "publicKeyMultibase"
        return {"id": self.id, "type": self.type, "created": self.created, field: self.public}


def public_text(key: PrivateKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return multikey_from_ed25519_public(raw)


def key_type(key: PrivateKey) -> str:
    return RSA if isinstance(key, rsa.RSAPrivateKey) else ED25519


def key_id(key: PrivateKey) -> str:
    digest = hashlib.sha256(public_text(key).encode("ascii")).hexdigest()[:8]
    return f"{key_type(key).lower()}-{digest}"


def default_key_dir() -> Path:
    """The folder where new private keys go, and the first place keys are looked for."""
    override = os.environ.get("INSIGNE_KEY_DIR")
    if override:
        return Path(override).expanduser()
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "insigne" / "keys"


def key_file_candidates(key_dir: Path, key_id_: str) -> list[Path]:
    """Where the private key `key_id_` may be: the key folder, then its per-host sub-folders.

    The sub-folders are where versions before 0.2 filed keys (one per site host); looking there
    too means nobody has to move a key, and an address change never loses one.
    """
    name = f"{key_id_}.pem"
    candidates = [key_dir / name]
    with contextlib.suppress(OSError):  # no key folder yet: only the direct path
        candidates += sorted(p / name for p in key_dir.iterdir() if p.is_dir())
    return [path for path in candidates if path.is_file()]


def _read_private(data: bytes, origin: str) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InsigneError(
            Problem(None, f"{origin}: not an unencrypted PEM private key ({exc})")
        ) from None
    if not isinstance(key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        raise InsigneError(Problem(None, f"{origin}: only RSA and Ed25519 keys are supported"))
    return key


def _env_key() -> PrivateKey | None:
    value = os.environ.get("INSIGNE_SIGNING_KEY", "").strip()
    if not value:
        return None
    data = value.encode("ascii", "replace")
    if not value.startswith("-----BEGIN"):
        with contextlib.suppress(ValueError):
            data = base64.b64decode(value, validate=False)
    return _read_private(data, "INSIGNE_SIGNING_KEY")


_KEY_ID_RE = re.compile(r"^(rsa|ed25519)-[0-9a-f]{8}$")


def _public_key(item: object, index: int) -> PublicKey:
    """One entry of keys.json, checked field by field (ValueError names what is wrong)."""
    where = f"key {index}"
    if not isinstance(item, dict):
        raise ValueError(f"{where} is not an object")
    kind = item.get("type")
    if kind not in (RSA, ED25519):
        raise ValueError(f"{where}: type must be {RSA!r} or {ED25519!r}")
    field = "publicKeyPem" if kind == RSA else "publicKeyMultibase"
    values = {name: item.get(name) for name in ("id", "created", field)}
    for name, value in values.items():
        if not isinstance(value, str) or not value:
            raise ValueError(f"{where}: {name} must be text")
    key_id = values["id"]
    if not _KEY_ID_RE.match(key_id) or not key_id.startswith(kind.lower() + "-"):
        raise ValueError(f"{where}: id {key_id!r} is not '{kind.lower()}-' and 8 hex digits")
    return PublicKey(key_id, kind, values["created"], values[field])


class KeyRing:
    """The site's keys: every public key ever used, and whichever private keys are at hand."""

    def __init__(self, path: Path, keys: list[PublicKey], key_dir: Path) -> None:
        self.path = path
        self.keys = keys
        self.key_dir = key_dir
        self._private: dict[str, PrivateKey | None] = {}

    @classmethod
    def load(cls, content_dir: Path) -> KeyRing:
        path = content_dir / KEYS_NAME
        keys: list[PublicKey] = []
        if path.exists():
            try:
                data = json.loads(path.read_text("utf-8"))
                entries = data.get("keys") if isinstance(data, dict) else None
                if not isinstance(entries, list):
                    raise ValueError('it must be {"keys": [...]}')
                keys = [_public_key(item, index) for index, item in enumerate(entries, 1)]
                seen: set[str] = set()
                for key in keys:
                    if key.id in seen:
                        raise ValueError(f"key {key.id} is listed twice")
                    seen.add(key.id)
            except (OSError, ValueError, RecursionError) as exc:
                raise InsigneError(
                    Problem(
                        path,
                        f"cannot be read ({exc})",
                        hint="restore it from git: it lists the issuer's public keys",
                    )
                ) from None
        return cls(path, keys, default_key_dir())

    def active(self, kind: str) -> PublicKey | None:
        """The key that signs new documents of this type: the newest one."""
        matching = [k for k in self.keys if k.type == kind]
        return matching[-1] if matching else None

    def of_type(self, kind: str) -> list[PublicKey]:
        return [k for k in self.keys if k.type == kind]

    def private(self, public: PublicKey) -> PrivateKey | None:
        if public.id not in self._private:
            self._private[public.id] = self._find_private(public)
        return self._private[public.id]

    def _find_private(self, public: PublicKey) -> PrivateKey | None:
        env = _env_key()
        if env is not None and public_text(env) == public.public:
            return env
        candidates = key_file_candidates(self.key_dir, public.id)
        for path in candidates:
            key = _read_private(path.read_bytes(), str(path))
            # Ids are 32 bits of the public key's hash: two sites' keys in one folder could
            # share one, so a file only counts when its public half is the expected one.
            if public_text(key) == public.public:
                return key
        if candidates:
            raise InsigneError(
                Problem(
                    candidates[0],
                    f"this private key does not match the public key {public.id} in {self.path}",
                    hint="restore the right key file, or create a new key with: insigne keys new",
                )
            )
        return None

    # -- creating keys ----------------------------------------------------------------------
    def add_new(self, kind: str, today: date) -> tuple[PublicKey, Path]:
        """Create a key of `kind`, store its private half (0600) and its public half."""
        key: PrivateKey
        if kind == RSA:
            key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        else:
            key = ed25519.Ed25519PrivateKey.generate()
        public = PublicKey(key_id(key), kind, today.isoformat(), public_text(key))
        self.key_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.key_dir, 0o700)
        target = self.key_dir / f"{public.id}.pem"
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        self.keys.append(public)
        self._private[public.id] = key
        self.save()
        return public, target

    def save(self) -> None:
        body = json.dumps(
            {"version": 1, "keys": [k.to_json() for k in self.keys]}, indent=2, ensure_ascii=False
        )
        write_atomic(self.path, (body + "\n").encode("utf-8"))
