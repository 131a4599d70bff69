"""Offline JSON-LD: bundled contexts only, RDFC-1.0 canonicalisation, dropped-term checks.

Signing a credential means signing its RDF form, so every context must come from the files in
`generator/contexts/` (the same documents the npm verifier loads), never from the network.
"""

from __future__ import annotations

import copy
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from generator.errors import InsigneError

CONTEXTS_DIR = Path(__file__).parent / "contexts"

# A throw-away vocabulary: a term the contexts do not define expands into it, so it can be
# found and named instead of being silently dropped as pyld does.
_SENTINEL_VOCAB = "urn:insigne:undefined-term#"


class JsonLdError(InsigneError):
    """A JSON-LD document that cannot be processed faithfully (and so cannot be signed)."""


@cache
def _index() -> dict[str, str]:
    with (CONTEXTS_DIR / "index.json").open(encoding="utf-8") as f:
        return json.load(f)


@cache
def _load_bundled(url: str) -> dict[str, Any]:
    with (CONTEXTS_DIR / _index()[url]).open(encoding="utf-8") as f:
        return json.load(f)


def bundled_context_urls() -> list[str]:
    """Every context URL this package can serve offline."""
    return sorted(_index())


def load_context(url: str) -> dict[str, Any]:
    """The bundled document for a context URL (a fresh copy the caller may change)."""
    if url not in _index():
        raise JsonLdError(
            f"JSON-LD context {url!r} is not bundled with Insigne; refusing to fetch it "
            f"from the network (bundled: {', '.join(bundled_context_urls())})"
        )
    return copy.deepcopy(_load_bundled(url))


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader that serves only the bundled contexts."""
    return {"contextUrl": None, "documentUrl": url, "document": load_context(url)}


def _options(**extra: Any) -> dict[str, Any]:
    # base None: pyld would otherwise resolve relative IRIs against http://example.org/base/
    # and sign a graph no other processor produces; unresolved, they are caught and reported.
    return {"documentLoader": document_loader, "base": None, **extra}


def canonicalize(doc: dict[str, Any] | list[Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document, computed offline.

    Our own documents take `fastcanon` (same bytes, ~20x faster); anything it does not cover
    exactly goes through pyld.
    """
    fast = _fastcanon().canonicalize(doc)
    return fast if fast is not None else _normalize(doc)


def canonicalize_pyld(doc: dict[str, Any] | list[Any]) -> str:
    """canonicalize() through pyld only: the reference the fast path is tested against."""
    return _normalize(doc)


def _fastcanon() -> Any:
    # Imported on first use: fastcanon itself loads contexts through this module.
    from generator import fastcanon

    return fastcanon


@cache
def pyld_module() -> Any:
    """pyld's `jsonld` module, imported on first use and without its network loader.

    Imported late: it takes longer to import than a no-change rebuild, which signs and checks
    nothing. And pyld makes a `requests` session at import, the loader of calls that pass
    none. Every call of ours passes `document_loader` (bundled contexts only), so requests is
    kept out while pyld imports: 0.08 s less in each process that checks or signs, and pyld's
    default loader is then one that refuses every URL, so nothing can reach the network.
    """
    kept_out = [name for name in ("requests", "aiohttp") if name not in sys.modules]
    for name in kept_out:
        sys.modules[name] = None  # type: ignore[assignment]  # importing it fails at once
    try:
        from pyld import jsonld
    finally:
        for name in kept_out:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return jsonld


def _normalize(doc: dict[str, Any] | list[Any]) -> str:
    jsonld = pyld_module()
    try:
        return jsonld.normalize(doc, _options(algorithm="URDNA2015", format="application/n-quads"))
    except jsonld.JsonLdError as exc:
        raise JsonLdError(f"cannot canonicalise JSON-LD document: {_describe(exc)}") from exc


def expand(doc: dict[str, Any]) -> list[Any]:
    """JSON-LD expansion with the bundled contexts."""
    jsonld = pyld_module()
    try:
        return jsonld.expand(doc, _options())
    except jsonld.JsonLdError as exc:
        raise JsonLdError(f"cannot expand JSON-LD document: {_describe(exc)}") from exc


def check_no_dropped_terms(doc: dict[str, Any]) -> None:
    """Raise JsonLdError naming every term or type the contexts do not define.

    pyld drops undefined properties without a word, so the signature would not cover them,
    while jsonld.js (safe mode) rejects the whole credential. We expand with a sentinel
    `@vocab` placed before the document's own contexts: every undefined property or type then
    expands into the sentinel namespace, where it is found and named. Ids that are not
    absolute IRIs (they vanish from the RDF too) are reported as well.
    """
    _expand_checked(doc)


def canonicalize_checked(doc: dict[str, Any]) -> str:
    """check_no_dropped_terms then canonicalize, sharing one expansion (about half the cost).

    Expansion (context processing) dominates; N-Quads from the expanded form are cheap.
    The fast path accepts only documents whose every term is defined and every id an absolute
    IRI, so when it answers the check has nothing to report; otherwise pyld does both.
    """
    fast = _fastcanon().canonicalize(doc)
    if fast is not None:
        return fast
    return _normalize(_expand_checked(doc))


def _expand_checked(doc: dict[str, Any]) -> list[Any]:
    if "@context" not in doc:
        raise JsonLdError("JSON-LD document has no @context")
    contexts = doc["@context"] if isinstance(doc["@context"], list) else [doc["@context"]]
    probe = dict(doc)
    probe["@context"] = [{"@vocab": _SENTINEL_VOCAB}, *contexts]
    expanded = expand(probe)
    problems: list[str] = []
    _walk(expanded, "", problems)
    if problems:
        raise JsonLdError(
            "JSON-LD document uses terms its contexts do not define (they would be left out "
            "of the signature and rejected by verifiers): " + "; ".join(sorted(set(problems)))
        )
    # The sentinel appears nowhere, so this is exactly the document's own expansion.
    return expanded


def _walk(node: Any, path: str, problems: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, path, problems)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:
        return
    for key, value in node.items():
        if key.startswith(_SENTINEL_VOCAB):
            name = key[len(_SENTINEL_VOCAB) :]
            problems.append(f"property {name!r} at {path or '/'}")
            continue
        if key == "@type":
            for t in value if isinstance(value, list) else [value]:
                if isinstance(t, str) and t.startswith(_SENTINEL_VOCAB):
                    problems.append(f"type {t[len(_SENTINEL_VOCAB) :]!r} at {path or '/'}")
            continue
        if key == "@id":
            if isinstance(value, str) and value.startswith(_SENTINEL_VOCAB):
                name = value[len(_SENTINEL_VOCAB) :]
                problems.append(f"vocabulary value {name!r} at {path or '/'}")
            elif isinstance(value, str) and not _is_absolute_or_blank(value):
                problems.append(f"id {value!r} at {path or '/'} is not an absolute IRI")
            continue
        _walk(value, f"{path}/{_short(key)}", problems)


def _is_absolute_or_blank(iri: str) -> bool:
    if iri.startswith("_:"):
        return True
    scheme, sep, _ = iri.partition(":")
    return bool(sep) and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)


def _short(iri: str) -> str:
    """The last segment of an expanded property IRI: readable in error messages."""
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri


def _describe(exc: BaseException) -> str:
    # pyld wraps the loader's own error; surface the innermost readable message.
    seen: set[int] = set()
    while True:
        inner = getattr(exc, "cause", None) or exc.__cause__
        if inner is None or id(inner) in seen:
            break
        seen.add(id(exc))
        exc = inner
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
