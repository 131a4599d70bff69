"""Offline verification of a built tree: what a verifier would check, plus what only we can.

Runs over the files alone (no content, no ledger), so it checks what is really published: the
build runs it on the staged tree before swapping it in, and `insigne verify` on any output
folder. It reports every problem found, as "path: what is wrong" lines.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from generator import urls
from generator.baking import BakingError, SvgReader, unbake
from generator.dates import read_ob_datetime
from generator.images import sniff
from generator.jws import verify_rs256
from generator.ob2 import CONTEXT as OB2_CONTEXT

IDENTITY_RE = re.compile(r"^sha256\$[0-9a-f]{64}$")
# Loose on purpose: better a false alarm to look at than an address published by accident.
EMAIL_RE = re.compile(rb"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.([A-Za-z]{2,})")
# "logo@2x.png" looks like an address; a "top-level domain" that is a file type is not one.
_FILE_TYPES = {"png", "svg", "jpg", "jpeg", "gif", "webp", "avif", "css", "js", "json", "html"}
PRIVATE_PEM_RE = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
PRIVATE_KEY_SUFFIXES = (".key", ".seed", ".pem", ".p8", ".p12", ".pfx")
PRIVATE_MEMBERS = {"privateKeyMultibase", "privateKeyPem", "privateKeyJwk", "secretKeyMultibase"}
BAKED_SUFFIXES = (".png", ".svg")
# A document using none of these keys has no private key material (see _private_members).
_PRIVATE_KEY_NAMES = frozenset(PRIVATE_MEMBERS | {"d"})


@dataclass(frozen=True)
class Kind:
    """What a published JSON document must be: checked before anything else looks into it."""

    name: str
    types: tuple[str, ...]  # its "type" is one of these (or, as a list, holds one)
    required: tuple[str, ...]  # present, and neither null nor "" nor {}


_OB2 = ("@context", "id", "type")
_VC = ("@context", "id", "type", "issuer", "validFrom", "credentialSubject", "proof")
ISSUER = Kind("an Open Badges 2.0 Issuer", ("Issuer", "Profile"), (*_OB2, "name", "url"))
REVOCATION_LIST = Kind(
    "an Open Badges 2.0 RevocationList", ("RevocationList",), (*_OB2, "revokedAssertions")
)
ASSERTION = Kind("an Open Badges 2.0 Assertion", ("Assertion",), _OB2)
BADGE_CLASS = Kind(
    "an Open Badges 2.0 BadgeClass",
    ("BadgeClass",),
    (*_OB2, "name", "description", "image", "criteria", "issuer"),
)
CRYPTOGRAPHIC_KEY = Kind(
    "an Open Badges 2.0 CryptographicKey", ("CryptographicKey",), (*_OB2, "owner")
)
_KIND_BY_PATH = {urls.ISSUER_JSON: ISSUER, urls.REVOCATIONS_JSON: REVOCATION_LIST}
# By folder, for the JSON files directly in it.
_KIND_BY_FOLDER = {
    "assertions": ASSERTION,
    "badges": BADGE_CLASS,
    "keys": CRYPTOGRAPHIC_KEY,
    "credentials": Kind(
        "an Open Badges 3.0 OpenBadgeCredential", ("OpenBadgeCredential",), (*_VC, "name")
    ),
    "achievements": Kind(
        "an Open Badges 3.0 Achievement",
        ("Achievement",),
        ("@context", "id", "type", "name", "description", "criteria"),
    ),
    "status": Kind("a BitstringStatusListCredential", ("BitstringStatusListCredential",), _VC),
}
_DID_DOCUMENTS = ("did.json", ".well-known/did.json")


def _kind_of(rel: str) -> Kind | None:
    kind = _KIND_BY_PATH.get(rel)
    if kind is None and rel.endswith(".json") and rel.count("/") == 1:
        kind = _KIND_BY_FOLDER.get(rel.split("/", 1)[0])
    return kind


def _found(doc: Any) -> str:
    """What a document is, for a message: its type, else its JSON kind."""
    if isinstance(doc, dict):
        kind = doc.get("type")
        return f"a {kind!r}" if kind is not None else "an object without a type"
    names = {list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(doc), "a number")


def kind_problem(doc: Any, kind: Kind) -> str | None:
    """Why `doc` is not a `kind` document (None: it is one)."""
    if not isinstance(doc, dict):
        return f"is {_found(doc)}, not {kind.name}"
    types = doc.get("type")
    types = types if isinstance(types, list) else [types]
    if not any(isinstance(t, str) and t in kind.types for t in types):
        return f"is {_found(doc)}, not {kind.name}"
    missing = [name for name in kind.required if doc.get(name) in (None, "", {})]
    if missing:
        return f"{kind.name} without {', '.join(missing)}"
    return None


def shape_problem(rel: str, doc: Any) -> str | None:
    """Why `doc`, published at `rel`, is not the document that belongs there (None: it is).

    Every later check looks at fields of the right kind of document; a `{}`, `null` or a
    BadgeClass where an assertion belongs must fail here, not pass for lack of anything to check.
    """
    if rel in _DID_DOCUMENTS:
        return _did_problem(doc)
    kind = _kind_of(rel)
    return None if kind is None else kind_problem(doc, kind)


def _did_problem(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return f"is {_found(doc)}, not a DID document"
    if not isinstance(doc.get("id"), str) or not doc["id"].startswith("did:web:"):
        return f"DID document id {doc.get('id')!r} is not a did:web identifier"
    methods = doc.get("verificationMethod")
    if not isinstance(methods, list) or not methods:
        return "DID document without a verificationMethod list"
    for method in methods:
        if not isinstance(method, dict) or not all(
            isinstance(method.get(k), str) for k in ("id", "type", "controller")
        ):
            return f"DID verificationMethod {method!r} needs id, type and controller"
        if not isinstance(method.get("publicKeyMultibase"), str) and not isinstance(
            method.get("publicKeyJwk"), dict
        ):
            return f"DID verificationMethod {method.get('id')!r} has no public key"
    if not isinstance(doc.get("assertionMethod"), list):
        return "DID document without an assertionMethod list"
    return None


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    files: int = 0
    assertions: int = 0
    revoked: int = 0
    baked: int = 0
    # JSON-LD document shapes found well-formed, so a later incremental check can skip them.
    shapes: set[str] = field(default_factory=set)
    incremental: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, rel: str, message: str) -> None:
        self.problems.append(f"{rel}: {message}")

    def merge(self, other: Report) -> None:
        """Add the findings of a check of another part of the same tree."""
        self.problems.extend(other.problems)
        self.files += other.files
        self.assertions += other.assertions
        self.revoked += other.revoked
        self.baked += other.baked
        self.shapes |= other.shapes

    def summary(self) -> str:
        return (
            f"{self.files} files, {self.assertions} assertions ({self.revoked} revoked), "
            f"{self.baked} baked images: "
            + ("no problems" if self.ok else f"{len(self.problems)} problem(s)")
        )


def check_tree(
    root: Path,
    now: datetime | None = None,
    changed: Iterable[str] | None = None,
    known_shapes: Iterable[str] = (),
    scope: Collection[str] | None = None,
    files: Collection[str] | None = None,
    contents: Mapping[str, bytes] | None = None,
) -> Report:
    """Check the files under `root`; never raises for a bad tree, only reports.

    With `changed` (the paths written or removed since a tree that passed this same check),
    only those files are checked in full, against the rest of the tree; the others keep their
    verdict. A change to what other files are checked against (the issuer, the revocation
    list, a key, a badge's JSON that is no longer a BadgeClass, any removal) makes it a full
    check. Without `changed`, every file.

    With `scope`, only the files it names are checked (against the whole tree): two calls whose
    scopes cover the tree check it all, as the build does on two cores (see generator/build.py).

    `files`: every file of the tree, when the caller knows them, instead of listing the tree
    (the build does: its writer makes sure the tree holds exactly those before it goes live).

    `contents`: the bytes of files the caller has just written as regular files, by path, so
    that they need not be read back (see `OutputWriter.retain_written`); others are read.
    """
    checker = _Checker(
        root, now or datetime.now(UTC), changed, set(known_shapes), scope, files, contents
    )
    checker.run()
    return checker.report


def _by_stem(files: list[str]) -> Iterator[list[str]]:
    """Runs of sorted paths that differ only in their extension."""
    group: list[str] = []
    stem = None
    for rel in files:
        here = rel.rsplit(".", 1)[0]
        if here != stem and group:
            yield group
            group = []
        stem = here
        group.append(rel)
    if group:
        yield group


def _is_shared(rel: str) -> bool:
    """Documents other files are checked against: changing one calls for a full check."""
    return (
        rel in (urls.ISSUER_JSON, urls.REVOCATIONS_JSON)
        or (rel.startswith("badges/") and rel.endswith(".json"))
        or rel.startswith("keys/")
    )


def _ob2_terms() -> set[str]:
    path = Path(__file__).parent / "contexts" / "openbadges-v2.json"
    try:
        return set(json.loads(path.read_text("utf-8"))["@context"])
    except (OSError, ValueError, KeyError):
        return set()


class _Checker:
    def __init__(
        self,
        root: Path,
        now: datetime,
        changed: Iterable[str] | None,
        known_shapes: set[str],
        scope: Collection[str] | None,
        files: Collection[str] | None = None,
        contents: Mapping[str, bytes] | None = None,
    ) -> None:
        self.root = root
        self.contents: Mapping[str, bytes] = contents or {}
        self.scope = scope
        self.known_files = files
        self.now = now
        self.report = Report()
        self.changed = None if changed is None else set(changed)
        # Files read and not yet let go (see `_forget`): the group being checked, what its
        # checks looked up, and the shared documents every check refers to.
        self.docs: dict[str, Any] = {}
        self.raw: dict[str, bytes] = {}
        # Files read or parsed for a check of another file, let go with its group (`_forget`).
        self.looked_up: list[str] = []
        self.all_files: set[str] = set()
        self.base = ""
        self.issuer_email = ""
        self.shapes_checked: set[str] = set(known_shapes)
        self.ob2_terms = _ob2_terms()
        # Per document its shape (see `_shape_of`); per shape the keys its documents use.
        self.doc_shapes: dict[str, str] = {}
        self.shape_keys: dict[str, frozenset[str]] = {}
        self.svg = SvgReader()

    # -- driver ----------------------------------------------------------------------------
    def run(self) -> None:
        if not self.root.is_dir():
            self.report.add(str(self.root), "not a folder (build the site first)")
            return
        files = sorted(self._files() if self.known_files is None else self.known_files)
        self.all_files = set(files)
        if self.scope is not None:
            files = [rel for rel in files if rel in self.scope]
        self.report.files = len(files)
        changed = self.changed
        if changed is not None and any(
            rel not in self.all_files or (_is_shared(rel) and not self._still_a_badge(rel))
            for rel in changed
        ):
            changed = self.changed = None
        self.report.incremental = changed is not None
        scope = files if changed is None else [rel for rel in files if rel in changed]
        for rel in files:  # by name, over the whole scope: cheap, and never to be missed
            if rel.lower().endswith(PRIVATE_KEY_SUFFIXES):
                self.report.add(rel, "a key file is published (private keys must never be)")
        if not self._issuer():
            for group in _by_stem(scope):
                self._read_group(group)
                self._scan_all(group)
                self._forget(group)
            return
        revoked_listed = self._revocation_list()
        seen: set[str] = set()
        # A file and those named like it (an assertion, its image, its JWS) are checked
        # together, then let go: what is held at once is one group, not the whole tree.
        for group in _by_stem(scope):
            self._read_group(group)
            self._scan_all(group)
            group_docs = [rel for rel in group if rel in self.docs and self._right_kind(rel)]
            for rel in group_docs:
                self._check_document(rel, self.docs[rel])
            self._assertions(revoked_listed, group_docs, seen)
            self._baked_orphans(group)
            self._forget(group)
        self._revocations_seen(revoked_listed, seen)
        self.report.shapes = self.shapes_checked

    def _right_kind(self, rel: str) -> bool:
        """Report a document that is not what its path says; only those that are go on."""
        if rel == urls.ISSUER_JSON:
            return True  # checked first of all (see `_issuer`)
        problem = shape_problem(rel, self.docs[rel])
        if problem is not None:
            self.report.add(rel, problem)
        return problem is None

    def _read_group(self, group: list[str]) -> None:
        for rel in group:
            self._read(rel)

    def _forget(self, group: list[str]) -> None:
        """Let go of a checked group and of what its checks looked up, shared documents aside."""
        for rel in (*group, *self.looked_up):
            if not _is_shared(rel):
                self.raw.pop(rel, None)
                self.docs.pop(rel, None)
                self.doc_shapes.pop(rel, None)
        self.looked_up.clear()

    def _still_a_badge(self, rel: str) -> bool:
        """A changed BadgeClass that is still one at its URL: its assertions need no new check.

        What an assertion's check takes from its badge is that the badge resolves to a
        BadgeClass whose issuer resolves to the Issuer; the changed BadgeClass is checked for
        exactly that itself (`_check_document`), so editing a badge's text does not make the
        check of every award a full one.
        """
        if not (rel.startswith("badges/") and rel.endswith(".json")):
            return False
        doc = self._doc(rel)
        return isinstance(doc, dict) and doc.get("type") == "BadgeClass"

    def _raw(self, rel: str) -> bytes:
        """A file's bytes, read on first use (files outside the scope are looked up only)."""
        data = self.raw.get(rel)
        if data is None:
            data = self.raw[rel] = self._bytes(rel)
            self.looked_up.append(rel)
        return data

    def _bytes(self, rel: str) -> bytes:
        """The file's bytes: those handed over in `contents`, else read from the tree."""
        data = self.contents.get(rel)
        if data is None:
            with open(os.path.join(self.root, rel), "rb") as handle:
                data = handle.read()
        return data

    def _doc(self, rel: str) -> Any:
        if rel not in self.docs and rel.endswith(".json") and rel in self.all_files:
            try:
                self.docs[rel] = json.loads(self._raw(rel).decode("utf-8"))
                self.looked_up.append(rel)
            except (UnicodeDecodeError, ValueError):
                return None  # reported when that file itself is checked
        return self.docs.get(rel)

    def _files(self) -> Iterator[str]:
        for folder, _dirs, names in os.walk(self.root):
            rel_folder = os.path.relpath(folder, self.root)
            for name in names:
                rel = name if rel_folder == "." else f"{rel_folder}/{name}"
                yield rel.replace(os.sep, "/")

    def _read(self, rel: str) -> None:
        # What `contents` holds was just written as a regular file: only the tree can hold links.
        if rel not in self.contents and os.path.islink(os.path.join(self.root, rel)):
            self.report.add(rel, "is a symbolic link (static hosts may not follow it)")
            return
        data = self.raw[rel] = self._bytes(rel)
        if rel.endswith(".json"):
            try:
                self.docs[rel] = json.loads(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                self.report.add(rel, f"not valid JSON ({exc})")

    def _scan_all(self, files: list[str]) -> None:
        for rel in files:
            data = self.raw.get(rel)
            if data is None:
                continue
            self._scan_secrets(rel, data)
            self._scan_emails(rel, data)

    # -- tree-wide scans -------------------------------------------------------------------
    def _scan_secrets(self, rel: str, data: bytes) -> None:
        if b"PRIVATE KEY-----" in data and PRIVATE_PEM_RE.search(data):
            self.report.add(rel, "contains a PEM private key")
        doc = self.docs.get(rel)
        if doc is not None and not self._keys_of(rel, doc).isdisjoint(_PRIVATE_KEY_NAMES):
            for where in _private_members(doc, ""):
                self.report.add(rel, f"contains private key material at {where}")

    def _scan_emails(self, rel: str, data: bytes) -> None:
        if b"@" not in data:
            return
        found: list[str] = []
        for match in _email_matches(data):
            if match.group(1).lower().decode("ascii") in _FILE_TYPES:
                continue
            email = match.group(0).decode("ascii", "replace").lower()
            if email != self.issuer_email and email not in found:
                found.append(email)
        if found:
            shown = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
            self.report.add(rel, f"plaintext email address(es) published: {shown}")

    # -- the issuer fixes the base URL -------------------------------------------------------
    def _issuer(self) -> bool:
        rel = urls.ISSUER_JSON
        issuer = self._doc(rel)
        if not isinstance(issuer, dict):
            if rel not in self.all_files:
                self.report.add(rel, "missing (every other document points to it)")
            elif rel in self.docs:
                self.report.add(rel, "is not a JSON object")
            return False
        problem = shape_problem(rel, issuer)
        if problem is not None:
            self.report.add(rel, problem)
            return False
        issuer_id = issuer.get("id")
        if not isinstance(issuer_id, str) or not issuer_id.endswith("/" + rel):
            self.report.add(rel, f"id {issuer_id!r} does not end with /{rel}")
            return False
        self.base = issuer_id[: -len(rel)]
        email = issuer.get("email")
        self.issuer_email = email.strip().lower() if isinstance(email, str) else ""
        return True

    def _resolve(self, url: Any, rel: str, what: str, kind: str | None = None) -> str | None:
        """The tree path a URL names, if it is inside the tree (and a `kind` document)."""
        if not isinstance(url, str):
            self.report.add(rel, f"{what} is missing or not a URL")
            return None
        if not url.startswith(self.base):
            self.report.add(rel, f"{what} {url} is not under the site's base URL {self.base}")
            return None
        target = url[len(self.base) :].split("#", 1)[0]
        if target not in self.all_files or ".." in target.split("/"):
            self.report.add(rel, f"{what} {url} does not resolve inside the tree")
            return None
        if kind is not None:
            doc = self._doc(target)
            if not isinstance(doc, dict) or doc.get("type") != kind:
                self.report.add(rel, f"{what} {url} is not a {kind}")
                return None
        return target

    # -- every JSON document -----------------------------------------------------------------
    def _check_document(self, rel: str, doc: Any) -> None:
        if not isinstance(doc, dict) or "@context" not in doc:
            return  # plain JSON (not linked data): parsing it was the check
        context = doc["@context"]
        if context == OB2_CONTEXT:
            self._check_ob2_terms(rel, doc)
            if doc.get("type") in ("Issuer", "BadgeClass", "Assertion", "RevocationList"):
                expected = self.base + rel
                if doc.get("id") != expected:
                    self.report.add(
                        rel, f"id {doc.get('id')!r} is not the URL it is served at ({expected})"
                    )
            if doc.get("type") == "BadgeClass":
                self._resolve(doc.get("issuer"), rel, "issuer", "Issuer")
                self._resolve(doc.get("image"), rel, "image")
                if not doc.get("name") or not doc.get("description") or not doc.get("criteria"):
                    self.report.add(rel, "a BadgeClass needs name, description and criteria")
        elif isinstance(context, str) and context.startswith("https://w3id.org/openbadges"):
            self.report.add(rel, f"@context {context!r} is not the Open Badges 2.0 context")
        self._check_json_ld(rel, doc)

    def _check_ob2_terms(self, rel: str, doc: dict[str, Any]) -> None:
        if not self.ob2_terms:
            return
        unknown = sorted(
            {key for key in self._keys_of(rel, doc) if not key.startswith("@") and ":" not in key}
            - self.ob2_terms
        )
        if unknown:
            self.report.add(rel, f"terms not in the Open Badges 2.0 context: {', '.join(unknown)}")

    def _check_json_ld(self, rel: str, doc: dict[str, Any]) -> None:
        # Expansion costs milliseconds per document; documents with the same keys and types
        # expand the same way, so one of each shape is enough (10,000 assertions: a handful).
        shape = self._shape_of(rel, doc)
        if shape in self.shapes_checked:
            return
        self.shapes_checked.add(shape)
        try:
            # Imported here: pyld is slow to import and only needed for linked-data documents.
            from generator import jsonld

            jsonld.check_no_dropped_terms(doc)
        except Exception as exc:  # noqa: BLE001 - any processor failure is a finding
            self.report.add(rel, f"not well-formed JSON-LD: {exc}")

    def _shape_of(self, rel: str, doc: Any) -> str:
        """The document's shape: its context and every path of keys in it, with the types.

        Thousands of assertions share a handful of shapes, and what the checks above look at
        (the keys used, the JSON-LD expansion) is the same for every document of a shape, so
        each is worked out once per shape. Keys are escaped in the paths (see `_segment`), so
        two documents of one shape use exactly the same keys.
        """
        shape = self.doc_shapes.get(rel)
        if shape is None:
            context = doc.get("@context") if isinstance(doc, dict) else None
            shape = self.doc_shapes[rel] = json.dumps([context, sorted(_shape(doc, ""))])
        return shape

    def _keys_of(self, rel: str, doc: Any) -> frozenset[str]:
        shape = self._shape_of(rel, doc)
        keys = self.shape_keys.get(shape)
        if keys is None:
            keys = self.shape_keys[shape] = frozenset(_keys(doc))
        return keys

    # -- revocations and assertions ------------------------------------------------------------
    def _revocation_list(self) -> set[str]:
        issuer = self._doc(urls.ISSUER_JSON)
        listed: set[str] = set()
        if "revocationList" not in issuer:
            return listed
        rel = self._resolve(
            issuer["revocationList"], urls.ISSUER_JSON, "revocationList", "RevocationList"
        )
        if rel is None:
            return listed
        entries = self._doc(rel).get("revokedAssertions", [])
        for entry in entries if isinstance(entries, list) else [entries]:
            entry_id = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(entry_id, str):
                listed.add(entry_id)
            else:
                self.report.add(rel, f"revokedAssertions entry without an id: {entry!r}")
        return listed

    def _assertions(self, revoked_listed: set[str], rels: list[str], seen: set[str]) -> None:
        for rel in rels:
            doc = self.docs[rel]
            if not isinstance(doc, dict) or doc.get("@context") != OB2_CONTEXT:
                continue
            if doc.get("type") != "Assertion":
                continue
            self.report.assertions += 1
            seen.add(str(doc.get("id")))
            if doc.get("revoked") is True:
                self.report.revoked += 1
                self._revoked(rel, doc, revoked_listed)
            else:
                self._valid_assertion(rel, doc, revoked_listed)

    def _revocations_seen(self, revoked_listed: set[str], seen: set[str]) -> None:
        # Listed ids not seen here were checked elsewhere (another scope, an earlier check) if
        # they are in the tree at all: look them up.
        for listed in sorted(revoked_listed - seen):
            target = listed[len(self.base) :] if listed.startswith(self.base) else None
            doc = self._doc(target) if target is not None else None
            found = isinstance(doc, dict) and doc.get("type") == "Assertion"
            if not found or doc.get("id") != listed:
                self.report.add(urls.REVOCATIONS_JSON, f"lists {listed}, which is not in the tree")

    def _revoked(self, rel: str, doc: dict[str, Any], revoked_listed: set[str]) -> None:
        if doc.get("id") not in revoked_listed:
            self.report.add(rel, "revoked, but not listed in the issuer's revocation list")
        if "recipient" in doc or "badge" in doc:
            self.report.add(rel, "revoked, but still publishes recipient/badge details")
        stem = rel.rsplit(".", 1)[0]
        for suffix in BAKED_SUFFIXES:
            if stem + suffix in self.all_files:
                self.report.add(stem + suffix, "baked image of a revoked assertion is published")

    def _valid_assertion(self, rel: str, doc: dict[str, Any], revoked_listed: set[str]) -> None:
        if doc.get("id") in revoked_listed:
            self.report.add(rel, "listed as revoked, but served as a valid assertion")
        recipient = doc.get("recipient")
        if not isinstance(recipient, dict):
            self.report.add(rel, "no recipient")
        else:
            identity = recipient.get("identity")
            if recipient.get("hashed") is not True:
                self.report.add(rel, "recipient is not hashed")
            if not isinstance(identity, str) or not IDENTITY_RE.match(identity):
                self.report.add(
                    rel, "recipient identity is not 'sha256$' + 64 lowercase hex digits"
                )
            if not isinstance(recipient.get("salt"), str) or not recipient.get("salt"):
                self.report.add(rel, "recipient has no salt")
            if recipient.get("type") != "email":
                self.report.add(rel, f"recipient type {recipient.get('type')!r} is not 'email'")
        badge_rel = self._resolve(doc.get("badge"), rel, "badge", "BadgeClass")
        if badge_rel is not None:
            self._resolve(self._doc(badge_rel).get("issuer"), badge_rel, "issuer", "Issuer")
        verification = doc.get("verification")
        kind = verification.get("type") if isinstance(verification, dict) else None
        self._dates(rel, doc)
        if kind == "SignedBadge":
            self._signed(rel, doc, verification)
        elif kind in ("hosted", "HostedBadge"):
            self._baked(rel, doc)
        else:
            self.report.add(rel, "verification is neither {type: hosted} nor SignedBadge")

    def _signed(self, rel: str, doc: dict[str, Any], verification: dict[str, Any]) -> None:
        """A signed assertion: its JWS carries exactly the hosted bytes, under a published key."""
        jws_rel = rel.rsplit(".", 1)[0] + ".jws"
        if jws_rel not in self.all_files:
            self.report.add(rel, f"signed assertion without its JWS ({jws_rel})")
            return
        token = self._raw(jws_rel).decode("ascii", "replace").strip()
        key_rel = self._resolve(verification.get("creator"), rel, "creator", "CryptographicKey")
        if key_rel is None:
            return
        try:
            public = serialization.load_pem_public_key(
                str(self._doc(key_rel).get("publicKeyPem", "")).encode("ascii")
            )
        except ValueError:
            self.report.add(key_rel, "publicKeyPem is not a PEM public key")
            return
        payload = verify_rs256(token, public) if isinstance(public, RSAPublicKey) else None
        if payload is None:
            self.report.add(jws_rel, f"the JWS does not verify with {key_rel}")
        elif payload != self.raw[rel]:
            self.report.add(jws_rel, f"the signed payload differs from the hosted {rel}")
        image_rel = self._resolve(doc.get("image"), rel, "image")
        if image_rel is None:
            return
        try:
            baked = unbake(self._raw(image_rel))
        except BakingError as exc:
            self.report.add(image_rel, f"cannot be read as a baked image ({exc})")
            return
        self.report.baked += 1
        if baked is None or baked.strip() != token:
            self.report.add(image_rel, f"the baked JWS differs from {jws_rel}")

    def _dates(self, rel: str, doc: dict[str, Any]) -> None:
        issued = read_ob_datetime(doc.get("issuedOn"))
        if issued is None:
            self.report.add(rel, f"issuedOn {doc.get('issuedOn')!r} is not a date with a time zone")
        elif issued > self.now:
            self.report.add(rel, f"issuedOn {doc['issuedOn']} is in the future")
        if "expires" in doc:
            expires = read_ob_datetime(doc.get("expires"))
            if expires is None:
                self.report.add(
                    rel, f"expires {doc.get('expires')!r} is not a date with a time zone"
                )
            elif issued is not None and expires <= issued:
                self.report.add(rel, f"expires {doc['expires']} is not after issuedOn")

    def _baked(self, rel: str, doc: dict[str, Any]) -> None:
        image_rel = self._resolve(doc.get("image"), rel, "image")
        if image_rel is None:
            return
        data = self._raw(image_rel)
        verify: str | None = None
        try:
            if sniff(data) == "svg":  # one parse gives both the payload and the verify URL
                verify, text = self.svg.unbake(data, "assertion")
                payload = text if text is not None else verify
            else:
                payload = unbake(data)
        except BakingError as exc:
            self.report.add(image_rel, f"cannot be read as a baked image ({exc})")
            return
        self.report.baked += 1
        if payload is None:
            self.report.add(image_rel, "has no baked assertion")
        elif payload.encode("utf-8") != self.raw[rel]:
            self.report.add(image_rel, f"baked assertion differs from the hosted {rel}")
        if image_rel.endswith(".svg") and verify != doc.get("id"):
            self.report.add(image_rel, f"verify={verify!r} is not the assertion's id")

    def _baked_orphans(self, files: list[str]) -> None:
        assertions = urls.assertion_json("").rsplit("/", 1)[0] + "/"
        credentials = urls.credential_json("").rsplit("/", 1)[0] + "/"
        for rel in files:
            if not rel.endswith(BAKED_SUFFIXES):
                continue
            hosted = rel.rsplit(".", 1)[0] + ".json"
            if rel.startswith(assertions) and hosted not in self.all_files:
                self.report.add(rel, f"baked image without a hosted assertion ({hosted})")
            elif rel.startswith(credentials):
                self._baked_credential(rel, hosted)

    def _baked_credential(self, rel: str, hosted: str) -> None:
        """An Open Badges 3.0 baked image carries exactly the bytes of its hosted credential."""
        if hosted not in self.all_files:
            self.report.add(rel, f"baked image without a hosted credential ({hosted})")
            return
        try:
            payload = unbake(self._raw(rel), "openbadgecredential")
        except BakingError as exc:
            self.report.add(rel, f"cannot be read as a baked image ({exc})")
            return
        self.report.baked += 1
        if payload is None:
            self.report.add(rel, "has no baked credential")
        elif payload.encode("utf-8") != self._raw(hosted):
            self.report.add(rel, f"baked credential differs from the hosted {hosted}")


_LOCAL_PART = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")


def _email_matches(data: bytes) -> Iterator[re.Match[bytes]]:
    """What `EMAIL_RE.finditer(data)` finds, trying the pattern only around each "@".

    Every match contains an "@" (the local part cannot), and it starts where the run of
    local-part characters before that "@" starts (not before the previous match's end), so
    starting there finds the same matches without trying the pattern at every byte of an image.
    """
    end = 0
    at = data.find(b"@")
    while at != -1:
        start = at
        while start > end and data[start - 1] in _LOCAL_PART:
            start -= 1
        match = EMAIL_RE.match(data, start) if start < at else None
        if match is not None:
            yield match
            end = match.end()
            at = data.find(b"@", end)
        else:
            at = data.find(b"@", at + 1)


def _keys(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _keys(item)


def _segment(key: str) -> str:
    """A key as one unambiguous path segment: `/` and `=` (and the escape) are escaped."""
    if "~" in key or "/" in key or "=" in key:
        return key.replace("~", "~0").replace("/", "~1").replace("=", "~2")
    return key


def _shape(node: Any, path: str) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}/{_segment(key)}"
            found.add(here)
            if key in ("type", "@type"):
                found.add(f"{here}={json.dumps(value)}")
            found |= _shape(value, here)
    elif isinstance(node, list):
        for item in node:
            found |= _shape(item, path)
    return found


def _private_members(node: Any, path: str) -> Iterator[str]:
    if isinstance(node, dict):
        if "d" in node and ("kty" in node or "crv" in node):
            yield f"{path or '/'} (JWK 'd')"
        for key, value in node.items():
            if key in PRIVATE_MEMBERS:
                yield f"{path}/{key}"
            yield from _private_members(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _private_members(item, f"{path}/{index}")
