"""The wire shape of ``oms_scenario``: spec-shaped data ↔ API bodies, both ways.

Both directions work on *spec-shaped* data with server ids in the reference fields: the kind
turns ids into natural keys and back with the generic codec (:mod:`omsform.contract.refs`), so
nothing here knows which fields name other objects. The YAML names a condition by its type and
values (``channel_condition: static`` + ``channels``), a rule's stock-location conditions by
field (``select_by_location``, ``select_by_geo: [city]``); the API has ``*_condition_type``
fields and a list of ``{type, value}`` conditions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import SimpleNamespace
from typing import Any

from omsform_akinon_oms import api

CONDITIONS = {  # condition → (API field of the type, API field of the values)
    "channel": (api.SCENARIO_CHANNEL_CONDITION_TYPE, api.SCENARIO_CHANNELS),
    "shipping": (api.SCENARIO_SHIPPING_CONDITION_TYPE, api.SCENARIO_SHIPPING_COMPANIES),
    "payment": (api.SCENARIO_PAYMENT_CONDITION_TYPE, api.SCENARIO_PAYMENT_TYPES),
}
# condition → the YAML field of its values (the type's is `<condition>_condition`)
VALUES = {"channel": "channels", "shipping": "shipping_companies", "payment": "payment_types"}
CONDITION_OF = {  # spec field → the condition it belongs to (type and values travel together)
    **{f"{base}_condition": base for base in VALUES},
    **{values: base for base, values in VALUES.items()},
}
SENT_AS = dict(  # YAML field → API field, for every field outside the three conditions
    name=api.SCENARIO_NAME,
    type=api.SCENARIO_TYPE,
    description=api.SCENARIO_DESCRIPTION,
    is_active=api.SCENARIO_IS_ACTIVE,
    priority=api.SCENARIO_PRIORITY,
    customer_type=api.SCENARIO_CUSTOMER_TYPE,
    default_stock_location=api.SCENARIO_DEFAULT_STOCK_LOCATION,
    initial_status=api.SCENARIO_INITIAL_STATUS,
    rules=api.SCENARIO_RULES,
)


def sent_fields(fields: Iterable[str]) -> set[str]:
    """The spec fields a write of ``fields`` sends: a condition's type travels with its values."""
    out = set(fields)
    for field in fields:
        if field in CONDITION_OF:
            out |= {f"{CONDITION_OF[field]}_condition", VALUES[CONDITION_OF[field]]}
    return out


# --- spec-shaped → API ---------------------------------------------------------------------------
def body(data: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The API body for ``fields`` of ``data`` (encoded: JSON-ready, ids in reference fields)."""
    spec = SimpleNamespace(**data)
    out: dict[str, Any] = {}
    for field in sorted(fields):
        if field in CONDITION_OF:
            base = CONDITION_OF[field]
            type_field, values_field = CONDITIONS[base]
            static = getattr(spec, f"{base}_condition") == "static"
            out[type_field] = getattr(spec, f"{base}_condition")
            out[values_field] = getattr(spec, VALUES[base]) if static else None
        elif SENT_AS[field] == api.SCENARIO_RULES:
            out[api.SCENARIO_RULES] = [_rule_body(SimpleNamespace(**r)) for r in spec.rules]
        else:
            out[SENT_AS[field]] = getattr(spec, field)
    return out


def _rule_body(rule: SimpleNamespace) -> dict[str, Any]:
    c = SimpleNamespace(**rule.conditions)
    conditions: list[dict[str, Any]] = []

    def add(kind: str, value: Any = None) -> None:
        conditions.append({api.CONDITION_TYPE: kind, api.CONDITION_VALUE: value})

    if c.select_by_location:
        add(api.SELECT_BY_LOCATION, c.select_by_location)
    if c.exclude_location:
        add(api.EXCLUDE_LOCATION, c.exclude_location)
    if c.select_by_type:
        add(api.SELECT_BY_TYPE, c.select_by_type)
    for geo in c.select_by_geo:
        add(api.SELECT_BY_GEO + geo.upper())
    if c.select_by_quota:
        add(api.SELECT_BY_QUOTA)
    return {
        api.RULE_NAME: rule.name,
        api.RULE_IS_TRANSFERABLE: rule.is_transferable,
        api.RULE_LOCATION_PREREQUISITES: rule.location_prerequisites,
        api.RULE_PRODUCT_PREREQUISITE: dict(api.ALL_PRODUCTS),
        api.RULE_STOCK_LOCATION_CONDITIONS: conditions,
        api.RULE_SORTING: [
            {api.SORT_FIELD: s.field, api.SORT_DIRECTION: s.direction}
            for s in (SimpleNamespace(**sort) for sort in rule.sorting)
        ],
    }


# --- API → spec-shaped ---------------------------------------------------------------------------
def shaped(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario as the API holds it, in the Spec's shape (ids left as they are)."""
    data: dict[str, Any] = {k: obj[wire] for k, wire in SENT_AS.items() if wire in obj}
    for base, (type_field, values_field) in CONDITIONS.items():
        data[f"{base}_condition"] = obj.get(type_field, "dynamic")
        data[VALUES[base]] = obj.get(values_field) or []
    data.update(rules=[_rule(r) for r in obj.get(api.SCENARIO_RULES) or ()])
    return data


def _rule(obj: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    geo: list[str] = []
    for condition in obj.get(api.RULE_STOCK_LOCATION_CONDITIONS) or ():
        kind, value = condition.get(api.CONDITION_TYPE, ""), condition.get(api.CONDITION_VALUE)
        if kind in (api.SELECT_BY_LOCATION, api.EXCLUDE_LOCATION):
            found[kind.lower()] = value or []  # the YAML field is the name lowered
        elif kind == api.SELECT_BY_TYPE:
            found.update(select_by_type=value)
        elif kind.startswith(api.SELECT_BY_GEO):
            geo.append(kind.removeprefix(api.SELECT_BY_GEO).lower())
        elif kind == api.SELECT_BY_QUOTA:
            found.update(select_by_quota=True)
    return dict(
        name=obj.get(api.RULE_NAME),
        is_transferable=bool(obj.get(api.RULE_IS_TRANSFERABLE)),
        location_prerequisites=obj.get(api.RULE_LOCATION_PREREQUISITES) or [],
        conditions=dict(select_by_geo=geo, **found),
        sorting=[
            dict(field=s.get(api.SORT_FIELD), direction=s.get(api.SORT_DIRECTION))
            for s in obj.get(api.RULE_SORTING) or ()
        ],
    )
