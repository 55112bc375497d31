"""``omsform fmt``: canonical key order, quoting and indentation of a brand's YAML, comments kept.

Canonical form:

- fields of a resource in its Spec's field order (nested models likewise); keys a model does not
  know stay after the known ones in their written order; kinds and local names keep the order
  the user chose (grouping is meaningful);
- ``omsform.yaml`` in the order ``brand``, ``providers``, ``manage``, ``safety`` (each provider
  block in its model's field order); ``vars.yaml`` keeps its order;
- strings plain unless a YAML reader could take them for something else (then single-quoted),
  ``null`` spelled out, mappings indented by 2 and block sequences by 4 with the dash at 2, no
  line folding.

Scalars are resolved exactly as omsform's loader (PyYAML, YAML 1.1) resolves them, so ``yes``
stays a boolean and a quoted ``'on'`` stays a string; mapping keys are always text. Every
rewrite is checked: a file whose formatted text would not load to the same values is left alone
and reported. Files containing Jinja markup are skipped (they are not YAML until rendered).
"""

from __future__ import annotations

import io
import itertools
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml as pyyaml
from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import Resolver as Yaml12Resolver
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag
from ruamel.yaml.tokens import CommentToken

from omsform.config import CONFIG_FILE, VARS_FILE, BrandConfig
from omsform.provider import discover
from omsform.template import is_template
from omsform.yamlnodes import Converter, SyntaxProblem, compose

STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
_PYYAML = pyyaml.resolver.Resolver()
_YAML12 = Yaml12Resolver()


# --- the YAML dialect ----------------------------------------------------------------------------
class _LoaderResolver(VersionedResolver):
    """Resolves plain scalars as omsform's loader does: PyYAML's YAML 1.1 rules for values,
    always text for mapping keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._is_key: list[bool] = []

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self._is_key.append(isinstance(current_node, MappingNode) and current_index is None)
        super().descend_resolver(current_node, current_index)

    def ascend_resolver(self) -> None:
        if self._is_key:
            self._is_key.pop()
        super().ascend_resolver()

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            if self._is_key and self._is_key[-1]:
                return Tag(suffix=STR)
            return Tag(suffix=_PYYAML.resolve(pyyaml.ScalarNode, value, implicit))
        return super().resolve(kind, value, implicit)


class _Representer(RoundTripRepresenter):
    """Quotes a string that a YAML 1.2 reader (an editor) would take for a number or boolean
    too, and spells out ``null``."""


def _represent_str(rep: Any, data: str) -> Any:
    if _YAML12.resolve(ScalarNode, data, (True, False)) != Tag(suffix=STR):
        return rep.represent_scalar(STR, data, style="'")
    return RoundTripRepresenter.represent_str(rep, data)


def _represent_none(rep: Any, data: None) -> Any:
    return rep.represent_scalar(NULL, "null")


_Representer.add_representer(str, _represent_str)
_Representer.add_representer(type(None), _represent_none)


def new_yaml() -> YAML:
    """A round-trip ruamel.yaml instance in omsform's canonical dialect."""
    y = YAML()
    y.Resolver = _LoaderResolver
    y.Representer = _Representer
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 1_000_000  # never fold a long string or list onto a second line
    y.preserve_quotes = False
    y.brace_single_entry_mapping_in_flow_sequence = True  # [{stock: desc}], not [stock: desc]
    return y


def dump(data: Any) -> str:
    """``data`` (plain or ruamel round-trip values) as canonical YAML text."""
    out = io.StringIO()
    new_yaml().dump(data, out)
    return out.getvalue()


def commented(data: Any) -> Any:
    """Plain data as ruamel values: lists of scalars in flow style (``[a, b]``), the rest block."""
    if isinstance(data, Mapping):
        node = CommentedMap()
        for key, value in data.items():
            node[key] = commented(value)
        return node
    if isinstance(data, list | tuple):
        seq = CommentedSeq(commented(v) for v in data)
        if all(not isinstance(v, Mapping | list | tuple) for v in data):
            seq.fa.set_flow_style()
        return seq
    return data


def load_like_omsform(text: str) -> Any:
    """The values omsform's loader reads from ``text`` (``SyntaxProblem`` when it cannot)."""
    problems: list[str] = []
    root = compose(text)
    if root is None:
        return None
    value = Converter(lambda node, message, hint: problems.append(message)).value(root)
    if problems:
        raise SyntaxProblem("; ".join(problems), 0, 0)
    return value


