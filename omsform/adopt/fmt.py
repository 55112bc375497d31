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

The dialect (reading and writing) is :mod:`omsform.adopt.fmt_yaml`; moving keys with their comments
is :mod:`omsform.adopt.fmt_comments`.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from omsform.adopt.fmt_comments import move_keys
from omsform.adopt.fmt_yaml import commented, dump, load_like_omsform, new_yaml
from omsform.contract.provider import registry
from omsform.lang.config import CONFIG_FILE, VARS_FILE, BrandConfig
from omsform.lang.nodes import SyntaxProblem
from omsform.lang.template import is_template

__all__ = [  # dump, commented and load_like_omsform are re-exported for importers and tests
    "FmtReport",
    "FormatError",
    "Shape",
    "ValuesWouldChange",
    "brand_files",
    "commented",
    "config_shape",
    "dump",
    "format_files",
    "format_text",
    "is_brand_file",
    "load_like_omsform",
    "reorder",
    "resources_shape",
    "shape_for",
    "shape_of",
    "uses_anchors",
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
    blocks = {name: shape_of(p.config_model) for name, p in registry().providers.items()}
    return Shape(keys=base.keys, fields={**base.fields, "providers": Shape(fields=blocks)})


def resources_shape() -> Shape:
    """The layout of a resource file: kind → local name → the kind's Spec fields."""
    kinds = {kind: Shape(values=shape_of(cls.spec_model)) for kind, cls in registry().kinds.items()}
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


class ValuesWouldChange(FormatError):
    """Formatting the file would change a value it loads to (anchors and merge keys)."""


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
        raise ValuesWouldChange("formatting would change its values (please report)")
    return out


def shape_for(path: Path) -> Shape:
    """The layout a brand file follows, by its name."""
    if path.name == CONFIG_FILE:
        return config_shape()
    if path.name == VARS_FILE:
        return _EMPTY
    return resources_shape()


JINJA_REASON = "it contains Jinja markup (format it by hand)"
ANCHOR_REASON = (
    "it uses YAML anchors or merge keys, which formatting cannot keep (format it by hand)"
)


@dataclass
class FmtReport:
    """What ``fmt`` found among the brand files it was given: files ``changed`` (or that would
    change), ``skipped`` files it cannot format (``reasons`` says why; they never fail a run),
    and ``failed`` files that are not valid YAML, with the reason."""

    changed: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    checked: int = 0
    reasons: dict[Path, str] = field(default_factory=dict)

    def skip(self, path: Path, reason: str) -> None:
        """Record ``path`` as skipped because of ``reason``."""
        self.skipped.append(path)
        self.reasons[path] = reason

    def skips(self) -> list[tuple[Path, str]]:
        """Each skipped file with the reason it was left alone."""
        return [(path, self.reasons.get(path, JINJA_REASON)) for path in self.skipped]

    def summary(self, check: bool) -> str:
        """The last line of ``fmt`` (the same counts with and without ``--check``)."""
        verb = "would reformat" if check else "reformatted"
        same = self.checked - len(self.changed) - len(self.skipped) - len(self.failed)
        failed = f", {len(self.failed)} invalid" if self.failed else ""
        return (
            f"{len(self.changed)} file(s) {verb}, {same} already formatted, "
            f"{len(self.skipped)} skipped{failed}."
        )

    def fails(self, check: bool) -> bool:
        """Whether the run exits 1: an invalid file, or (``--check``) a file that would change.
        A skipped file never fails it: formatting it is left to a person."""
        return bool(self.failed) or (check and bool(self.changed))


def is_brand_file(path: Path) -> bool:
    """Whether ``path`` is a file of a brand as the loader reads it: a ``.yaml`` file, not a
    dotfile, directly in a directory that holds ``omsform.yaml``. pre-commit passes every
    changed file of the repository; the others (``.pre-commit-config.yaml``, ``.github/…``)
    are not omsform's to format."""
    return (
        path.suffix == ".yaml"
        and not path.name.startswith(".")
        and (path.parent / CONFIG_FILE).is_file()
    )


def uses_anchors(text: str) -> bool:
    """Whether the YAML ``text`` has an anchor, an alias or a merge key."""
    try:
        events = list(yaml.parse(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        return False
    return any(
        isinstance(e, yaml.AliasEvent) or getattr(e, "anchor", None) is not None for e in events
    ) or any(isinstance(e, yaml.ScalarEvent) and e.value == "<<" and not e.style for e in events)


def brand_files(directory: Path) -> Iterator[Path]:
    """The YAML files of a brand directory, as the loader sees them (no subdirectories)."""
    for path in sorted(directory.iterdir()):
        if path.is_file() and is_brand_file(path):
            yield path


def format_files(paths: Iterable[Path], *, check: bool) -> FmtReport:
    """Format the brand files among ``paths`` in place (only report them with ``check``);
    other files are passed over silently (see :func:`is_brand_file`)."""
    report = FmtReport()
    for path in paths:
        if not is_brand_file(path):
            continue
        report.checked += 1
        text = path.read_text(encoding="utf-8")
        if path.name != VARS_FILE and path.name != CONFIG_FILE and is_template(text):
            report.skip(path, JINJA_REASON)
            continue
        try:
            out = format_text(text, shape_for(path))
        except ValuesWouldChange as err:
            report.skip(path, ANCHOR_REASON if uses_anchors(text) else str(err))
            continue
        except FormatError as err:
            report.failed.append((path, str(err)))
            continue
        if out != text:
            report.changed.append(path)
            if not check:
                path.write_text(out, encoding="utf-8")
    return report
