"""Where every published file lives. One module, so a URL is never spelled twice.

Paths are relative to the output root, which is served at `base_url`. The layout is flat (no
directory per award) because directories cost as much as files on a cold build of 10,000 awards,
and `.html` names work on every static host without rewrite rules.
"""

from __future__ import annotations

ISSUER_JSON = "issuer.json"
REVOCATIONS_JSON = "revocations.json"
STATUS_LIST_JSON = "status/revocation.json"
STATIC_DIR = "static/"
# An empty file that turns off GitHub Pages' default Jekyll step, which drops every file or
# folder whose name starts with "." or "_" (so .well-known/did.json, the issuer's did:web).
NO_JEKYLL = ".nojekyll"
NOT_FOUND_PAGE = "404.html"  # at the root only: static hosts serve this one file for any miss


def language_prefix(default_language: str, language: str) -> str:
    """Pages of the default language live at the root, the others under `<lang>/`."""
    return "" if language == default_language else f"{language}/"


def home_page(lang_prefix: str = "") -> str:
    return f"{lang_prefix}index.html"


def issuer_page(lang_prefix: str = "") -> str:
    return f"{lang_prefix}issuer.html"


def issuer_image(kind: str) -> str:
    return f"issuer.{kind}"


def badge_json(slug: str) -> str:
    return f"badges/{slug}.json"


def badge_image(slug: str, kind: str) -> str:
    return f"badges/{slug}.{kind}"


# Social previews (generator/previews.py): PNG, for og:image, in a folder of their own so that
# no badge slug can collide with them.
ISSUER_PREVIEW = "previews/issuer.png"


def badge_preview(slug: str) -> str:
    return f"previews/badges/{slug}.png"


def criteria_page(slug: str, lang_prefix: str = "") -> str:
    return f"{lang_prefix}badges/{slug}.html"


def assertion_json(award_id: str) -> str:
    return f"assertions/{award_id}.json"


def baked_image(award_id: str, kind: str) -> str:
    return f"assertions/{award_id}.{kind}"


def award_page(award_id: str, lang_prefix: str = "") -> str:
    return f"{lang_prefix}awards/{award_id}.html"


def absolute(base_url: str, path: str) -> str:
    return base_url + path


def credential_json(award_id: str) -> str:
    return f"credentials/{award_id}.json"


def credential_image(award_id: str, kind: str) -> str:
    return f"credentials/{award_id}.{kind}"


def achievement_json(slug: str) -> str:
    return f"achievements/{slug}.json"


def assertion_jws(award_id: str) -> str:
    return f"assertions/{award_id}.jws"


def key_json(key_id: str) -> str:
    return f"keys/{key_id}.json"