# --- canonical key order -------------------------------------------------------------------------
@dataclass(frozen=True)
class Shape:
    """The canonical layout of one YAML value: ``keys`` in order, ``fields`` per key, ``values``
    for every value of a mapping whose keys are names, ``items`` for every list element."""

    keys: tuple[str, ...] = ()
    fields: Mapping[str, Shape] = field(default_factory=dict)
    values: Shape | None = None
    items: Shape | None = None


_EMPTY = Shape()


def shape_of(model: type[BaseModel], seen: frozenset[type[BaseModel]] = frozenset()) -> Shape:
    """The layout of a pydantic model: its fields in declaration order (YAML spelling)."""
    if model in seen:
        return _EMPTY
    keys: list[str] = []
    fields: dict[str, Shape] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        keys.append(key)
        nested = _shape_of_type(info.annotation, seen | {model})
        if nested is not None:
            fields[key] = nested
    return Shape(keys=tuple(keys), fields=fields)


def _shape_of_type(annotation: Any, seen: frozenset[type[BaseModel]]) -> Shape | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return shape_of(annotation, seen)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset) and args:
        inner = _shape_of_type(args[0], seen)
        return Shape(items=inner) if inner else None
    if origin is dict and len(args) == 2:
        inner = _shape_of_type(args[1], seen)
        return Shape(values=inner) if inner else None
    models = [s for a in args if (s := _shape_of_type(a, seen)) is not None]
    return models[0] if len(models) == 1 else None  # Optional[M]; ambiguous unions keep order


def config_shape() -> Shape:
    """The layout of ``omsform.yaml``."""
    base = shape_of(BrandConfig)
    blocks = {name: shape_of(p.config_model) for name, p in discover().items()}
    return Shape(keys=base.keys, fields={**base.fields, "providers": Shape(fields=blocks)})


def resources_shape() -> Shape:
    """The layout of a resource file: kind → local name → the kind's Spec fields."""
    kinds = {
        kind: Shape(values=shape_of(cls.spec_model))
        for p in discover().values()
        for kind, cls in p.kinds().items()
    }
    return Shape(fields=kinds)


def reorder(node: Any, shape: Shape, *, root: bool = True, owner: Any = None) -> None:
    """Put the keys of ``node`` (ruamel round-trip values) in ``shape``'s order, recursively,
    moving each key's comments with it (the file's own header stays at the top)."""
    if isinstance(node, CommentedMap):
        if shape.keys:
            known = [k for k in shape.keys if k in node]
            order = known + [k for k in node if k not in set(known)]
            _move(node, order, keep_top=root, owner=owner)
        for key, value in node.items():
            sub = shape.fields.get(str(key)) or shape.values
            if sub is not None:
                reorder(value, sub, root=False, owner=(node, key))
    elif isinstance(node, CommentedSeq) and shape.items is not None:
        for value in node:
            reorder(value, shape.items, root=False)


# --- moving comments with their keys -------------------------------------------------------------
def _tail(node: Any, key: Any) -> tuple[Any, Any]:
    """The entry holding the comments written after entry ``key`` of ``node``: the entry itself,
    or the last entry of its block-style value (recursively)."""
    value = node[key]
    while isinstance(value, CommentedMap | CommentedSeq) and value and not value.fa.flow_style():
        node, key = value, (list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1)
        value = node[key]
    return node, key


def _slot(node: Any) -> int:
    return 2 if isinstance(node, CommentedMap) else 0


def _take_after(node: Any, key: Any) -> str:
    """Remove and return the whole-line comments (and blank lines) written after entry ``key``;
    a comment on the entry's own line stays."""
    holder, at = _tail(node, key)
    entry = holder.ca.items.get(at)
    slot = _slot(holder)
    if not entry or len(entry) <= slot or entry[slot] is None:
        return ""
    token = entry[slot]
    same_line, newline, rest = str(token.value).partition("\n")
    if same_line.strip():
        token.value = same_line + newline
    else:
        entry[slot] = None
    return rest


def _indented(text: str, column: int) -> str:
    lines = text.split("\n")
    return "\n".join((" " * column + line.lstrip()) if line.strip() else "" for line in lines)


