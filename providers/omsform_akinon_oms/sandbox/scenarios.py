"""Akinon OMS sandbox area: distribution and transfer scenarios.

**Proposed [P]** (reference ``akinon-oms-api.md`` §6.2; the docs show only the UI). One
collection for both kinds, told apart by ``type``: ``/api/v1/oms/scenarios/`` (``GET`` DRF page
with filters ``name``, ``type``, ``is_active``; ``POST`` → 201) and ``…/{id}/`` (``GET``,
``PUT``, ``PATCH`` → 200 with the object, ``DELETE`` → 204). ``Authorization: Token``.

Object (defaults in brackets; every key is always present on read)::

    {"id": 5, "name": "web-default" (required, unique, ≤255),
     "type": "distribution" | "transfer" ["distribution"; cannot be changed after create],
     "description": "" [""], "is_active": true [true], "priority": 10 [0; int ≥ 0],
     "channel_condition_type": "static" | "dynamic" ["dynamic"],
     "channels": [1, 2] | null [null],               # channel ids
     "shipping_condition_type": "static" | "dynamic" ["dynamic"],
     "shipping_companies": ["yurtici"] | null [null], # strings
     "payment_condition_type": "static" | "dynamic" ["dynamic"],
     "payment_types": ["credit_card"] | null [null],  # strings
     "customer_type": "B2C" | null [null],
     "default_stock_location": 8 (required; a stock location id),
     "initial_status": 2 | null [null],              # a PackageStatus state id
     "rules": [<rule>, ...] [[]],                     # ordered; the position is the order
     "created_date": "…Z", "modified_date": "…Z"}

    rule = {"name": "stores-first" (required),
            "is_transferable": false [false],
            "location_prerequisites": [4] [[]],              # stock location ids
            "product_prerequisite": {"type": "all_products"} [that],
            "stock_location_conditions": [<condition>, ...] [[]],
            "sorting": [{"field": "priority" | "stock" | "package_density" | "distance",
                         "direction": "asc" | "desc"}] [[]]}  # both keys required

    condition = {"type": T, "value": V}   # each type at most once per rule
      SELECT_BY_LOCATION  V = non-empty list of stock location ids
      EXCLUDE_LOCATION    V = list of stock location ids
      SELECT_BY_TYPE      V = "store" | "warehouse"
      SELECT_BY_GEO_COUNTRY | _CITY | _TOWNSHIP | _DISTRICT | SELECT_BY_QUOTA
                          V = null (may be omitted; reads back as null)

Rules (400, DRF shapes): a ``static`` condition type needs a non-empty list in its value
field, a ``dynamic`` one needs null; referenced channels, stock locations and states must
exist (``'Invalid pk "9" - object does not exist.'``); errors inside ``rules`` are a list with
one dict per rule (``{}`` for a valid one), nested the same way for conditions and sorting.
Writing ``rules`` (PUT or PATCH) replaces the whole list. §6.2's per-rule ``order`` key is not
used: nothing documents a rule identity, and the array order already says it.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext
from omsform.sandbox.crud import (
    Check,
    Doc,
    ViewSet,
    boolean,
    integer,
    large_size,
    nested_errors,
    text,
)
from omsform.sandbox.drf import Field, HttpError, field_errors, validate
from omsform_akinon_oms.sandbox.stock_locations import insert_location

PATH = "/api/v1/oms/scenarios/"
COLLECTION = "scenarios"
LOCATIONS, CHANNELS, STATES = "stock_locations", "channels", "states"
CONDITIONS = {  # condition type → what its value holds
    "SELECT_BY_LOCATION": "locations",
    "EXCLUDE_LOCATION": "locations_or_empty",
    "SELECT_BY_TYPE": "location_type",
    "SELECT_BY_GEO_COUNTRY": "none",
    "SELECT_BY_GEO_CITY": "none",
    "SELECT_BY_GEO_TOWNSHIP": "none",
    "SELECT_BY_GEO_DISTRICT": "none",
    "SELECT_BY_QUOTA": "none",
}
CONDITION_FIELDS = {  # condition type field → its value field
    "channel_condition_type": ("channels", int),
    "shipping_condition_type": ("shipping_companies", str),
    "payment_condition_type": ("payment_types", str),
}
STATIC_DYNAMIC = ("static", "dynamic")
WAREHOUSE = {"stock_location_type": "warehouse"}


def _dynamic() -> Field:
    return text(default="dynamic", choices=STATIC_DYNAMIC)


SCHEMA = {
    "name": text(required=True, max_length=255, blank=False),
    "type": text(default="distribution", choices=("distribution", "transfer")),
    "description": text(default=""),
    "is_active": boolean(default=True),
    "priority": integer(default=0, minimum=0),
    "channel_condition_type": _dynamic(),
    "channels": Field(list, default=None, nullable=True),
    "shipping_condition_type": _dynamic(),
    "shipping_companies": Field(list, default=None, nullable=True),
    "payment_condition_type": _dynamic(),
    "payment_types": Field(list, default=None, nullable=True),
    "customer_type": text(default=None, nullable=True, max_length=255),
    "default_stock_location": Field(int, required=True),
    "initial_status": Field(int, default=None, nullable=True),
    "rules": Field(list, default=list),
}
RULE_SCHEMA = {
    "name": text(required=True, max_length=255, blank=False),
    "is_transferable": boolean(default=False),
    "location_prerequisites": Field(list, default=list),
    "product_prerequisite": Field(
        dict, default=lambda: {"type": "all_products"}, check=lambda v: _product(v)
    ),
    "stock_location_conditions": Field(list, default=list),
    "sorting": Field(list, default=list),
}
CONDITION_SCHEMA = {
    "type": text(required=True, choices=tuple(CONDITIONS)),
    "value": Field((list, str), default=None, nullable=True),
}
SORT_SCHEMA = {
    "field": text(required=True, choices=("priority", "stock", "package_density", "distance")),
    "direction": text(required=True, choices=("asc", "desc")),
}


def _product(value: dict[str, Any]) -> str | None:
    return None if value == {"type": "all_products"} else 'Only {"type": "all_products"}.'


def _missing_pk(ctx: SandboxContext, collection: str, values: list[Any]) -> list[str]:
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        return ["A valid integer is required."]
    return [
        f'Invalid pk "{v}" - object does not exist.' for v in values if not _has(ctx, collection, v)
    ]


def _has(ctx: SandboxContext, collection: str, pk: int) -> bool:
    return ctx.store.get(collection, pk) is not None


def _condition_errors(ctx: SandboxContext, doc: Doc) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for type_field, (value_field, kind) in CONDITION_FIELDS.items():
        value = doc.get(value_field)
        if doc[type_field] == "dynamic":
            if value is not None:
                errors[value_field] = [f"Must be null when {type_field} is dynamic."]
        elif not value:
            errors[value_field] = [f"This field is required when {type_field} is static."]
        elif kind is str and not all(isinstance(v, str) and v for v in value):
            errors[value_field] = ["Not a valid string."]
        elif kind is int and (missing := _missing_pk(ctx, CHANNELS, value)):
            errors[value_field] = missing
    if missing := _missing_pk(ctx, LOCATIONS, [doc["default_stock_location"]]):
        errors["default_stock_location"] = missing
    status = doc.get("initial_status")
    if status is not None:
        state = ctx.store.get(STATES, status)
        if state is None or state.get("enum_class") != "PackageStatus":
            errors["initial_status"] = [f'Invalid pk "{status}" - object does not exist.']
    return errors


def _list_errors(items: Any, check_one: Any) -> tuple[list[Any], list[Doc] | None]:
    """Validate each item of a nested list: (clean items, per-item errors or None)."""
    clean, errors = [], []
    for item in items:
        value, error = check_one(item)
        clean.append(value)
        errors.append(error)
    return clean, errors if any(errors) else None


def _condition(ctx: SandboxContext, item: Any) -> tuple[Doc, Doc]:
    clean, errors = nested_errors(item, CONDITION_SCHEMA)
    if errors:
        return clean, errors
    kind, value = CONDITIONS[clean["type"]], clean["value"]
    message = None
    if kind == "none" and value is not None:
        message = ["This condition takes no value."]
    elif kind == "location_type" and value not in ("store", "warehouse"):
        message = ['Expected "store" or "warehouse".']
    elif kind.startswith("locations"):
        if not isinstance(value, list) or (kind == "locations" and not value):
            message = ["Expected a non-empty list of stock location ids."]
        else:
            message = _missing_pk(ctx, LOCATIONS, value) or None
    return clean, {"value": message} if message else {}


def _rule(ctx: SandboxContext, item: Any) -> tuple[Doc, Doc]:
    clean, errors = nested_errors(item, RULE_SCHEMA)
    if errors:
        return clean, errors
    conditions, condition_errors = _list_errors(
        clean["stock_location_conditions"], lambda c: _condition(ctx, c)
    )
    sorting, sort_errors = _list_errors(clean["sorting"], lambda s: nested_errors(s, SORT_SCHEMA))
    found: dict[str, Any] = {}
    if condition_errors:
        found["stock_location_conditions"] = condition_errors
    elif len({c["type"] for c in conditions}) < len(conditions):
        found["stock_location_conditions"] = ["Each condition type may appear once."]
    if sort_errors:
        found["sorting"] = sort_errors
    elif len({s["field"] for s in sorting}) < len(sorting):
        found["sorting"] = ["Each sort field may appear once."]
    if missing := _missing_pk(ctx, LOCATIONS, clean["location_prerequisites"]):
        found["location_prerequisites"] = missing
    clean.update(stock_location_conditions=conditions, sorting=sorting)
    return clean, found


def _check(ctx: SandboxContext) -> Check:
    def check(doc: Doc, before: Doc | None) -> None:
        errors = _condition_errors(ctx, doc)
        rules, rule_errors = _list_errors(doc["rules"], lambda r: _rule(ctx, r))
        if errors:
            raise field_errors(errors)
        if rule_errors:
            raise HttpError(400, {"rules": rule_errors})
        doc["rules"] = rules  # stored with every server default filled in

    return check


def viewset(ctx: SandboxContext) -> ViewSet:
    """The scenario view set."""
    return ViewSet(
        ctx=ctx,
        path=PATH,
        collection=COLLECTION,
        model="scenario",
        schema=SCHEMA,
        unique_fields=("name",),
        filters=("name", "type", "is_active"),
        check=_check(ctx),
        immutable=("type",),
    )


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """This area's endpoints."""
    return viewset(ctx).routes()


def seed(ctx: SandboxContext, seed: str) -> None:
    """``large:N``: N // 8 scenarios at the generated warehouse ``LARGE-WH-SCN``."""
    size = large_size(seed)
    if size is None:
        return
    with ctx.store.transaction():
        found = ctx.store.find(LOCATIONS, erp_code="LARGE-WH-SCN")
        warehouse = {"name": "Large scenario warehouse", "erp_code": "LARGE-WH-SCN"}
        location = found[0] if found else insert_location(ctx, {**warehouse, **WAREHOUSE})
        rule = {
            "name": "warehouses-by-priority",
            "stock_location_conditions": [{"type": "SELECT_BY_TYPE", "value": "warehouse"}],
            "sorting": [{"field": "priority", "direction": "desc"}],
        }
        body = {"name": "x", "default_stock_location": location["id"], "rules": [rule]}
        template = validate(body, SCHEMA)
        _check(ctx)(template, None)  # the rules as the API would store them
        for i in range(size // 8):
            kind = "transfer" if i % 5 == 0 else "distribution"
            name = f"large-scenario-{i:05d}"
            ctx.store.insert(COLLECTION, {**template, "name": name, "type": kind, "priority": i})
