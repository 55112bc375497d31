"""A DRF ``ModelViewSet`` look-alike over one store collection, field factories, masking and
the objects generated for the ``large:N`` seed.

Sandbox areas whose API is a plain model CRUD declare a :class:`ViewSet` (schema, unique
fields, filters, cross-field rules, how to render) instead of writing five handlers each.
Behaviour follows DRF: ``POST`` → 201 with the object, ``PUT`` needs every required field,
unknown and read-only fields are ignored (400s under the ``strict_writes`` knob),
``PATCH`` is partial, ``DELETE`` → 204; omitted optional fields keep their value on update
(DRF only saves the validated fields); duplicates of a unique field are 400s naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.drf import (
    Field,
    HttpError,
    field_errors,
    json_body,
    not_found,
    unique,
    validate,
)
from omsform.sandbox.paging import filter_items, paginate

MASK = "********"
"""What a write-only value reads back as (the OMS masks settings passwords with asterisks)."""

Doc = dict[str, Any]
Check = Callable[[Doc, Doc | None], None]
"""A cross-field rule: ``(merged object, object before the write or None)``; raises HttpError."""

READ_ONLY = {"id": Field(int, read_only=True)}
TIMESTAMPS = {
    "created_date": Field(str, read_only=True),
    "modified_date": Field(str, read_only=True),
}


# --- field factories ------------------------------------------------------------------------


def text(
    *,
    required: bool = False,
    default: Any = "",
    nullable: bool = False,
    max_length: int | None = None,
    blank: bool = True,
    pattern: str | None = None,
    pattern_message: str = "Enter a valid value.",
    choices: tuple[str, ...] = (),
    open_choices: bool = False,
) -> Field:
    """A DRF ``CharField``: blank and length messages as DRF words them. ``open_choices``:
    ``choices`` are the documented values, others are accepted unless ``strict_writes``."""

    def check(value: str) -> str | None:
        if not blank and not value.strip():
            return "This field may not be blank."
        if max_length is not None and len(value) > max_length:
            return f"Ensure this field has no more than {max_length} characters."
        if pattern and value and not re.fullmatch(pattern, value):
            return pattern_message
        return None

    return Field(
        str,
        required=required,
        default=default,
        nullable=nullable,
        choices=choices,
        check=check,
        open_choices=open_choices,
    )


def integer(
    *, required: bool = False, default: Any = 0, nullable: bool = False, minimum: int | None = None
) -> Field:
    """A DRF ``IntegerField`` with an optional lower bound."""

    def check(value: int) -> str | None:
        if minimum is not None and value < minimum:
            return f"Ensure this value is greater than or equal to {minimum}."
        return None

    return Field(int, required=required, default=default, nullable=nullable, check=check)


def boolean(*, default: bool = True) -> Field:
    """A DRF ``BooleanField`` with a default."""
    return Field(bool, default=default)


def json_object(*, default: Any = dict, nullable: bool = False) -> Field:
    """A DRF ``JSONField`` that must hold an object."""
    return Field(dict, default=default, nullable=nullable)


# --- masking --------------------------------------------------------------------------------


def mask(value: Any) -> Any:
    """``MASK`` in place of a set value; ``None`` and ``""`` stay as they are (nothing to hide)."""
    return value if value in (None, "") else MASK


def mask_keys(value: Any, keys: frozenset[str]) -> Any:
    """A copy of a JSON value with every value stored under one of ``keys`` (compared in lower
    case, at any depth) masked."""
    if isinstance(value, dict):
        return {k: mask(v) if k.lower() in keys else mask_keys(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_keys(v, keys) for v in value]
    return value


# --- the view set ---------------------------------------------------------------------------


def get_object_or_404(ctx: SandboxContext, collection: str, obj_id: int) -> Doc:
    """One stored object by id, or DRF's 404 when there is none."""
    doc = ctx.store.get(collection, obj_id)
    if doc is None:
        raise not_found()
    return doc


def _same(doc: Doc) -> Doc:
    return doc


