"""References: Spec fields that name another object, declared once and mapped by one codec.

A field that names another object holds the target's *natural key* in the Spec (so a plan can
be built before the target exists) and its *server id* on the wire. Declare it with :class:`Ref`
in the field's type::

    default_stock_location: Annotated[str, Ref("oms_stock_location")]
    channels: frozenset[Annotated[str, Ref("oms_channel")]]
    initial_status: Annotated[str, Ref(PACKAGE_STATES)] | None    # a Lookup, not a kind

Everything else is derived from the declarations, nested models and collections included:

- :func:`references`: the ``(kind, key)`` pairs that must exist at plan time (the default
  ``Resource.references``); a :class:`Lookup` is no kind, so it is not among them;
- :func:`decode`: spec-shaped rows read from the API, ids → keys (one table per target, read
  through the run's :class:`~omsform.contract.resource.ReadContext`, only for targets a row
  uses); an id no object has becomes ``<unknown LABEL id N>``, which the field's own rules let
  pass on read (:func:`~omsform.contract.spec.reading`);
- :func:`encode`: a spec, keys → ids, as a JSON-ready spec-shaped dict for a write body
  (``ctx.id_of`` for kinds, so an object created earlier in the apply is found; a set of
  keys becomes the list of their ids in key order, any other set a sorted list);
- :func:`check_declared`: declared values a :class:`Lookup` lacks, one plan error naming each
  address and field with a did-you-mean (a kind's missing targets are the plan's own check).
"""

from __future__ import annotations

import functools
import types
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from pydantic import BaseModel, GetCoreSchemaHandler, ValidationInfo
from pydantic_core import core_schema, to_jsonable_python

from omsform.contract.spec import Desired, Spec, reading
from omsform.errors import PlanError, ProviderError
from omsform.lang.suggest import did_you_mean

if TYPE_CHECKING:
    from omsform.contract.resource import ReadContext, WriteContext
    from omsform.http.client import ApiClient

Id = int | str
UNKNOWN = "<unknown "
"""How a decoded id that no object has starts (``<unknown channel id 7>``)."""


@dataclass(frozen=True)
class Lookup:
    """Server ids by name of things that are no kind (package states): seeded by the remote
    system, never written, listed at most once per run through ``ctx.shared(label, …)``."""

    label: str
    """What one of them is called in messages (``package state``); also the shared name."""
    system: str
    """Where they live, for messages (``OMS``)."""
    load: Callable[[ApiClient], Awaitable[Mapping[str, Id]]]
    """Name → id of every one of them, read through the client given."""


@dataclass(frozen=True)
class Ref:
    """Marks a ``str`` (in ``Annotated``) as naming an object of ``target``: a kind's natural
    key, or a :class:`Lookup`'s name."""

    target: str | Lookup

    @property
    def label(self) -> str:
        """The target's name in messages: ``oms_stock_location`` → ``stock location``."""
        if isinstance(self.target, Lookup):
            return self.target.label
        return self.target.split("_", 1)[-1].replace("_", " ")

    def unknown(self, pk: Any) -> str:
        """What a decoded id that no object has is shown as."""
        return f"{UNKNOWN}{self.label} id {pk}>"

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # an unknown id read from the API passes the field's own rules (a pattern, say)
        return core_schema.with_info_wrap_validator_function(_lenient_unknown, handler(source))


def _lenient_unknown(
    value: Any, inner: core_schema.ValidatorFunctionWrapHandler, info: ValidationInfo
) -> Any:
    if reading(info) and isinstance(value, str) and value.startswith(UNKNOWN):
        return value
    return inner(value)


# --- where a model's references are ------------------------------------------------------------
@dataclass(frozen=True)
class _Slot:
    field: str
    many: bool  # a collection (set, tuple, list) of values
    ref: Ref | None  # the field names another object …
    model: type[BaseModel] | None  # … or holds a nested model that does


