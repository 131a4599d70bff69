"""Recipient identities: the only place emails are turned into what gets published."""

from __future__ import annotations

import hashlib
import re
import secrets

from generator.model import Recipient

# Deliberately plain: one @, a dot in the domain, no spaces. Validators only hash the string, so
# the goal is catching typos, not RFC 5322 completeness.
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[a-z0-9-]{2,}$", re.IGNORECASE)
IDENTITY_RE = re.compile(r"^sha256\$[0-9a-f]{64}$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def is_valid_email(email: str) -> bool:
    return bool(EMAIL_RE.match(email)) and ".." not in email


def new_salt() -> str:
    return secrets.token_hex(16)


def hash_email(email: str, salt: str) -> str:
    digest = hashlib.sha256((normalise_email(email) + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def hashed_identity(recipient: Recipient, salt: str) -> str:
    if recipient.identity is not None:
        return recipient.identity
    assert recipient.email is not None
    return hash_email(recipient.email, salt)