@dataclass
class ViewSet:
    """CRUD over ``collection`` at ``path`` (``…/`` list and ``…/{id}/`` detail)."""

    ctx: SandboxContext
    path: str
    collection: str
    model: str  # DRF verbose name, used in "<model> with this <field> already exists."
    schema: Mapping[str, Field]
    unique_fields: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()  # exact match (and ``__in``)
    contains_filters: tuple[str, ...] = ()  # case-insensitive substring match
    check: Check | None = None
    render: Callable[[Doc], Doc] = _same
    immutable: tuple[str, ...] = ()  # may be given on create only
    list_methods: tuple[str, ...] = ("GET", "POST")
    detail_methods: tuple[str, ...] = ("GET", "PUT", "PATCH", "DELETE")

    def routes(self) -> list[BaseRoute]:
        """The list and detail routes (with and without trailing slashes)."""
        base = self.path.rstrip("/")
        token = self.ctx.require_token
        return [
            *route(base + "/", self.list_or_create, list(self.list_methods), auth=token),
            *route(base + "/{id:int}/", self.detail, list(self.detail_methods), auth=token),
        ]

    async def list_or_create(self, request: Request) -> Response:
        """``GET`` a filtered DRF page, ``POST`` a new object."""
        if request.method == "POST":
            return JSONResponse(self.render(self.create(await json_body(request))), 201)
        items: Sequence[Doc] = self.ctx.store.rows(self.collection)
        for name in self.contains_filters:
            wanted = request.query_params.get(name)
            if wanted is not None:
                items = [i for i in items if wanted.lower() in str(i.get(name) or "").lower()]
        exact = [f for f in self.filters if f not in self.contains_filters]
        return paginate(request, filter_items(items, request, exact), render=self.render)

    async def detail(self, request: Request) -> Response:
        """``GET``, ``PUT``, ``PATCH`` or ``DELETE`` one object."""
        obj_id = int(request.path_params["id"])
        if request.method == "DELETE":
            self.delete(obj_id)
            return Response(status_code=204)
        if request.method == "GET":
            return JSONResponse(self.render(get_object_or_404(self.ctx, self.collection, obj_id)))
        body = await json_body(request)
        return JSONResponse(self.render(self.update(obj_id, body, request.method == "PATCH")))

    def create(self, body: Mapping[str, Any]) -> Doc:
        """Validate and store a new object (the raw stored document is returned)."""
        clean = validate(body, self._schema())
        if self.check:
            self.check(clean, None)
        with self.ctx.store.transaction():
            self._unique(clean, None)
            return self.ctx.store.insert(self.collection, clean)

    def update(self, obj_id: int, body: Mapping[str, Any], partial: bool) -> Doc:
        """Validate and apply a PUT (``partial=False``) or PATCH to one object."""
        schema = self._schema()
        clean = validate(body, schema, partial=True)
        missing = [n for n, f in schema.items() if f.required and not partial and n not in body]
        if missing:
            raise field_errors({n: ["This field is required."] for n in missing})
        with self.ctx.store.transaction():
            before = get_object_or_404(self.ctx, self.collection, obj_id)
            changed = [n for n in self.immutable if n in clean and clean[n] != before.get(n)]
            if changed:
                raise field_errors({n: ["This field cannot be changed."] for n in changed})
            merged = {**before, **clean}
            if self.check:
                self.check(merged, before)
            self._unique(merged, obj_id)
            # the rule may have normalised values (server defaults inside nested objects)
            doc = self.ctx.store.update(self.collection, obj_id, {k: merged[k] for k in clean})
        assert doc is not None
        return doc

    def delete(self, obj_id: int) -> None:
        """Remove one object, 404 when it does not exist."""
        if not self.ctx.store.delete(self.collection, obj_id):
            raise not_found()

    def _schema(self) -> dict[str, Field]:
        return {**READ_ONLY, **TIMESTAMPS, **self.schema}

    def _unique(self, doc: Doc, exclude_id: int | None) -> None:
        for name in self.unique_fields:
            unique(
                self.ctx.store.find(self.collection, **{name: doc.get(name)}),
                name,
                doc.get(name),
                self.model,
                exclude_id,
            )


def nested_errors(body: Any, schema: Mapping[str, Field]) -> tuple[Doc, Doc]:
    """Validate one nested object: ``(clean data, DRF error dict)`` without raising."""
    if not isinstance(body, dict):
        return {}, {"non_field_errors": ["Invalid data. Expected a dictionary."]}
    try:
        return validate(body, schema), {}
    except HttpError as exc:
        return {}, exc.body


def pk_exists_message(pk: Any) -> str:
    """DRF's ``PrimaryKeyRelatedField`` message for a missing object."""
    return f'Invalid pk "{pk}" - object does not exist.'


# --- the large:N seed -----------------------------------------------------------------------


def large_size(seed: str) -> int | None:
    """N of a ``large:N`` seed; ``None`` for every other seed."""
    return int(seed.removeprefix("large:")) if seed.startswith("large:") else None


def insert_generated(
    ctx: SandboxContext, seed: str, collection: str, make: Callable[[int], Doc]
) -> None:
    """For ``large:N``, store ``make(0)`` … ``make(N // 8 - 1)`` in ``collection`` in one
    transaction (the share most areas take of N); other seeds add nothing."""
    size = large_size(seed)
    if size is None:
        return
    with ctx.store.transaction():
        for i in range(size // 8):
            ctx.store.insert(collection, make(i))
