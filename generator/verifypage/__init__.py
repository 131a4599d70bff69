"""The verify page: a badge checker that runs in the reader's browser (docs/verifier-page.md).

This package owns what the build needs to write that page: where it lives, the strings its
script shows (the theme's `verify_*` strings, handed to the page as a JSON data block), and the
link an award page makes to it. The checking itself is the theme's JavaScript
(`themes/default/static/verify/verify.js`) and the bundled Open Badges 3.0 verifier
(`ob3-verifier.js`, rebuilt by `tools/verifier-bundle/`).
"""

from __future__ import annotations

from urllib.parse import quote

from generator.i18n import Catalogue

# Language-neutral path; other languages get it under `<lang>/`, like every page.
VERIFY_PAGE = "verify/index.html"
STRING_PREFIX = "verify_"


def script_strings(catalogue: Catalogue) -> dict[str, str]:
    """Every `verify_*` string of the language, unformatted (the script fills `{name}`s)."""
    return {
        key: catalogue.t(key)
        for key in sorted(catalogue.strings)
        if key.startswith(STRING_PREFIX) and isinstance(catalogue.strings[key], str)
    }


def verify_query(document_url: str) -> str:
    """The query that opens the verify page on one award's document (`?url=...`)."""
    return "?url=" + quote(document_url, safe="")
