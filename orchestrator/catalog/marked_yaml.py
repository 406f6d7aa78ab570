"""YAML that remembers where each value came from, so catalog problems can name file and line.

``load_marked`` returns plain ``dict``/``list`` subclasses (``MarkedMap``, ``MarkedSeq``) that carry the
line of the node and of each key or element. Scalars stay ordinary Python values. The loader is a
safe loader subclass (libyaml's when installed): no tags that build arbitrary objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, SequenceNode


class MarkedMap(dict[Any, Any]):
    """A mapping from YAML with the 1-based ``line`` of the mapping and of each key."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        """The line of ``key`` if present, else the mapping's own line."""
        return self.key_lines.get(key, self.line)


class MarkedSeq(list[Any]):
    """A sequence from YAML with the 1-based ``line`` of the sequence and of each element."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        """The line of element ``index`` if it exists, else the sequence's own line."""
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


# libyaml's parser when present (several times faster); both record node marks.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MarkedLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """A safe loader that builds ``MarkedMap``/``MarkedSeq`` with line numbers."""

    def construct_marked_map(self, node: MappingNode) -> MarkedMap:
        """Build a ``MarkedMap``, resolving ``<<`` merge keys like the safe loader does."""
        self.flatten_mapping(node)
        result = MarkedMap()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError as exc:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
                ) from exc
            if key in result.key_lines:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r} (first on line {result.key_lines[key]})",
                    key_node.start_mark,
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = key_node.start_mark.line + 1
        return result

    def construct_marked_seq(self, node: SequenceNode) -> MarkedSeq:
        """Build a ``MarkedSeq`` recording each element's line."""
        result = MarkedSeq(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, MarkedLoader.construct_marked_map)
MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, MarkedLoader.construct_marked_seq)


class YamlSyntaxError(ValueError):
    """A file is not valid YAML; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


def load_marked(path: Path) -> Any:
    """Parse one YAML file into marked containers; raise ``YamlSyntaxError`` with the line on bad YAML."""
    text = path.read_text(encoding="utf-8")
    return loads_marked(text, path)


def loads_marked(text: str, path: Path) -> Any:
    """Parse YAML text (named ``path`` in errors) into marked containers."""
    try:
        return yaml.load(text, Loader=MarkedLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise YamlSyntaxError(path, line, f"invalid YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(path, 0, f"invalid YAML: {exc}") from exc


def line_at(tree: Any, loc: Sequence[Any]) -> int:
    """The line of the deepest node that ``loc`` (a path of keys and indexes) reaches in ``tree``.

    Path elements that do not exist (the name of a missing key, or a validator's tag such as a union
    branch name) are skipped, so a missing key is reported on its parent mapping's line.
    """
    line = getattr(tree, "line", 0)
    node = tree
    for step in loc:
        if _contains(node, step):
            line = node.line_of(step)
            node = node[step]
    return line


def _contains(node: Any, step: Any) -> bool:
    if isinstance(node, MarkedMap):
        return step in node
    return isinstance(node, MarkedSeq) and isinstance(step, int) and 0 <= step < len(node)
