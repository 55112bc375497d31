"""Akinon OMS sandbox area: the ``stock_locations`` setup step, which copies Omnitron's retail
stores into OMS as ``store`` locations (reference §2), and whether that copy is out of sync."""

from __future__ import annotations

from typing import Any

from omsform.sandbox import SandboxContext
from omsform.sandbox.drf import validate
from omsform_akinon_oms.sandbox.omnitron import GEO_COLLECTIONS, GEO_LEVELS, STORES, records
from omsform_akinon_oms.sandbox.stock_locations import (
    ADDRESS_SCHEMA,
    ADDRESSES,
    COLLECTION,
    SCHEMA,
    insert_validated,
    save_address,
)


def copy_from_omnitron(ctx: SandboxContext) -> None:
    """What the ``stock_locations`` setup step does: upsert every Omnitron retail store as a
    ``store`` location by ``omnitron_id`` (adopting an unsynced location with the same
    ``erp_code``), mapping its address onto the OMS address records copied so far: run before
    the ``addresses`` step, a store keeps null address ids (until a later copy fixes them)."""
    geo = _geo_pks(ctx)
    for store in records(ctx, STORES):
        _upsert_store(ctx, store["omnitron_id"], _wanted(store), _address(store, geo))


def out_of_sync(ctx: SandboxContext) -> bool:
    """Whether a copied store has a null address id that a copy would now fill (reference §2:
    "true if stores are missing or out of sync with Omnitron"): the stores were copied before
    the addresses. Only null ids count, so values set in OMS on purpose never make the step
    required again (that would fight them on every apply)."""
    geo = _geo_pks(ctx)
    docs = {d.get("omnitron_id"): d for d in ctx.store.list(COLLECTION)}
    for store in records(ctx, STORES):
        doc, wanted = docs.get(store["omnitron_id"]), _address(store, geo)
        if doc is None or wanted is None or not doc.get("address_id"):
            continue  # missing (the caller checks that) or no address to fill
        have = ctx.store.get(ADDRESSES, doc["address_id"]) or {}
        if any(have.get(k) is None and wanted[k] is not None for k in GEO_LEVELS):
            return True
    return False


def _geo_pks(ctx: SandboxContext) -> dict[str, dict[int, int]]:
    """Level → Omnitron id → OMS pk of the address records copied so far."""
    return {
        level: {d["omnitron_id"]: d["id"] for d in ctx.store.list(GEO_COLLECTIONS[level])}
        for level in GEO_LEVELS
    }


def _wanted(store: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": store["name"],
        "erp_code": store["erp_code"],
        "stock_location_type": "store",
        "email": store.get("email", ""),
        "daytime_phone": store.get("phone", ""),
    }


def _address(store: dict[str, Any], geo: dict[str, dict[int, int]]) -> dict[str, Any] | None:
    """The OMS address a copy gives ``store`` (address ids null where not copied yet)."""
    source = store.get("address")
    if not source:
        return None
    line = {"line": source.get("line") or "-", "postcode": source.get("postcode", "")}
    address = validate(line, ADDRESS_SCHEMA)
    address.update({level: geo[level].get(source.get(level)) for level in GEO_LEVELS})
    return address


def _upsert_store(
    ctx: SandboxContext, omnitron_id: int, wanted: dict[str, Any], address: dict[str, Any] | None
) -> None:
    docs = ctx.store.list(COLLECTION)
    doc = next((d for d in docs if d.get("omnitron_id") == omnitron_id), None) or next(
        (d for d in docs if d["erp_code"] == wanted["erp_code"] and d.get("omnitron_id") is None),
        None,
    )
    if doc is None:
        insert_validated(ctx, validate(wanted, SCHEMA), address, omnitron_id)
        return
    old = ctx.store.get(ADDRESSES, doc["address_id"]) if doc.get("address_id") else None
    changes = {k: v for k, v in {**wanted, "omnitron_id": omnitron_id}.items() if doc.get(k) != v}
    if address != ({k: old.get(k) for k in ADDRESS_SCHEMA} if old else None):
        changes["address_id"] = save_address(ctx, doc.get("address_id"), address)
    if changes:
        ctx.store.update(COLLECTION, doc["id"], changes)