def _put_after(node: Any, key: Any, text: str) -> None:
    if not text:
        return
    holder, at = _tail(node, key)
    entry = holder.ca.items.setdefault(at, [None, None, None, None])
    slot = _slot(holder)
    if entry[slot] is None:
        entry[slot] = CommentToken("\n" + text, CommentMark(0), None)
    else:
        entry[slot].value += text


def _put_first(node: CommentedMap, text: str, column: int) -> None:
    """Comment lines before the first key of ``node`` (after any comment already there)."""
    if node.ca.comment is None:
        node.ca.comment = [None, []]
    if node.ca.comment[1] is None:
        node.ca.comment[1] = []
    for line in text.rstrip("\n").split("\n"):
        node.ca.comment[1].append(CommentToken(line.strip() + "\n", CommentMark(column), None))


def _take_top(node: CommentedMap, owner: Any) -> str:
    """Remove and return the comment lines above the first key of ``node``; ``owner`` is the
    (mapping, key) holding ``node``, which keeps a copy of them."""
    tokens = node.ca.comment[1] if node.ca.comment else None
    if not tokens:
        return ""
    node.ca.comment[1] = []
    if owner is not None:
        entry = owner[0].ca.items.get(owner[1])
        if entry and len(entry) > 3:
            entry[3] = None
    return "".join(str(t.value).strip() + "\n" if str(t.value).strip() else "\n" for t in tokens)


def _move(node: CommentedMap, order: list[Any], *, keep_top: bool, owner: Any = None) -> None:
    """Reorder ``node``'s keys; whole-line comments above a key travel with it (above the first
    key too, unless ``keep_top``), comments at the end of the mapping stay at its end."""
    old = list(node)
    if old == order:
        return
    column = getattr(getattr(node, "lc", None), "col", None) or 0
    above = {key: _take_after(node, prev) for prev, key in itertools.pairwise(old)}
    if not keep_top:
        above[old[0]] = _take_top(node, owner)
    end = _take_after(node, old[-1])
    for key in order:
        node.move_to_end(key)
    for prev, key in itertools.pairwise(order):
        _put_after(node, prev, _indented(above.get(key, ""), column))
    if above.get(order[0]):
        _put_first(node, above[order[0]], column)
    _put_after(node, order[-1], end)


# --- files and brands ----------------------------------------------------------------------------
class FormatError(Exception):
    """A file that cannot be formatted (invalid YAML, or formatting would change its values)."""


def format_text(text: str, shape: Shape) -> str:
    """``text`` in canonical form; raises :class:`FormatError` rather than change a value."""
    try:
        before = load_like_omsform(text)
        doc = new_yaml().load(text)
        if doc is None:
            return text
        reorder(doc, shape)
        out = dump(doc)
        after = load_like_omsform(out)
    except (YAMLError, SyntaxProblem, ValueError, TypeError) as err:
        raise FormatError(f"not valid YAML: {err}") from None
    if after != before:
        raise FormatError("formatting would change its values; left as it is (please report)")
    return out


def shape_for(path: Path) -> Shape:
    """The layout a brand file follows, by its name."""
    if path.name == CONFIG_FILE:
        return config_shape()
    if path.name == VARS_FILE:
        return _EMPTY
    return resources_shape()


@dataclass
class FmtReport:
    """What ``fmt`` found: files ``changed`` (or that would change), ``skipped`` Jinja
    templates, and ``failed`` files with the reason."""

    changed: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    checked: int = 0


def brand_files(directory: Path) -> Iterator[Path]:
    """The YAML files of a brand directory, as the loader sees them (no subdirectories)."""
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.suffix == ".yaml" and not path.name.startswith("."):
            yield path


def format_brand(directory: Path, *, check: bool) -> FmtReport:
    """Format every YAML file of ``directory`` in place (only report them with ``check``)."""
    return format_files(brand_files(directory), check=check)


def format_files(paths: Iterable[Path], *, check: bool) -> FmtReport:
    """Format ``paths`` in place (only report them with ``check``)."""
    report = FmtReport()
    for path in paths:
        report.checked += 1
        text = path.read_text(encoding="utf-8")
        if path.name != VARS_FILE and path.name != CONFIG_FILE and is_template(text):
            report.skipped.append(path)
            continue
        try:
            out = format_text(text, shape_for(path))
        except FormatError as err:
            report.failed.append((path, str(err)))
            continue
        if out != text:
            report.changed.append(path)
            if not check:
                path.write_text(out, encoding="utf-8")
    return report
