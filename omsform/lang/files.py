"""Reading brand files: text → (Jinja) → YAML nodes → values, and the kind/name/fields layout.

Every failure becomes a :class:`~omsform.errors.Problem` appended to the caller's list; nothing
here raises for bad input. Positions in a rendered template that cannot be mapped back to the
template with certainty are reported against ``<file> (rendered)`` so nobody is sent to a wrong
line of the file they edit.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode

from omsform.errors import Location, Problem
from omsform.lang.nodes import Converter, SyntaxProblem, compose, find, position
from omsform.lang.suggest import did_you_mean
from omsform.lang.template import LineMap, TemplateProblem, render

_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")


@dataclass
class Document:
    """One parsed file: its display name, node tree, value and rendered-line map."""

    file: str
    root: Node | None = None
    value: Any = None
    line_map: LineMap = field(default_factory=LineMap)
    left_out: frozenset[str] = frozenset()  # top-level keys not parsed (``read_document`` keep)

    def locate(self, node: Node | None, address: str = "") -> Location:
        """Where ``node`` is written (the file itself when there is no node)."""
        if node is None:
            return Location(self.file, address=address)
        line, column = position(node)
        mapped, exact = self.line_map.source_line(line)
        file = self.file if exact else f"{self.file} (rendered)"
        return Location(file, mapped, column, address)

    def locate_path(
        self, base: Node | None, path: Iterable[str | int], at_key: bool = False, address: str = ""
    ) -> Location:
        """Where the value at ``path`` below ``base`` is written (its key with ``at_key``)."""
        return self.locate(find(base, tuple(path), key=at_key), address)


def read_document(
    path: Path,
    display: str,
    problems: list[Problem],
    variables: Mapping[str, Any] | None = None,
    keep: Collection[str] | None = None,
) -> Document | None:
    """Parse one file (rendered first when ``variables`` is given); ``None`` when unreadable.
    ``keep`` (a partial load): parse only the blocks of these top-level keys when the rest can
    be told apart (:func:`omsform.lang.partial.only_kinds`); ``left_out`` names the others."""
    doc = Document(display)
    try:
        source = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        problems.append(Problem(Location(display), f"cannot read the file: {err}"))
        return None
    text = source
    if variables is not None:
        try:
            text, doc.line_map = render(source, display, variables)
        except TemplateProblem as err:
            problems.append(Problem(Location(display, err.line, err.column), err.message, err.hint))
            return None
    if keep is not None and _composed_in_part(doc, text, keep):
        return doc
    try:
        doc.root = compose(text)
    except SyntaxProblem as err:
        line, exact = doc.line_map.source_line(err.line)
        file = display if exact else f"{display} (rendered)"
        problems.append(Problem(Location(file, line, err.column), err.message, err.hint))
        return None
    return doc


def _composed_in_part(doc: Document, text: str, keep: Collection[str]) -> bool:
    """Compose only ``keep``'s blocks of ``text`` into ``doc``; False when nothing was left out
    or the part does not parse alone (an alias into a block left out): then parse it all."""
    from omsform.lang.partial import only_kinds

    part, left_out = only_kinds(text, keep)
    if not left_out:
        return False
    try:
        doc.root = compose(part)
    except SyntaxProblem:
        return False
    doc.left_out = left_out
    return True


def converter(doc: Document, problems: list[Problem]) -> Converter:
    """A converter for ``doc`` whose problems are located in ``doc``."""

    def report(node: Node, message: str, hint: str) -> None:
        problems.append(Problem(doc.locate(node), message, hint))

    return Converter(report)


def read_plain(path: Path, display: str, problems: list[Problem]) -> Document | None:
    """A plain-YAML file (``omsform.yaml``, ``vars.yaml``) whose top level must be a map."""
    doc = read_document(path, display, problems)
    if doc is None:
        return None
    doc.value = converter(doc, problems).value(doc.root) if doc.root is not None else {}
    if doc.value is None:
        doc.value = {}
    if not isinstance(doc.value, dict):
        problems.append(Problem(doc.locate(doc.root), "the file must be a map of keys to values"))
        return None
    return doc


@dataclass
class Declared:
    """One resource as written: address, where, and its fields before interpolation."""

    address: str
    kind: str
    name: str
    body: dict[str, Any]
    node: Node | None
    doc: Document
    location: Location


def read_resources(
    doc: Document, kinds: Collection[str], problems: list[Problem]
) -> list[Declared]:
    """The resources declared in a parsed resource file (kind → local name → fields)."""
    if doc.root is None or _is_null(doc.root):
        return []
    if not isinstance(doc.root, MappingNode):
        problems.append(Problem(doc.locate(doc.root), "a resource file must be a map of kinds"))
        return []
    conv = converter(doc, problems)
    found: list[Declared] = []
    for kind, kind_node, group in conv.mapping_pairs(doc.root):
        if kind not in kinds:
            hint = did_you_mean(kind, kinds)
            problems.append(Problem(doc.locate(kind_node), f"unknown kind '{kind}'", hint))
            continue
        if _is_null(group):
            continue
        if not isinstance(group, MappingNode):
            message = f"'{kind}' must map local names to resources"
            problems.append(Problem(doc.locate(group), message))
            continue
        for name, name_node, body_node in conv.mapping_pairs(group):
            declared = _resource(doc, conv, kind, name, name_node, body_node, problems)
            if declared is not None:
                found.append(declared)
    return found


def _resource(
    doc: Document,
    conv: Converter,
    kind: str,
    name: str,
    name_node: Node,
    body_node: Node,
    problems: list[Problem],
) -> Declared | None:
    address = f"{kind}.{name}"
    location = doc.locate(name_node, address)
    if not _LOCAL_NAME.match(name):
        message = f"invalid local name '{name}': use letters, digits, '_' and '-'"
        problems.append(Problem(location, message))
        return None
    body = conv.value(body_node)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        problems.append(
            Problem(doc.locate(body_node, address), f"{address} must be a map of fields")
        )
        return None
    node = body_node if isinstance(body_node, MappingNode) else None
    return Declared(address, kind, name, body, node, doc, location)


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"
