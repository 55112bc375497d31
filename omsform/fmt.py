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

The dialect (reading and writing) is :mod:`omsform.fmt_yaml`; moving keys with their comments
is :mod:`omsform.fmt_comments`.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from omsform.config import CONFIG_FILE, VARS_FILE, BrandConfig
from omsform.fmt_comments import move_keys
from omsform.fmt_yaml import commented, dump, load_like_omsform, new_yaml
from omsform.provider import discover
from omsform.template import is_template
from omsform.yamlnodes import SyntaxProblem

__all__ = [  # dump, commented and load_like_omsform are re-exported for importers and tests
    "FmtReport",
    "FormatError",
    "Shape",
    "brand_files",
    "commented",
    "config_shape",
    "dump",
    "format_files",
    "format_text",
    "load_like_omsform",
    "reorder",
    "resources_shape",
    "shape_for",
    "shape_of",
]


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
            move_keys(node, order, keep_top=root, owner=owner)
        for key, value in node.items():
            sub = shape.fields.get(str(key)) or shape.values
            if sub is not None:
                reorder(value, sub, root=False, owner=(node, key))
    elif isinstance(node, CommentedSeq) and shape.items is not None:
        for value in node:
            reorder(value, shape.items, root=False)


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
