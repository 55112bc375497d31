"""YAML text → plain Python values, keeping the node tree so any value can be located later.

PyYAML silently keeps the last of two equal keys and its constructor is slow; here the C
composer (``CSafeLoader`` when libyaml is present) builds the node tree once and
:class:`Converter` turns it into dicts, lists and scalars in a single pass while checking for
duplicate keys. Positions are not copied onto values: :func:`find` walks the node tree by a
value path when (and only when) a message needs a line and column.

Mapping keys are always kept as the text the user wrote (``on:`` stays ``"on"``, ``1:`` stays
``"1"``): keys are kind, resource and field names, never booleans or numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """The fastest safe loader available (libyaml's when installed), its implicit tags
    memoised per text: the composer asks the Python resolver for every scalar, keys
    included, and a brand repeats the same field names thousands of times. (A safe loader
    has no path resolvers: the hooks that follow the path through the tree do nothing.)"""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._tags: dict[tuple[str, tuple[bool, bool]], str] = {}

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        """The tag of a node without an explicit one (see ``yaml.resolver``)."""
        if kind is ScalarNode:
            key = (value, implicit)
            tag = self._tags.get(key)
            if tag is None:
                tag = self._tags[key] = _SafeLoader.resolve(self, kind, value, implicit)
            return tag
        return str(_SafeLoader.resolve(self, kind, value, implicit))

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """Nothing to follow: no path resolvers."""

    def ascend_resolver(self) -> None:
        """Nothing to follow: no path resolvers."""


assert not _SafeLoader.yaml_path_resolvers, "the loader's hooks assume no path resolvers"

STR = "tag:yaml.org,2002:str"
MERGE = "tag:yaml.org,2002:merge"
MAX_EXPANDED = 5_000_000
"""Upper bound on values after aliases are expanded (defuses "billion laughs" files)."""

Report = Callable[[Node, str, str], None]
"""How the converter reports a problem: ``report(node, message, hint)``."""

_CONSTRUCTOR = SafeConstructor()


class SyntaxProblem(Exception):
    """The text is not valid YAML; ``line``/``column`` are 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int, column: int, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.hint = message, line, column, hint


def compose(text: str) -> Node | None:
    """The node tree of a single-document YAML text (``None`` when it is empty).

    Raises :class:`SyntaxProblem` with the position of the first syntax error.
    """
    try:
        return yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        parts = [p for p in (err.context, err.problem) if p]
        message = "YAML syntax error: " + (", ".join(parts) or "invalid YAML")
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        hint = "indent with spaces; YAML does not allow tabs" if _tab_at(text, line, column) else ""
        raise SyntaxProblem(message, line, column, hint) from None
    except yaml.YAMLError as err:
        raise SyntaxProblem(f"YAML error: {err}", 0, 0) from None


def _tab_at(text: str, line: int, column: int) -> bool:
    lines = text.splitlines()
    return 0 < line <= len(lines) and lines[line - 1][column - 1 : column] == "\t"


def position(node: Node) -> tuple[int, int]:
    """1-based line and column where ``node`` starts."""
    mark = node.start_mark
    return mark.line + 1, mark.column + 1


class Converter:
    """Builds Python values from nodes in one pass, reporting problems instead of raising.

    Collections reached twice through YAML aliases are converted once and shared.
    """

    def __init__(self, report: Report) -> None:
        self.report = report
        self._memo: dict[int, Any] = {}
        self._size: dict[int, int] = {}
        self._open: set[int] = set()
        self._total = 0
        self._overflow = False

    def value(self, node: Node) -> Any:
        """The Python value of ``node`` (dict, list, str, int, float, bool, None, …)."""
        if isinstance(node, ScalarNode):
            self._total += 1
            return self._scalar(node)
        key = id(node)
        if key in self._memo:
            self._total += self._size[key]
            return self._memo[key] if self._within_limit(node) else None
        if key in self._open:
            self.report(node, "this alias refers to a value that contains it", "")
            return None
        self._open.add(key)
        start = self._total
        if isinstance(node, MappingNode):
            result: Any = self._mapping(node)
        else:
            result = [self.value(item) for item in node.value]
        self._open.discard(key)
        self._memo[key] = result
        self._size[key] = self._total - start + 1
        self._total += 1
        return result

    def mapping_pairs(self, node: MappingNode) -> list[tuple[str, Node, Node]]:
        """``(key text, key node, value node)`` of a mapping, duplicates reported and dropped."""
        seen: dict[str, Node] = {}
        pairs: list[tuple[str, Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                continue
            if not isinstance(key_node, ScalarNode):
                self.report(key_node, "a mapping key must be a plain value, not a list or map", "")
                continue
            key = str(key_node.value)
            if key in seen:
                line, column = position(seen[key])
                self.report(
                    key_node, f"duplicate key '{key}' (first at line {line}, column {column})", ""
                )
                continue
            seen[key] = key_node
            pairs.append((key, key_node, value_node))
        return pairs

    def _mapping(self, node: MappingNode) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                merged.update(self._merge_source(value_node))
        explicit = {key: self.value(v) for key, _, v in self.mapping_pairs(node)}
        return {**merged, **explicit} if merged else explicit

    def _merge_source(self, node: Node) -> dict[str, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):  # earlier sources win, as in YAML's merge rule
            value = self.value(source)
            if isinstance(value, dict):
                merged.update(value)
            else:
                self.report(source, "'<<' merges only maps (or a list of maps)", "")
        return merged

    def _scalar(self, node: ScalarNode) -> Any:
        if node.tag == STR:
            return node.value
        construct = _CONSTRUCTOR.yaml_constructors.get(node.tag)
        if construct is None:
            self.report(node, f"unknown YAML tag '{node.tag}'", "remove the tag or quote the value")
            return node.value
        try:
            return construct(_CONSTRUCTOR, node)
        except Exception as err:
            kind = node.tag.rsplit(":", 1)[-1]
            self.report(node, f"cannot read {node.value!r} as a {kind}: {err}", "quote it")
            return node.value

    def _within_limit(self, node: Node) -> bool:
        if self._total <= MAX_EXPANDED:
            return True
        if not self._overflow:
            self._overflow = True
            self.report(node, "aliases expand this file to too many values", "use fewer aliases")
        return False


def find(root: Node | None, path: Sequence[str | int], *, key: bool = False) -> Node | None:
    """The deepest node along ``path`` from ``root`` (steps that do not exist are skipped).

    With ``key=True`` and a mapping at the end of the path, the node of the last key itself
    (where "unknown field" belongs) rather than its value.
    """
    node = root
    for i, step in enumerate(path):
        last = i == len(path) - 1
        child = _child(node, step, key=key and last)
        if child is not None:
            node = child
    return node


def _child(node: Node | None, step: str | int, *, key: bool) -> Node | None:
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and str(key_node.value) == str(step):
                return key_node if key else value_node
    elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        return node.value[step]
    return None
