"""RDFC-1.0 canonical N-Quads of the documents Insigne signs, byte-identical to pyld, ~30x faster.

Why: pyld re-processes (and re-canonicalises, to key its cache) the contexts at every node of
every document; that is most of the ~10 ms CPU each first-time signature cost. Our documents use
a handful of contexts and a fixed set of terms, so that work can be done once per process.

How: `_Walker` follows pyld's expansion algorithm step by step (reverting type-scoped contexts,
property- and type-scoped contexts, value coercion, node merging) and emits quads directly (no
expanded form, no node map). Every decision that depends only on the active context and a
node's keys and types is made once by `_Planner`, which asks `_Contexts` to run pyld's own
context code once per (active context, operation). `canonical_nquads` implements RDFC-1.0:
first-degree hashes, then the N-degree hash for blank nodes that tie (identical siblings).

Whatever the walk does not mirror exactly (a keyword other than @context/@id/@type, a list,
@graph, @json or language-tagged values, floats, relative or blank-node ids, an undefined term,
any error) raises `_Unsupported`, and `canonicalize` returns None: the caller then runs pyld,
which produces the result or the error. Correctness never depends on the fast path's coverage.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable
from typing import Any

from generator.jsonld import pyld_module

pyld = pyld_module()  # first: it imports pyld without its network loader
from pyld.context_resolver import ContextResolver  # noqa: E402

Quad = tuple[str, str, str]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_XSD_BOOLEAN = _XSD + "boolean"
_XSD_INTEGER = _XSD + "integer"
_XSD_DOUBLE = _XSD + "double"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
# The memo is keyed by context identity and document terms; a pathological stream of distinct
# unknown terms must not grow it without bound.
_MEMO_LIMIT = 200_000

_is_absolute_iri = pyld._is_absolute_iri
_is_keyword = pyld._is_keyword


class _Unsupported(Exception):
    """The document steps outside what the fast path mirrors exactly: use pyld."""


def _escape(value: str) -> str:
    # The same escapes as pyld's N-Quads serialiser (and jsonld.js): nothing else is escaped.
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace('"', '\\"')
    )


class _Contexts:
    """pyld's context processing, each distinct operation computed once and remembered."""

    def __init__(self, document_loader: Callable[..., dict[str, Any]]) -> None:
        self._proc = pyld.JsonLdProcessor()
        # The options pyld's expand() would build from ours (base None: no relative resolution).
        self._options: dict[str, Any] = {
            "documentLoader": document_loader,
            "base": None,
            "isFrame": False,
            "keepFreeFloatingNodes": False,
            "contextResolver": ContextResolver(pyld._resolved_context_cache, document_loader),
            "extractAllScripts": False,
            "processingMode": "json-ld-1.1",
        }
        self.initial = self._proc._get_initial_context(self._options)
        self._memo: dict[tuple[Any, ...], Any] = {}
        # Keys hold id()s of contexts: keep every such context alive so no id is ever reused.
        self._alive: list[Any] = [self.initial]

    def _remember(self, key: tuple[Any, ...], value: Any) -> Any:
        self._memo[key] = value
        if isinstance(value, dict):
            self._alive.append(value)
        return value

    def size(self) -> int:
        return len(self._memo)

    def clear(self) -> None:
        self._memo.clear()
        self._alive = [self.initial]

    def _process(self, ctx: dict[str, Any], local: Any, **flags: bool) -> dict[str, Any]:
        return self._proc._process_context(ctx, local, self._options, **flags)

    def top(self, ctx: dict[str, Any], local: Any) -> dict[str, Any]:
        """The context after an embedded @context (only the document's top level has one)."""
        key = ("top", id(ctx), _context_key(local))
        found = self._memo.get(key)
        if found is None:
            found = self._remember(key, self._process(ctx, local))
        return found

    def property_scoped(self, ctx: dict[str, Any], source: dict[str, Any], term: str) -> Any:
        """`ctx` with the scoped context `term` has in `source`; `ctx` itself when it has none."""
        key = ("prop", id(ctx), id(source), term)
        found = self._memo.get(key)
        if found is None:
            local = pyld.JsonLdProcessor.get_context_value(source, term, "@context")
            result = ctx if local is None else self._process(ctx, local, override_protected=True)
            found = self._remember(key, result)
        return found

    def type_scoped(self, ctx: dict[str, Any], source: dict[str, Any], type_: str) -> Any:
        key = ("type", id(ctx), id(source), type_)
        found = self._memo.get(key)
        if found is None:
            local = pyld.JsonLdProcessor.get_context_value(source, type_, "@context")
            if local is None or local is False:
                result = ctx
            else:
                result = self._process(ctx, local, propagate=False)
            found = self._remember(key, result)
        return found

    def vocab(self, ctx: dict[str, Any], term: str) -> Any:
        """A key or type expanded as pyld does (vocabulary-relative)."""
        key = ("vocab", id(ctx), term)
        try:
            return self._memo[key]
        except KeyError:
            return self._remember(key, self._proc._expand_iri(ctx, term, vocab=True, base=None))

    def iri(self, ctx: dict[str, Any], value: str, vocab: bool = False) -> str:
        """An id value as an N-Quads IRI term; only absolute IRIs (what pyld keeps and checks)."""
        colon = value.find(":")
        if not vocab and colon > 0 and value.startswith("//", colon + 1):
            # pyld returns such a value untouched before looking at the context.
            expanded = value
        else:
            expanded = self._proc._expand_iri(ctx, value, vocab=vocab, base=None)
        if (
            not isinstance(expanded, str)
            or expanded.startswith("_:")
            or not _is_absolute_iri(expanded)
        ):
            raise _Unsupported(f"id {value!r}")
        return "<" + expanded + ">"

    def term(self, ctx: dict[str, Any], term: str) -> tuple[Any, ...]:
        """(container, @type coercion, language, direction, reverse) of a term in `ctx`."""
        key = ("term", id(ctx), term)
        found = self._memo.get(key)
        if found is None:
            get = pyld.JsonLdProcessor.get_context_value
            mapping = ctx["mappings"].get(term)
            found = self._remember(
                key,
                (
                    get(ctx, term, "@container"),
                    get(ctx, term, "@type"),
                    get(ctx, term, "@language"),
                    get(ctx, term, "@direction"),
                    bool(mapping and mapping.get("reverse")),
                ),
            )
        return found


