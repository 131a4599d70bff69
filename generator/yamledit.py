"""Small text edits of YAML files that keep everything else byte for byte (comments included).

Maintainers write award files by hand, with comments and their own layout; a tool that rewrites
the whole file through a YAML dumper would destroy both. These functions locate nodes with the
YAML composer (which knows where every node starts and ends) and splice new text into the
original string, so a diff shows exactly the line(s) that changed.

The API is deliberately small:
- `set_item_key(text, item_line, key, value, scalar_key=...)`: in the block-sequence item that
  starts on `item_line`, set `key: value` (a plain scalar item `- x` becomes `- scalar_key: x`).
- `append_item(text, sequence_key, item, create=False)`: add an item at the end of the
  top-level block sequence `sequence_key` (with `create`, start the sequence if it is missing).
  An item's value may itself be a mapping of keys to YAML text (one nested level).
- `quote(value)`: a YAML double-quoted scalar for any string.
Values passed to the first two are YAML text already (use `quote` for strings).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

import yaml


class YamlEditError(ValueError):
    """The file cannot be edited safely in place (the message says what to do instead)."""


def quote(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar with the same meaning.
    return json.dumps(value, ensure_ascii=False)


def _compose(text: str) -> yaml.Node | None:
    try:
        # The pure-Python loader: its marks carry character indexes into `text`.
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise YamlEditError(f"cannot edit invalid YAML: {exc}") from None


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _walk(node: yaml.Node) -> Iterator[yaml.Node]:
    yield node
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _walk(key)
            yield from _walk(value)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _walk(child)


_BREAKS = "\r\n\x85\u2028\u2029"


def _split_lines(text: str) -> list[str]:
    """Lines with their breaks, counted the way the YAML reader counts them (marks agree)."""
    lines: list[str] = []
    start = index = 0
    while index < len(text):
        char = text[index]
        if char in _BREAKS:
            index += 2 if text.startswith("\r\n", index) else 1
            lines.append(text[start:index])
            start = index
        else:
            index += 1
    if start < len(text):
        lines.append(text[start:])
    return lines


def _last_line(node: yaml.Node, lines: list[str]) -> int:
    """The 0-based index of the last line holding any text of `node`."""
    if isinstance(node, yaml.ScalarNode):
        end = node.end_mark
        if node.style in ("|", ">"):
            if end.column > 0:
                return end.line
            # A block scalar ends at the start of the next line, after any blank lines it
            # swallowed; those belong to it only with "keep" chomping (|+ or >+).
            header = lines[node.start_mark.line][node.start_mark.column :]
            last = end.line - 1
            if "+" not in header.split("#", 1)[0]:
                while last > node.start_mark.line and not lines[last].strip():
                    last -= 1
            return last
        return end.line
    children: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            children.extend((key, value))
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    if not children or getattr(node, "flow_style", False):
        return node.end_mark.line
    return max(_last_line(child, lines) for child in children)


def _find_item(root: yaml.Node, item_line: int) -> tuple[yaml.SequenceNode, yaml.Node]:
    for node in _walk(root):
        if not isinstance(node, yaml.SequenceNode):
            continue
        for child in node.value:
            if child.start_mark.line + 1 == item_line:
                if node.flow_style:
                    raise YamlEditError(
                        f"line {item_line}: the list is written inline ([...]); "
                        "write it one item per line ('- ...') to edit it"
                    )
                return node, child
    raise YamlEditError(f"no list item starts on line {item_line}")


def set_item_key(
    text: str, item_line: int, key: str, value: str, *, scalar_key: str | None = None
) -> str:
    """Set `key: value` in the block-sequence item starting on `item_line` (1-based).

    `value` is YAML text (e.g. from `quote`). A mapping item gets a new line at its end (or its
    existing `key` replaced); a one-line scalar item is turned into a mapping under
    `scalar_key`. Everything else in `text` is kept as it was.
    """
    root = _compose(text)
    if root is None:
        raise YamlEditError("the file is empty")
    _sequence, item = _find_item(root, item_line)
    lines = _split_lines(text)
    newline = _newline(text)
    entry = f"{key}: {value}"

    if isinstance(item, yaml.ScalarNode):
        if scalar_key is None:
            raise YamlEditError(f"line {item_line}: the item is a plain value, not a mapping")
        if item.style in ("|", ">") or item.start_mark.line != item.end_mark.line:
            raise YamlEditError(f"line {item_line}: a multi-line value cannot be edited here")
        start, end = item.start_mark.index, item.end_mark.index
        indent = " " * item.start_mark.column
        head = text[:start] + f"{scalar_key}: " + text[start:end]
        lines = _split_lines(head + text[end:])
        return _insert_after(lines, item.start_mark.line, indent + entry + newline, newline)

    if not isinstance(item, yaml.MappingNode):
        raise YamlEditError(f"line {item_line}: the item is a list, not a mapping")
    if item.flow_style:
        raise YamlEditError(
            f"line {item_line}: the item is written inline ({{...}}); "
            "write it one key per line to edit it"
        )
    for key_node, value_node in item.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return _replace_value(text, key_node, value_node, value)

    indent = " " * item.value[0][0].start_mark.column
    return _insert_after(lines, _last_line(item, lines), indent + entry + newline, newline)


def _replace_value(text: str, key_node: yaml.Node, value_node: yaml.Node, value: str) -> str:
    if not isinstance(value_node, yaml.ScalarNode) or value_node.style in ("|", ">"):
        raise YamlEditError(
            f"line {key_node.start_mark.line + 1}: '{key_node.value}' holds a block value; "
            "edit it by hand"
        )
    if value_node.start_mark.index == value_node.end_mark.index:
        # An empty value (`key:`): put the new one right after the colon.
        colon = text.index(":", key_node.end_mark.index)
        return text[: colon + 1] + " " + value + text[colon + 1 :]
    return text[: value_node.start_mark.index] + value + text[value_node.end_mark.index :]


Item = str | Mapping[str, "str | Mapping[str, str]"]


def append_item(text: str, sequence_key: str, item: Item, *, create: bool = False) -> str:
    """Append `item` to the top-level block sequence `sequence_key`.

    `item` is YAML text for a scalar, or a mapping of keys to YAML text (one line each) or to a
    mapping of keys to YAML text (written as a nested block). The new item takes the
    indentation of the existing items. With `create`, a missing `sequence_key` is added at the
    end of the mapping, its items indented by two spaces.
    """
    root = _compose(text)
    if root is None and create:
        return text + _item_block(sequence_key + ":", item, "  ", _newline(text))
    if not isinstance(root, yaml.MappingNode):
        raise YamlEditError("the file is not a mapping")
    value_node = next(
        (
            value
            for key, value in root.value
            if isinstance(key, yaml.ScalarNode) and key.value == sequence_key
        ),
        None,
    )
    if value_node is None:
        if not create:
            raise YamlEditError(f"no '{sequence_key}:' list in the file")
        if root.flow_style:
            raise YamlEditError("the file is written inline ({...}); write one key per line")
        lines = _split_lines(text)
        newline = _newline(text)
        indent = " " * root.start_mark.column
        block = _item_block(f"{indent}{sequence_key}:", item, indent + "  ", newline)
        return _insert_after(lines, _last_line(root, lines), block, newline)
    if not isinstance(value_node, yaml.SequenceNode) or value_node.flow_style:
        raise YamlEditError(f"'{sequence_key}' is not a list written one item per line")
    if not value_node.value:
        raise YamlEditError(f"'{sequence_key}' is empty; add the first item by hand")
    lines = _split_lines(text)
    newline = _newline(text)
    dash = " " * value_node.value[0].start_mark.column
    # Items of a block sequence start after "- ", so the dash is two columns to the left.
    dash = dash[:-2] if len(dash) >= 2 else ""
    block = _item_block(None, item, dash, newline)
    return _insert_after(lines, _last_line(value_node, lines), block, newline)


def _item_block(head: str | None, item: Item, dash: str, newline: str) -> str:
    """The lines of one sequence item whose dash is at `dash`, after a `head` line if any."""
    block = f"{head}{newline}" if head is not None else ""
    if isinstance(item, str):
        return block + f"{dash}- {item}{newline}"
    if not item:
        raise YamlEditError("cannot append an empty mapping")
    inner = dash + "  "
    for index, (key, value) in enumerate(item.items()):
        lead = f"{dash}- " if index == 0 else inner
        if isinstance(value, str):
            block += f"{lead}{key}: {value}{newline}"
            continue
        if not value:
            raise YamlEditError(f"cannot write an empty mapping for '{key}'")
        block += f"{lead}{key}:{newline}"
        block += "".join(f"{inner}  {k}: {v}{newline}" for k, v in value.items())
    return block


def _insert_after(lines: list[str], line: int, block: str, newline: str) -> str:
    """The text with `block` (whole lines) inserted after the 0-based line `line`."""
    head = lines[: line + 1]
    if head and not head[-1].endswith(tuple(_BREAKS)):
        head[-1] += newline  # the file ended without a final line break
    return "".join(head) + block + "".join(lines[line + 1 :])
