"""Akinon OMS sandbox area: stock locations, i.e. stores and warehouses (reference §2).

[D] ``GET /api/v1/oms/stocklocations/list-simple/``: every location with the documented fields
(``address`` is the address **id**, an int or null), in DRF pages.

[P] CRUD (reference §2.3): ``GET|POST /api/v1/oms/stocklocations/`` (list filters ``erp_code``,
``erp_code__in``, ``stock_location_type``, ``is_active``, ``omnitron_id``, ``name__icontains``,
``sort``) and ``GET|PATCH|PUT|DELETE /api/v1/oms/stocklocations/{id}/`` (201 / 200 / 204).
Required on create and PUT: ``name``, ``erp_code`` (unique), ``stock_location_type``
(``store`` | ``warehouse``). Server defaults: ``is_active`` true, the other ``is_*`` flags false,
``priority`` 0, ``max_quota`` null, ``tags`` [], ``conf`` {}, strings "". Read-only: ``id``,
``omnitron_id``, ``quota``, ``engine`` (the configured stock engine, see stock_integration),
the dates. Unknown fields and wrong types are 400s.

``address`` is written and read as the same object on the CRUD endpoints: ``{title, line,
postcode, notes, latitude, longitude, country, city, township, district}`` where the last four
are OMS address pks (``/api/v1/oms/countries/`` …, filled by the ``addresses`` setup step) or
null, and ``line`` is required. Writing it replaces the whole address; null removes it. It is
stored as its own record so ``list-simple`` can show its id, as documented.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.crud import get_object_or_404, large_size
from omsform.sandbox.drf import Field, HttpError, field_errors, json_body, validate
from omsform.sandbox.paging import filter_items, paginate
from omsform_akinon_oms.sandbox import stock_integration
from omsform_akinon_oms.sandbox.omnitron import GEO_COLLECTIONS, GEO_LEVELS

COLLECTION = "stock_locations"
ADDRESSES = "stock_location_addresses"
PATH = "/api/v1/oms/stocklocations/"
FILTERS = ("erp_code", "stock_location_type", "is_active", "omnitron_id")
FLAGS = (
    "is_fulfillment_center",
    "is_pickup_location",
    "is_delivery_location",
    "is_fast_delivery_available",
    "is_return_available",
)
FIELDS = (
    *("id", "created_date", "modified_date", "omnitron_id", "name", "stock_location_type"),
    *("fax_number", "erp_code", "address", *FLAGS, "is_active", "priority", "max_quota"),
    *("quota", "tags", "engine", "conf", "email", "daytime_phone", "evening_phone"),
)


def _not_blank(value: str) -> str | None:
    return None if value.strip() else "This field may not be blank."


def _at_least_zero(value: int) -> str | None:
    return None if value >= 0 else "Ensure this value is greater than or equal to 0."


def _strings(value: list[Any]) -> str | None:
    return None if all(isinstance(v, str) for v in value) else "Not a valid string."


def _email(value: str) -> str | None:
    return None if not value or "@" in value else "Enter a valid email address."


SCHEMA: dict[str, Field] = {
    "name": Field(str, required=True, check=_not_blank),
    "erp_code": Field(str, required=True, check=_not_blank),
    "stock_location_type": Field(str, required=True, choices=("store", "warehouse")),
    **{name: Field(str, default="") for name in ("fax_number", "daytime_phone", "evening_phone")},
    "email": Field(str, default="", check=_email),
    "address": Field(dict, nullable=True),
    **{flag: Field(bool, default=False) for flag in FLAGS},
    "is_active": Field(bool, default=True),
    "priority": Field(int, default=0),
    "max_quota": Field(int, nullable=True, check=_at_least_zero),
    "tags": Field(list, default=list, check=_strings),
    "conf": Field(dict, default=dict),
    **{
        name: Field(object, read_only=True)
        for name in ("id", "omnitron_id", "quota", "engine", "created_date", "modified_date")
    },
}

ADDRESS_SCHEMA: dict[str, Field] = {
    "title": Field(str, default=""),
    "line": Field(str, required=True, check=_not_blank),
    "postcode": Field(str, default=""),
    "notes": Field(str, default=""),
    "latitude": Field((float, int), nullable=True),
    "longitude": Field((float, int), nullable=True),
    **{level: Field(int, nullable=True) for level in GEO_LEVELS},
}


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """list-simple and the proposed CRUD."""

    async def list_simple(request: Request) -> Response:
        items = filter_items(ctx.store.rows(COLLECTION), request, FILTERS)
        engine = stock_integration.engine_id(ctx)
        return paginate(
            request, items, render=lambda d: _present(ctx, d, nested=False, engine=engine)
        )

    async def collection(request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(_create(ctx, await json_body(request)), status_code=201)
        items = filter_items(ctx.store.list(COLLECTION), request, FILTERS)
        needle = request.query_params.get("name__icontains", "").casefold()
        items = [d for d in items if needle in d["name"].casefold()]
        addresses = {a["id"]: a for a in ctx.store.list(ADDRESSES)}
        engine = stock_integration.engine_id(ctx)
        return paginate(
            request, items, render=lambda d: _present(ctx, d, addresses=addresses, engine=engine)
        )

    async def detail(request: Request) -> Response:
        obj_id = request.path_params["id"]
        doc = get_object_or_404(ctx, COLLECTION, obj_id)
        if request.method == "DELETE":
            ctx.store.delete(COLLECTION, obj_id)
            if doc.get("address_id"):
                ctx.store.delete(ADDRESSES, doc["address_id"])
            return Response(status_code=204)
        if request.method in ("PATCH", "PUT"):
            doc = _update(ctx, doc, await json_body(request), partial=request.method == "PATCH")
        return JSONResponse(_present(ctx, doc))

    auth, one = ctx.require_token, ["GET", "PATCH", "PUT", "DELETE"]
    return [
        *route(PATH + "list-simple/", list_simple, ["GET"], auth=auth),
        *route(PATH, collection, ["GET", "POST"], auth=auth),
        *route(PATH + "{id:int}/", detail, one, auth=auth),
    ]


def _present(
    ctx: SandboxContext,
    doc: dict[str, Any],
    *,
    nested: bool = True,
    addresses: dict[int, dict[str, Any]] | None = None,
    engine: int | object | None = ...,
) -> dict[str, Any]:
    """The API representation: ``address`` as an object (``nested``) or as its id; ``engine``
    may be passed in when many are presented at once (it is the same for all)."""
    address_id = doc.get("address_id")
    if engine is ...:
        engine = stock_integration.engine_id(ctx)
    view = {**doc, "engine": engine, "address": address_id}
    if nested and address_id is not None:
        found = (addresses or {}).get(address_id) or ctx.store.get(ADDRESSES, address_id)
        view["address"] = {k: found.get(k) for k in ADDRESS_SCHEMA} if found else None
    return {name: view.get(name) for name in FIELDS}


def _clean_address(ctx: SandboxContext, value: dict[str, Any] | None) -> dict[str, Any] | None:
    """A validated address object, or 400 ``{"address": {field: [msg]}}``."""
    if value is None:
        return None
    try:
        clean = validate(value, ADDRESS_SCHEMA)
    except HttpError as exc:
        raise HttpError(400, {"address": exc.body}) from None
    errors = {
        level: [f'Invalid pk "{clean[level]}" - object does not exist.']
        for level in GEO_LEVELS
        if clean[level] is not None and ctx.store.get(GEO_COLLECTIONS[level], clean[level]) is None
    }
    if errors:
        raise HttpError(400, {"address": errors})
    return clean


def _check_unique(ctx: SandboxContext, erp_code: str, exclude_id: int | None = None) -> None:
    for doc in ctx.store.find(COLLECTION, erp_code=erp_code):
        if doc["id"] != exclude_id:
            raise field_errors({"erp_code": ["stock location with this erp code already exists."]})


def _create(ctx: SandboxContext, body: dict[str, Any]) -> dict[str, Any]:
    clean = validate(body, SCHEMA)
    address = _clean_address(ctx, clean["address"])
    with ctx.store.transaction():
        _check_unique(ctx, clean["erp_code"])
        doc = insert_validated(ctx, clean, address)
    return _present(ctx, doc)


def insert_validated(
    ctx: SandboxContext,
    clean: dict[str, Any],
    address: dict[str, Any] | None,
    omnitron_id: int | None = None,
) -> dict[str, Any]:
    """Store a validated location (and its address record) as this area keeps them."""
    fields = {k: v for k, v in clean.items() if k != "address"}
    address_id = ctx.store.insert(ADDRESSES, address)["id"] if address else None
    doc = {"omnitron_id": omnitron_id, **fields, "address_id": address_id, "quota": 0}
    return ctx.store.insert(COLLECTION, doc)


def insert_location(ctx: SandboxContext, fields: dict[str, Any]) -> dict[str, Any]:
    """For other areas' seeds: store a location from API-shaped ``fields`` (server defaults
    filled, no address, no uniqueness check); returns the stored document."""
    return insert_validated(ctx, validate(fields, SCHEMA), None)


def _update(
    ctx: SandboxContext, doc: dict[str, Any], body: dict[str, Any], *, partial: bool
) -> dict[str, Any]:
    clean = validate(body, SCHEMA, partial=partial)
    with ctx.store.transaction():
        if "erp_code" in clean:
            _check_unique(ctx, clean["erp_code"], exclude_id=doc["id"])
        if "address" in clean:
            clean["address_id"] = save_address(
                ctx, doc.get("address_id"), _clean_address(ctx, clean.pop("address"))
            )
        updated = ctx.store.update(COLLECTION, doc["id"], clean)
    return updated or doc


def save_address(
    ctx: SandboxContext, address_id: int | None, address: dict[str, Any] | None
) -> int | None:
    """Replace, create or remove a location's address record; its id afterwards."""
    if address is None:
        if address_id is not None:
            ctx.store.delete(ADDRESSES, address_id)
        return None
    if address_id is not None and ctx.store.update(ADDRESSES, address_id, address) is not None:
        return address_id
    return int(ctx.store.insert(ADDRESSES, address)["id"])


def seed(ctx: SandboxContext, seed: str) -> None:
    """``large:N`` adds N//10 generated warehouses (``WH-00001`` …); OMS starts otherwise
    empty: the demo stores wait in the fake Omnitron for the setup step."""
    size = large_size(seed)
    if size is None:
        return
    with ctx.store.transaction():
        for n in range(1, size // 10 + 1):
            fields: dict[str, Any] = {"name": f"Generated warehouse {n}", "erp_code": f"WH-{n:05d}"}
            fields.update(stock_location_type="warehouse", priority=n % 10, tags=["generated"])
            insert_location(ctx, fields)