@functools.cache
def slots(model: type[BaseModel]) -> tuple[_Slot, ...]:
    """The fields of ``model`` that hold references, directly or in nested models."""
    found = []
    for name, info in model.model_fields.items():
        ref = _ref_in(info.metadata)
        if ref is not None:
            found.append(_Slot(name, False, ref, None))
            continue
        inner, many = _element(info.annotation)
        ref = _ref_in(getattr(inner, "__metadata__", ()))
        if ref is not None:
            found.append(_Slot(name, many, ref, None))
        elif isinstance(inner, type) and issubclass(inner, BaseModel) and slots(inner):
            found.append(_Slot(name, many, None, inner))
    return tuple(found)


def _ref_in(metadata: Iterable[Any]) -> Ref | None:
    return next((m for m in metadata if isinstance(m, Ref)), None)


def _element(annotation: Any) -> tuple[Any, bool]:
    """The type inside an optional or a collection, and whether it is a collection."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _element(args[0]) if len(args) == 1 else (annotation, False)
    if origin in (frozenset, set, list, tuple):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return (args[0] if args else Any), True
    return annotation, False


Visit = Callable[[Ref, Any, str], Any]


def _each(model: type[BaseModel], data: Mapping[str, Any], visit: Visit, at: str = "") -> Any:
    """``data`` (spec-shaped) with each reference value ``v`` replaced by ``visit(ref, v,
    path)``; a set of references becomes a list in key order (a stable write body)."""
    out = dict(data)
    for slot in slots(model):
        value, path = out.get(slot.field), f"{at}{slot.field}"
        if value is None:
            continue
        if not slot.many:
            out[slot.field] = _one(slot, value, visit, path)
        elif slot.ref is not None:
            items = sorted(value) if isinstance(value, (set, frozenset)) else value
            out[slot.field] = [_one(slot, v, visit, path) for v in items]
        else:
            out[slot.field] = [_one(slot, v, visit, f"{path}[{i}]") for i, v in enumerate(value)]
    return out


def _one(slot: _Slot, value: Any, visit: Visit, path: str) -> Any:
    if slot.ref is not None:
        return visit(slot.ref, value, path)
    assert slot.model is not None
    return _each(slot.model, value, visit, f"{path}.") if isinstance(value, Mapping) else value


def _found(model: type[BaseModel], data: Mapping[str, Any]) -> list[tuple[Ref, Any, str]]:
    """Every ``(ref, value, path)`` in ``data``."""
    found: list[tuple[Ref, Any, str]] = []
    _each(model, data, lambda ref, value, path: found.append((ref, value, path)))
    return found


def _found_in(spec: BaseModel, at: str = "") -> list[tuple[Ref, Any, str]]:
    """``_found(type(spec), spec.model_dump())`` read from the attributes of the reference
    slots only, nothing dumped (planning reads every declared object's references)."""
    found: list[tuple[Ref, Any, str]] = []
    for slot in slots(type(spec)):
        value, path = getattr(spec, slot.field, None), f"{at}{slot.field}"
        if value is None:
            continue
        if slot.ref is not None:
            many = sorted(value) if isinstance(value, (set, frozenset)) else value
            found.extend((slot.ref, v, path) for v in (many if slot.many else [value]))
            continue
        pairs = [(f"{path}[{i}].", v) for i, v in enumerate(value)] if slot.many else []
        for where, v in pairs or [(f"{path}.", value)]:
            if isinstance(v, BaseModel):
                found.extend(_found_in(v, where))
            elif isinstance(v, Mapping) and slot.model is not None:
                _each(slot.model, v, lambda r, x, p: found.append((r, x, p)), where)
    return found


# --- the codec ---------------------------------------------------------------------------------
def references(spec: BaseModel) -> list[tuple[str, str]]:
    """The ``(kind, natural key)`` pairs ``spec`` names, sorted, each once (lookups left out)."""
    if not slots(type(spec)):
        return []
    return sorted({(r.target, v) for r, v, _ in _found_in(spec) if isinstance(r.target, str)})


async def table(target: str | Lookup, client: ApiClient, ctx: ReadContext) -> Mapping[str, Id]:
    """Natural key → server id of every current object of ``target`` (shared per run)."""
    if isinstance(target, Lookup):
        return await ctx.shared(target.label, lambda: target.load(client))
    return await ctx.ids(target)


async def decode(
    model: type[Spec], rows: Sequence[Mapping[str, Any]], client: ApiClient, ctx: ReadContext
) -> list[dict[str, Any]]:
    """``rows`` (spec-shaped, with server ids in reference fields) with natural keys instead."""
    targets = sorted(
        {ref.target: ref for row in rows for ref, _, _ in _found(model, row)}.values(),
        key=lambda ref: ref.label,
    )
    from omsform.http.listing import gather_all  # httpx only when a run reads

    tables = await gather_all(table(ref.target, client, ctx) for ref in targets)
    keys = {ref.target: _by_id(found) for ref, found in zip(targets, tables, strict=True)}

    def key_of(ref: Ref, pk: Any, path: str) -> str:
        return keys[ref.target].get(pk, ref.unknown(pk))

    return [_each(model, row, key_of) for row in rows]


def _by_id(table: Mapping[str, Id]) -> Mapping[Any, str]:
    kept = getattr(table, "by_id", None)  # id → key, kept made by an apply's tables
    return kept() if callable(kept) else {pk: key for key, pk in table.items()}


async def encode(
    spec: Spec, client: ApiClient, ctx: WriteContext, include: Iterable[str] | None = None
) -> dict[str, Any]:
    """``spec``'s fields in ``include`` (all when ``None``) as JSON-ready data, with server ids
    in reference fields; a key that has no object is a :class:`ProviderError`."""
    data = spec.model_dump(include=None if include is None else set(include))
    lookups = {r.target for r, _, _ in _found(type(spec), data) if isinstance(r.target, Lookup)}
    tables = {lookup: await table(lookup, client, ctx) for lookup in lookups}

    def id_of(ref: Ref, key: str, path: str) -> Id:
        if not isinstance(ref.target, Lookup):
            return ctx.id_of(ref.target, key)
        known = tables[ref.target]
        if key not in known:
            hint = did_you_mean(key, known)
            raise ProviderError(
                f"no {ref.label} '{key}' in {ref.target.system}{f' ({hint})' if hint else ''}; "
                f"known: {', '.join(sorted(known))}"
            )
        return known[key]

    encoded: dict[str, Any] = to_jsonable_python(_in_order(_each(type(spec), data, id_of)))
    return encoded


def _in_order(value: Any) -> Any:
    """``value`` with every set a sorted list (a write body that does not change run to run)."""
    if isinstance(value, Mapping):
        return {k: _in_order(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_in_order(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_in_order(v) for v in value]
    return value


async def check_declared(
    declared: Sequence[Desired[Any]], client: ApiClient, ctx: ReadContext
) -> None:
    """A :class:`PlanError` naming every declared value a :class:`Lookup` lacks (they are
    seeded by the remote system, never created by omsform), with a did-you-mean from what was
    read; nothing is listed when no declared object uses a lookup."""
    wanted = [
        (d, ref.target, value, path)
        for d in declared
        for ref, value, path in _found_in(d.spec)
        if isinstance(ref.target, Lookup) and value
    ]
    problems: list[tuple[str, str]] = []  # (label, message)
    for d, lookup, value, path in wanted:
        known = await table(lookup, client, ctx)
        if value not in known:
            problems.append((lookup.label, _not_in(d, lookup, path, value, known)))
    if len(problems) > 1:
        head = f"{len(problems)} unknown {problems[0][0]}s:\n  - "
        raise PlanError(head + "\n  - ".join(message for _, message in problems))
    if problems:
        raise PlanError(problems[0][1])


def _not_in(d: Desired[Any], lookup: Lookup, path: str, value: str, known: Iterable[str]) -> str:
    where = f"{d.location.file}:{d.location.line}: " if d.location.file else ""
    hint = did_you_mean(value, known)
    return (
        f"{where}{d.address}: {path} '{value}' is not a {lookup.label} of this {lookup.system}"
        f"{f' ({hint})' if hint else ''}; known: {', '.join(sorted(known))}"
    )
