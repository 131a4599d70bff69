"""YAML loading that remembers line numbers, so errors can point at the right line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

try:  # libyaml is several times faster on large award files
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader


class LineDict(dict[str, Any]):
    """A mapping from YAML that knows the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence from YAML that knows the line of itself and of each item (1-based)."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    pass


def _line_dict(node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    return result


def _line_list(node: yaml.SequenceNode, items: Iterable[Any]) -> LineList:
    result = LineList(items)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _check_new_key(mapping: LineDict, key: Any, key_node: yaml.Node) -> None:
    """Raise as the parser would, at the key, if `key` cannot be a new key of `mapping`."""
    try:
        hash(key)
    except TypeError:
        raise yaml.constructor.ConstructorError(
            None, None, "a mapping key must be a plain value", key_node.start_mark
        ) from None
    if key in mapping:
        raise yaml.constructor.ConstructorError(
            None, None, f"duplicate key {key!r}", key_node.start_mark
        )


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    result = _line_dict(node)
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        _check_new_key(result, key, key_node)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    return _line_list(node, (loader.construct_object(child, deep=True) for child in node.value))


def _construct_timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    # PyYAML raises a bare ValueError for 2018-13-45; keep the text so the field's reader can
    # say which date is wrong and where.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


def _construct_int(loader: Any, node: yaml.ScalarNode) -> Any:
    # Python refuses to convert integers of more than 4,300 digits (a ValueError from deep in
    # PyYAML): keep the text, which every field reading a number or a word then reports.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


_STR_TAG = "tag:yaml.org,2002:str"
_MAPPING_TAG = yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG
_SEQUENCE_TAG = yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG
# Keys PyYAML's constructor gives a meaning of its own (`<<: *base`, `=`).
_SPECIAL_KEY_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


class _NeedsFullConstructor(Exception):
    """The document uses what only PyYAML's constructor handles: merge keys, or an alias of a
    mapping or sequence (one object in two places, possibly inside itself)."""


def _construct(loader: Any, node: yaml.Node, seen: set[int]) -> Any:
    """What `_Loader` makes of `node`, for the common nodes without PyYAML's constructor.

    Award files are mostly mappings of plain strings; PyYAML's generic construction (state
    kept per node for aliases and recursion) took half of loading 10,000 awards. Strings,
    mappings and sequences are built here; every other scalar (dates, numbers, booleans,
    null, unknown tags) goes through the loader as before.
    """
    tag = node.tag
    if tag == _STR_TAG:
        return node.value
    if tag in (_MAPPING_TAG, _SEQUENCE_TAG):
        if id(node) in seen:
            raise _NeedsFullConstructor
        seen.add(id(node))
        if tag == _SEQUENCE_TAG:
            return _line_list(node, (_construct(loader, child, seen) for child in node.value))
        result = _line_dict(node)
        key_lines = result.key_lines
        for key_node, value_node in node.value:
            key_tag = key_node.tag
            if key_tag in _SPECIAL_KEY_TAGS:
                raise _NeedsFullConstructor
            key = key_node.value if key_tag == _STR_TAG else _construct(loader, key_node, seen)
            _check_new_key(result, key, key_node)
            result[key] = _construct(loader, value_node, seen)
            key_lines[key] = key_node.start_mark.line + 1
        return result
    return loader.construct_object(node, deep=True)


# Aliases (`*name`) may make a document at most this many times the size of its text, or this
# size, whichever is larger: a billion laughs (anchors of ten aliases of the anchor before)
# composes in microseconds and is refused before anything is built from it.
_EXPANSION_FACTOR = 10
_EXPANSION_FLOOR = 100_000


def _check_expansion(root: yaml.Node, text_size: int) -> None:
    """Refuse a document whose aliases expand beyond the budget, or that contains itself.

    The size of a node as its aliases expand it (a scalar: its length) is computed once per
    node, depth first without recursion, so the cost is that of the text, not of the expansion.
    """
    budget = max(_EXPANSION_FACTOR * text_size, _EXPANSION_FLOOR)
    sizes: dict[int, int] = {}
    started: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1 + len(node.value)
            continue
        children = [n for pair in node.value for n in pair] if node.id == "mapping" else node.value
        if children_done:
            total = 1 + sum(sizes[id(child)] for child in children)
            if total > budget:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"aliases (*name) expand this document beyond {budget:,} characters, more than "
                    f"{_EXPANSION_FACTOR} times its own size: write the values out instead",
                    node.start_mark,
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in started:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                "an alias (*name) refers to a mapping or list that contains it",
                node.start_mark,
            )
        started.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _load(text: str) -> Any:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "&" in text and "*" in text:  # no anchor or no alias: nothing expands
            _check_expansion(node, len(text))
        try:
            return _construct(loader, node, set())
        except _NeedsFullConstructor:
            return loader.construct_document(node)
    finally:
        loader.dispose()


class YamlError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def parse_yaml(text: str, line_offset: int = 0) -> Any:
    """Parse YAML text; raise YamlError with a one-line message and a 1-based line."""
    try:
        return _load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and "duplicate" not in exc.problem:
            problem = f"{exc.context}, {exc.problem}"
        raise YamlError(f"invalid YAML: {problem}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", None) from None


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Split `---\\nYAML\\n---\\nbody`; return (yaml, body, line where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    return None