class _Planner:
    """What pyld's expansion decides for a node, from its context and shape alone, remembered.

    A node's keys (and its types) fix every context operation its expansion performs; only
    its values vary from document to document. So the decisions are computed once per
    (context, key set, types) and each document then only looks them up.
    """

    def __init__(self, contexts: _Contexts) -> None:
        self.c = contexts
        self._memo: dict[tuple[Any, ...], Any] = {}

    def _remember(self, key: tuple[Any, ...], value: Any) -> Any:
        self._memo[key] = value
        return value

    def trim(self) -> None:
        """Forget everything past the limit; only between documents, and both memos at once
        (keys hold id()s of contexts that the remembered values keep alive)."""
        if len(self._memo) + self.c.size() >= _MEMO_LIMIT:
            self._memo.clear()
            self.c.clear()

    def entry(
        self, ctx: dict[str, Any], active_property: str | None, keys: tuple[str, ...], local: Any
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """(context before type-scoped contexts, keys expanding to @type); pyld `_expand`."""
        memo_key = ("entry", id(ctx), active_property, keys, _context_key(local))
        found = self._memo.get(memo_key)
        if found is None:
            try:
                found = self._entry(ctx, active_property, keys, local)
            except _Unsupported as exc:
                found = exc
            self._remember(memo_key, found)
        if isinstance(found, _Unsupported):
            raise found
        return found

    def _entry(
        self, ctx: dict[str, Any], active_property: str | None, keys: tuple[str, ...], local: Any
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        c = self.c
        # Revert a non-propagated type-scoped context unless the element is a value or a bare
        # node reference, then apply the property-scoped context.
        type_scoped = ctx if ctx.get("previousContext") else None
        must_revert = True
        if type_scoped and len(keys) <= 2 and "@context" not in keys:
            for key in keys:
                expanded = c.vocab(type_scoped, key)
                if expanded == "@value":
                    raise _Unsupported("value object")
                if expanded == "@id" and len(keys) == 1:
                    must_revert = False
                    break
        source = ctx
        if must_revert and "previousContext" in ctx:
            ctx = ctx["previousContext"]
        if active_property is not None:
            ctx = c.property_scoped(ctx, source, active_property)
        # pyld `_prepare_nested_context`: the embedded context applies before types are read.
        if "@context" in keys:
            if active_property is not None or (isinstance(local, dict) and "@context" in local):
                raise _Unsupported("embedded @context below the top level, or nested")
            ctx = c.top(ctx, local)
        type_keys = tuple(k for k in keys if k != "@context" and c.vocab(ctx, k) == "@type")
        return ctx, type_keys

    def body(
        self, ctx: dict[str, Any], keys: tuple[str, ...], types: tuple[tuple[str, ...], ...]
    ) -> tuple[tuple[str, ...], str | None, tuple[tuple[str, tuple[Any, ...]], ...], Any]:
        """(type objects, key of @id, property plans, context); pyld `_expand_object`."""
        memo_key = ("body", id(ctx), keys, types)
        found = self._memo.get(memo_key)
        if found is None:
            try:
                found = self._body(ctx, keys, types)
            except _Unsupported as exc:
                found = exc
            self._remember(memo_key, found)
        if isinstance(found, _Unsupported):
            raise found
        return found

    def _body(
        self,
        before_types: dict[str, Any],
        keys: tuple[str, ...],
        types: tuple[tuple[str, ...], ...],
    ) -> tuple[tuple[str, ...], str | None, tuple[tuple[str, tuple[Any, ...]], ...], Any]:
        c = self.c
        ctx = before_types
        # Type-scoped contexts are looked up in the context as it was before any applied.
        for values in types:
            for t in sorted(values):
                ctx = c.type_scoped(ctx, before_types, t)
        if types and types[0] and c.vocab(ctx, types[0][0]) == "@json":
            raise _Unsupported("@json node")
        type_objects = []
        for values in types:
            for t in values:
                expanded = c.vocab(before_types, t)
                if not isinstance(expanded, str) or expanded.startswith("_:"):
                    raise _Unsupported(f"type {t!r}")
                if not _is_absolute_iri(expanded):
                    raise _Unsupported(f"type {t!r} is not defined")
                type_objects.append("<" + expanded + ">")
        id_key = None
        plans = []
        for key in keys:
            if key == "@context":
                continue
            expanded = c.vocab(ctx, key)
            if expanded is None or not (_is_absolute_iri(expanded) or _is_keyword(expanded)):
                raise _Unsupported(f"term {key!r} is not defined")
            if expanded == "@id":
                if id_key is not None:
                    raise _Unsupported("two keys expand to @id")
                id_key = key
            elif expanded == "@type":
                continue
            elif _is_keyword(expanded) or expanded.startswith("_:"):
                raise _Unsupported(f"keyword {expanded}")
            else:
                plans.append((key, self._property(ctx, key, expanded)))
        return tuple(type_objects), id_key, tuple(plans), ctx

    def _property(self, ctx: dict[str, Any], key: str, expanded: str) -> tuple[Any, ...]:
        """(predicate, term context, lists allowed, scalar rule) for one property."""
        c = self.c
        container, coerce, _, _, reverse = c.term(ctx, key)
        if container is not None and container != "@set" and container != ["@set"]:
            raise _Unsupported(f"container {container}")
        if coerce == "@json":
            raise _Unsupported("@json value")
        term_ctx = c.property_scoped(ctx, ctx, key)
        inner_container, coerce, language, direction, inner_reverse = c.term(term_ctx, key)
        if reverse or inner_reverse:
            raise _Unsupported("reverse property")
        lists_ok = inner_container is None or "@list" not in pyld.JsonLdProcessor.arrayify(
            inner_container
        )
        # pyld `_expand_value` and `_object_to_rdf`, resolved for this term; an _Unsupported
        # here only matters if a scalar value actually comes.
        scalar: Any
        if c.vocab(term_ctx, key) != expanded:
            scalar = _Unsupported("term redefined by its own scoped context")
        elif coerce == "@id" or coerce == "@vocab":
            scalar = (coerce, None)
        elif coerce is not None and (
            coerce in ("@none", "@vocab", _XSD_DOUBLE) or not _is_absolute_iri(coerce)
        ):
            scalar = _Unsupported(f"coercion {coerce}")
        else:
            scalar = ("literal", coerce, language is not None or direction is not None)
        return "<" + expanded + ">", term_ctx, lists_ok, scalar


def _context_key(local: Any) -> Any:
    if local is None:
        return None
    if isinstance(local, str):
        return local
    if isinstance(local, list) and all(isinstance(item, str) for item in local):
        return tuple(local)
    # Key order kept: no need to argue that context processing ignores it.
    return json.dumps(local)


class _Walker:
    """One document's quads, produced by mirroring pyld's expansion and node-map steps."""

    def __init__(self, planner: _Planner) -> None:
        self._p = planner
        # Insertion-ordered set. The fourth member keeps apart literals pyld keeps apart: its node
        # map compares native values strictly (5 and "5", True and "true" are different values)
        # while their quads print the same, so pyld then emits the quad twice.
        self.quads: dict[tuple[str, str, str, type | None], None] = {}
        self._blank = 0

    def node(
        self,
        ctx: dict[str, Any],
        active_property: str | None,
        element: dict[str, Any],
    ) -> str:
        """Expand a node object; return its subject term (IRI or fresh blank node)."""
        keys = tuple(sorted(element))
        ctx, type_keys = self._p.entry(ctx, active_property, keys, element.get("@context"))
        types = []
        for key in type_keys:
            value = element[key]
            values = tuple(value) if isinstance(value, list) else (value,)
            for t in values:
                if not isinstance(t, str):
                    raise _Unsupported("non-string @type")
            types.append(values)
        type_objects, id_key, plans, ctx = self._p.body(ctx, keys, tuple(types))
        if id_key is not None:
            value = element[id_key]
            if not isinstance(value, str):
                raise _Unsupported("@id")
            subject = self._p.c.iri(ctx, value)
        else:
            self._blank += 1
            subject = f"_:b{self._blank}"
        quads = self.quads
        for t in type_objects:
            quads[(subject, _RDF_TYPE, t, None)] = None
        for key, plan in plans:
            self._values(key, plan, element[key], subject)
        return subject

    def _values(self, key: str, plan: tuple[Any, ...], value: Any, subject: str) -> None:
        predicate, term_ctx, lists_ok, scalar = plan
        if value is None:
            return
        if isinstance(value, list):
            if not lists_ok:
                raise _Unsupported("@list")
            for item in value:
                self._values(key, plan, item, subject)
            return
        if isinstance(value, dict):
            self.quads[(subject, predicate, self.node(term_ctx, key, value), None)] = None
            return
        if isinstance(scalar, _Unsupported):
            raise scalar
        kind, coerce, *rest = scalar
        if kind != "literal":
            if not isinstance(value, str):
                raise _Unsupported("non-string id")
            obj = self._p.c.iri(term_ctx, value, vocab=kind == "@vocab")
            self.quads[(subject, predicate, obj, None)] = None
            return
        native: type
        if isinstance(value, str):
            if coerce is None and rest[0]:
                raise _Unsupported("language-tagged string")
            lexical, datatype, native = value, coerce or _XSD_STRING, str
        elif isinstance(value, bool):
            lexical, datatype, native = ("true" if value else "false"), coerce or _XSD_BOOLEAN, bool
        elif isinstance(value, int) and abs(value) < 10**21:
            lexical, datatype, native = str(int(value)), coerce or _XSD_INTEGER, int
        else:
            raise _Unsupported(f"value {value!r}")
        literal = '"' + _escape(lexical) + '"'
        if datatype != _XSD_STRING:
            literal += "^^<" + datatype + ">"
        self.quads[(subject, predicate, literal, native)] = None


class _Issuer:
    """Issues `prefix0`, `prefix1`... to blank nodes, remembering the order (RDFC-1.0 4.5)."""

    __slots__ = ("prefix", "issued", "order")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.issued: dict[str, str] = {}
        self.order: list[str] = []

    def issue(self, blank: str) -> str:
        found = self.issued.get(blank)
        if found is None:
            found = self.issued[blank] = self.prefix + str(len(self.order))
            self.order.append(blank)
        return found

    def copy(self) -> _Issuer:
        other = _Issuer(self.prefix)
        other.issued = dict(self.issued)
        other.order = list(self.order)
        return other


def _is_blank(term: str) -> bool:
    return term.startswith("_:")


class _Canonicaliser:
    """RDFC-1.0 over quads of the default graph whose terms are already in N-Quads form."""

    def __init__(self, quads: list[Quad]) -> None:
        self.quads = quads
        self.mentions: dict[str, list[Quad]] = {}
        # Terms are in N-Quads form: "_:..." is a blank node, "<...>" an IRI, '"...' a literal.
        for quad in quads:
            s, _, o = quad
            # As pyld does: a quad is listed once per blank-node position it fills.
            if s[0] == "_":
                self.mentions.setdefault(s, []).append(quad)
            if o[0] == "_":
                self.mentions.setdefault(o, []).append(quad)
        self.first_degree: dict[str, str] = {}
        self.canonical = _Issuer("_:c14n")

    def hash_first_degree(self, blank: str) -> str:
        found = self.first_degree.get(blank)
        if found is not None:
            return found
        lines = []
        for s, p, o in self.mentions[blank]:
            if s[0] == "_":
                s = "_:a" if s == blank else "_:z"
            if o[0] == "_":
                o = "_:a" if o == blank else "_:z"
            lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        found = self.first_degree[blank] = hashlib.sha256("".join(lines).encode()).hexdigest()
        return found

    def hash_related(self, related: str, predicate: str, issuer: _Issuer, position: str) -> str:
        if related in self.canonical.issued:
            label = self.canonical.issued[related]
        elif related in issuer.issued:
            label = issuer.issued[related]
        else:
            label = self.hash_first_degree(related)
        text = position + (predicate if position != "g" else "") + label
        return hashlib.sha256(text.encode()).hexdigest()

    def hash_n_degree(self, blank: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        related_by_hash: dict[str, list[str]] = {}
        for quad in self.mentions[blank]:
            s, p, o = quad
            for term, position in ((s, "s"), (o, "o")):
                if _is_blank(term) and term != blank:
                    digest = self.hash_related(term, p, issuer, position)
                    related_by_hash.setdefault(digest, []).append(term)
        data = hashlib.sha256()
        for related_hash, blanks in sorted(related_by_hash.items()):
            data.update(related_hash.encode())
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            # The chosen path is the least over all orders, whatever order they are tried in.
            for permutation in itertools.permutations(sorted(blanks)):
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    if related in self.canonical.issued:
                        path += self.canonical.issued[related]
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, issuer_copy = self.hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related) + "<" + result_hash + ">"
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.update(chosen_path.encode())
            assert chosen_issuer is not None
            issuer = chosen_issuer
        return data.hexdigest(), issuer

    def run(self) -> str:
        by_hash: dict[str, list[str]] = {}
        for blank in self.mentions:
            by_hash.setdefault(self.hash_first_degree(blank), []).append(blank)
        # Unique first-degree hashes name their blank node directly, in hash order.
        for _digest, blanks in sorted(by_hash.items()):
            if len(blanks) == 1:
                self.canonical.issue(blanks[0])
        for _digest, blanks in sorted(by_hash.items()):
            if len(blanks) == 1:
                continue
            results: list[tuple[str, _Issuer]] = []
            for blank in blanks:
                if blank in self.canonical.issued:
                    continue
                temporary = _Issuer("_:b")
                temporary.issue(blank)
                results.append(self.hash_n_degree(blank, temporary))
            for _, issuer in sorted(results, key=lambda r: r[0]):
                for existing in issuer.order:
                    self.canonical.issue(existing)
        issued = self.canonical.issued
        lines = []
        for s, p, o in self.quads:
            if s[0] == "_":
                s = issued[s]
            if o[0] == "_":
                o = issued[o]
            lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        return "".join(lines)


def canonical_nquads(quads: Iterable[Quad]) -> str:
    """RDFC-1.0 canonical N-Quads of default-graph quads given as N-Quads terms."""
    return _Canonicaliser(list(quads)).run()


_planner: _Planner | None = None


def _shared_planner() -> _Planner:
    global _planner
    if _planner is None:
        # Imported here: generator.jsonld routes through this module.
        from generator.jsonld import document_loader

        _planner = _Planner(_Contexts(document_loader))
    return _planner


def to_quads(doc: Any) -> list[Quad] | None:
    """The RDF quads pyld would produce for `doc`, or None if the fast path does not cover it."""
    if not isinstance(doc, dict) or "@context" not in doc:
        return None
    planner = _shared_planner()
    planner.trim()
    walker = _Walker(planner)
    try:
        walker.node(planner.c.initial, None, doc)
    except _Unsupported:
        return None
    except Exception:  # noqa: BLE001 - any surprise is pyld's to report, with its own message
        return None
    return [(s, p, o) for s, p, o, _ in walker.quads]


def canonicalize(doc: Any) -> str | None:
    """Canonical N-Quads equal to pyld's URDNA2015 output, or None: then ask pyld.

    A document this returns a string for uses only terms its contexts define and only absolute
    IRIs as ids, so pyld's dropped-term check would pass on it too.
    """
    quads = to_quads(doc)
    if quads is None:
        return None
    return canonical_nquads(quads)
