"""Per-brand overrides of a provider's ``api.py`` (the ``api:`` map of a provider block).

A provider's ``api.py`` names every path, page-size parameter and wire field it uses as a module
constant. A real deployment that differs from a proposed entry is fixed in ``omsform.yaml``::

    providers:
      akinon_oms:
        url: …
        api: {STOCK_LOCATIONS: /api/v1/oms/stock-locations/}

What can be overridden: every upper-case constant holding a string, an integer or a
string→string map (``SETUP_STEPS``), *except* the ones a kind copies once at import (a
module-level or class-level ``api.NAME`` in the provider's ``resources`` package, outside a
``lambda`` such as an :class:`~omsform.contract.rest.Endpoint`'s, which is read when called):
those cannot follow a per-brand value, so they are refused with a message instead of silently
half-applied. The list is computed from the sources (:func:`frozen_names`), so it stays true as
kinds change.

How it is applied: kinds read ``api.NAME`` at call time, so :func:`overridden` sets the module
attributes for the duration of one run and restores them after it, even on error. Two runs in one
process may overlap only with the same overrides (a different set raises ``ConfigError``): the
constants are module globals, and this keeps the kinds untouched.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model

from omsform.errors import ConfigError, Location, Problem

OverrideValue = str | int | dict[str, str]
_PATH_PATTERN = r"^(/|https?://)\S*/$"  # a path from the root, or an absolute URL; ends in /


def _is_constant(name: str, value: Any) -> bool:
    if not name.isupper() or name.startswith("_"):
        return False
    if isinstance(value, bool):
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    return isinstance(value, str | int)


def _is_path(name: str, value: Any) -> bool:
    return isinstance(value, str) and value.startswith("/") and value.endswith("/")


@cache
def _references(api: ModuleType) -> tuple[frozenset[str], frozenset[str]]:
    """``(read at import, read at call time)``: the ``api.NAME`` the provider package's own
    modules (``__init__.py`` and ``resources/*.py``; not ``doctor.py``, which only checks)
    evaluate once when imported,
    and those they evaluate on each call."""
    package = Path(api.__file__ or "").parent
    sources = sorted([package / "__init__.py", *package.glob("resources/*.py")])
    return _kept_scan(package, sources)


def _scan(sources: list[Path]) -> tuple[frozenset[str], frozenset[str]]:
    at_import: set[str] = set()
    every: set[str] = set()
    for source in sources:
        tree = ast.parse(source.read_text(encoding="utf-8"))
        at_import |= _import_time_refs(tree.body)
        every |= _api_refs([tree])
    return frozenset(at_import), frozenset(every - at_import)


_KEPT = f"omsform-apimap.{sys.implementation.cache_tag}.json"


def _kept_scan(package: Path, sources: list[Path]) -> tuple[frozenset[str], frozenset[str]]:
    """:func:`_scan`, kept beside the package's bytecode (``__pycache__``) and reused while the
    sources and this module keep their sizes and modification times, as Python reuses
    bytecode: parsing every kind's source costs more than the rest of importing a provider."""
    try:
        stamp = [[str(p), p.stat().st_mtime_ns, p.stat().st_size] for p in [*sources, _HERE]]
    except OSError:
        return _scan(sources)
    kept = package / "__pycache__" / _KEPT
    try:
        saved = json.loads(kept.read_text(encoding="utf-8"))
        if saved["stamp"] == stamp:
            return frozenset(saved["at_import"]), frozenset(saved["at_call"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    found = _scan(sources)
    if not sys.dont_write_bytecode:
        lists = {"at_import": sorted(found[0]), "at_call": sorted(found[1])}
        _keep(kept, {"stamp": stamp, **lists})
    return found


def _keep(path: Path, data: dict[str, Any]) -> None:
    try:
        path.parent.mkdir(exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(data), encoding="utf-8")
        os.replace(partial, path)  # whole or not at all, whoever else writes it
    except OSError:
        pass  # a read-only installation: the sources are parsed on every start


_HERE = Path(__file__)


def frozen_names(api: ModuleType) -> frozenset[str]:
    """Constants of ``api`` that a kind copies at import time (a module-level or class-level
    ``api.NAME``): a per-run override could not reach them."""
    return _references(api)[0]


def _api_refs(nodes: list[ast.AST], skip_lambdas: bool = False) -> set[str]:
    found: set[str] = set()
    todo = list(nodes)
    while todo:
        node = todo.pop()
        if skip_lambdas and isinstance(node, ast.Lambda):
            continue  # its body runs when called (an Endpoint's ``lambda: api.NAME``)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "api"
        ):
            found.add(node.attr)
        todo.extend(ast.iter_child_nodes(node))
    return found


def _import_time_refs(body: list[ast.stmt]) -> set[str]:
    """``NAME`` of every ``api.NAME`` evaluated when the statements run (not in functions)."""
    found: set[str] = set()
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            found |= _api_refs([*stmt.decorator_list, *stmt.args.defaults])
        elif isinstance(stmt, ast.ClassDef):
            found |= _import_time_refs(stmt.body)
            found |= _api_refs([*stmt.bases, *stmt.decorator_list])
        else:
            found |= _api_refs([stmt], skip_lambdas=True)
    return found


def overridable(api: ModuleType) -> dict[str, OverrideValue]:
    """Name → default value of every constant of ``api`` an ``api:`` map may override: the
    ones the provider reads at call time (a constant only used to build others in ``api.py``,
    such as ``PREFIX``, would change nothing)."""
    live = _references(api)[1]
    return {
        name: value
        for name, value in sorted(vars(api).items())
        if _is_constant(name, value) and name in live
    }


def _refuse_fixed(value: Any) -> Any:
    raise ValueError(
        "this entry cannot be overridden per brand: omsform reads it once at start-up (a "
        "kind's model or table is built from it) or only through another entry; change it in "
        "the provider's api.py"
    )


@cache
def override_model(api: ModuleType) -> type[BaseModel]:
    """The pydantic model of an ``api:`` map: one optional field per overridable constant, of
    its default's type (paths must start with ``/`` or ``http(s)://`` and end with ``/``);
    unknown names are refused with a did-you-mean by the usual validation messages."""
    fields: dict[str, Any] = {}
    for name, value in overridable(api).items():
        say, like = f"Overrides api.py {name}.", [value]
        if _is_path(name, value):
            fields[name] = (
                str | None,
                Field(default=None, pattern=_PATH_PATTERN, description=say, examples=like),
            )
        elif isinstance(value, dict):
            keys = Literal[tuple(value)]  # type: ignore[valid-type]
            mapping = dict[keys, str] | None  # type: ignore[valid-type]
            fields[name] = (mapping, Field(default=None, description=say, examples=like))
        elif isinstance(value, int):
            fields[name] = (int | None, Field(default=None, gt=0, description=say, examples=like))
        else:
            fields[name] = (
                str | None,
                Field(default=None, min_length=1, description=say, examples=like),
            )
    for name, value in vars(api).items():
        if name not in fields and name.isupper() and isinstance(value, str | int | tuple | dict):
            say = f"api.py {name} is fixed: change it in api.py."
            like = [list(value) if isinstance(value, tuple) else value]
            refused = Annotated[Any, AfterValidator(_refuse_fixed)]
            fields[name] = (refused, Field(None, description=say, examples=like))
    config = ConfigDict(extra="forbid", frozen=True, strict=True)
    model_name = f"ApiOverrides_{api.__name__.replace('.', '_')}"
    return create_model(model_name, __config__=config, **fields)


def overrides_of(block: BaseModel) -> dict[str, OverrideValue]:
    """The ``api:`` entries a validated provider block sets (``{}`` when it has none)."""
    value = getattr(block, "api", None)
    if value is None:
        return {}
    if isinstance(value, BaseModel):
        return {k: v for k, v in value.model_dump(exclude_none=True).items()}
    return dict(value)


def effective(api: ModuleType, overrides: Mapping[str, OverrideValue]) -> dict[str, Any]:
    """Every overridable entry with the value a run uses (a map entry merges into the default)."""
    result: dict[str, Any] = {}
    for name, default in overridable(api).items():
        value = overrides.get(name, default)
        if isinstance(default, dict) and isinstance(value, dict):
            value = {**default, **value}
        result[name] = value
    return result


class _Active:
    """The overrides currently applied per api module, counted per overlapping run."""

    lock = threading.Lock()
    applied: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = {}


@contextmanager
def overridden(api: ModuleType, overrides: Mapping[str, OverrideValue]) -> Iterator[None]:
    """Within the block, ``api``'s constants hold ``overrides``; restored after, even on error."""
    if not overrides:
        yield
        return
    values = {k: v for k, v in effective(api, overrides).items() if k in overrides}
    _enter(api, values)
    try:
        yield
    finally:
        _leave(api)


def _enter(api: ModuleType, values: dict[str, Any]) -> None:
    with _Active.lock:
        current = _Active.applied.get(api.__name__)
        if current is not None:
            if current[0] != values:
                problem = Problem(
                    Location(address=api.__name__),
                    "two runs in one process use different `api:` overrides",
                    "run them one after the other",
                )
                raise ConfigError([problem])
            _Active.applied[api.__name__] = (current[0], current[1] + 1, current[2])
            return
        saved = {name: getattr(api, name) for name in values}
        for name, value in values.items():
            setattr(api, name, value)
        _Active.applied[api.__name__] = (values, 1, saved)


def _leave(api: ModuleType) -> None:
    with _Active.lock:
        values, count, saved = _Active.applied[api.__name__]
        if count > 1:
            _Active.applied[api.__name__] = (values, count - 1, saved)
            return
        for name, value in saved.items():
            setattr(api, name, value)
        del _Active.applied[api.__name__]
