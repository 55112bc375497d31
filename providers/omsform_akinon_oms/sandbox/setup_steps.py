"""Akinon OMS sandbox area: the Basic Setup copy jobs (reference §4, §5) and the address data.

Steps and their paths [D]: ``addresses`` → ``/api/v1/oms/setup/addresses/``,
``stock_locations`` → ``/api/v1/oms/stock_locations/``, ``channels`` →
``/api/v1/oms/channels/``; under each:

- ``GET is_required/`` → ``{"result": true|false}`` (the docs say only that it "returns true";
  the body follows the reference's proposal, same field as ``get_async_status``). True while
  the fake Omnitron holds records never copied, or changed since the last successful copy
  (a digest of the source is kept), or a copied record is missing from OMS; for
  ``stock_locations`` also while a copied store has a null address id that the copy would now
  fill (the stores were copied before the addresses: "out of sync with Omnitron").
- ``POST execute/`` → 204 and starts the job; while one is WORKING → 400
  ``{"detail": "A task is already running."}`` (reference §5).
- ``GET get_async_status/`` → ``{"result": READY|WORKING|FINISHED|FAILED|ABORTED}``: READY
  before any run, WORKING for ``knobs.step_seconds`` after execute (by the context's clock),
  then the outcome, which stays until the next execute. Progress is computed from the start
  time stored in SQLite, so it survives restarts and is shared by processes; the copy (upsert
  by ``omnitron_id``) runs once, when a request first sees the time is up.

Test hook (no auth): ``POST /_sandbox/setup/{step}/outcome`` ``{"result": "FAILED"}`` (or
``ABORTED``, ``FINISHED``) makes the *next* run end that way; FAILED and ABORTED copy nothing.
``GET /_sandbox/setup/events`` → ``{"events": [[step, "execute"|outcome], …]}``: every job
start and end in order (to check that steps ran one after the other).

The copied address data is readable [P, reference §4.2] at ``/api/v1/oms/countries/``,
``cities/``, ``townships/`` and ``districts/`` (paginated; ``pk``, ``name``, parent pks,
``is_active``, ``latitude``, ``longitude``, ``code`` on countries; filters on those fields).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.drf import detail, field_errors, json_body, not_found
from omsform.sandbox.paging import filter_items, paginate
from omsform_akinon_oms.sandbox import channels, stock_locations, store_sync
from omsform_akinon_oms.sandbox.omnitron import (
    ADDRESSES,
    CHANNELS,
    GEO_COLLECTIONS,
    GEO_LEVELS,
    STORES,
    records,
)

STEPS = {
    "addresses": "/api/v1/oms/setup/addresses/",
    "stock_locations": "/api/v1/oms/stock_locations/",
    "channels": "/api/v1/oms/channels/",
}
OUTCOMES = ("FINISHED", "FAILED", "ABORTED")
EVENTS = "setup:events"
_PARENTS = {
    "country": (),
    "city": ("country",),
    "township": ("city",),
    "district": ("city", "township"),
}


def copy_addresses(ctx: SandboxContext) -> None:
    """What the ``addresses`` step does: upsert each level by ``omnitron_id``, parents first,
    turning Omnitron parent ids into OMS pks."""
    pks: dict[str, dict[int, int]] = {}
    sources = records(ctx, ADDRESSES)
    for level in GEO_LEVELS:
        target = GEO_COLLECTIONS[level]
        current = {d["omnitron_id"]: d for d in ctx.store.list(target)}
        for src in (s for s in sources if s["level"] == level):
            wanted: dict[str, Any] = {"name": src["name"], "omnitron_id": src["omnitron_id"]}
            if level == "country":
                wanted["code"] = src.get("code")
            for parent in _PARENTS[level]:
                wanted[parent] = pks[parent].get(src.get(parent) or 0)
            doc = current.get(src["omnitron_id"])
            if doc is None:
                doc = ctx.store.insert(
                    target, {**wanted, "is_active": True, "latitude": None, "longitude": None}
                )
            elif any(doc.get(k) != v for k, v in wanted.items()):
                doc = ctx.store.update(target, doc["id"], wanted) or doc
            pks.setdefault(level, {})[src["omnitron_id"]] = doc["id"]
        pks.setdefault(level, {})


_STEP_SOURCES: dict[str, tuple[str, Callable[[SandboxContext], None]]] = {
    "addresses": (ADDRESSES, copy_addresses),
    "stock_locations": (STORES, store_sync.copy_from_omnitron),
    "channels": (CHANNELS, channels.copy_from_omnitron),
}


def _digest_of(source: list[dict[str, Any]]) -> str:
    text = json.dumps(source, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _digest(ctx: SandboxContext, step: str) -> str:
    return _digest_of(records(ctx, _STEP_SOURCES[step][0]))


def _missing(ctx: SandboxContext, step: str) -> bool:
    """Whether some Omnitron record has no copy in OMS."""
    source = records(ctx, _STEP_SOURCES[step][0])
    if step == "addresses":
        copied = {
            (level, d["omnitron_id"])
            for level in GEO_LEVELS
            for d in ctx.store.list(GEO_COLLECTIONS[level])
        }
        return any((s["level"], s["omnitron_id"]) not in copied for s in source)
    target = stock_locations.COLLECTION if step == "stock_locations" else channels.COLLECTION
    have = {d.get("omnitron_id") for d in ctx.store.list(target)}
    if step == "stock_locations" and store_sync.out_of_sync(ctx):
        return True
    return any(s["omnitron_id"] not in have for s in source)


def is_required(ctx: SandboxContext, step: str) -> bool:
    """Whether the step has something to copy."""
    status(ctx, step)
    # never run: as good as having copied nothing, so an empty Omnitron needs no run
    copied = ctx.store.meta_get(f"setup:{step}:digest") or _digest_of([])
    return copied != _digest(ctx, step) or _missing(ctx, step)


def status(ctx: SandboxContext, step: str) -> str:
    """The job's result, settling (and copying) once the working time is over."""
    job = ctx.store.meta_get(f"setup:{step}:job")
    if job is None:
        return "READY"
    if job["result"] != "WORKING" or ctx.clock() - job["started"] < ctx.knobs.step_seconds:
        return str(job["result"])
    with ctx.store.transaction():
        job = ctx.store.meta_get(f"setup:{step}:job")  # another process may have settled it
        if job["result"] == "WORKING":
            if job["outcome"] == "FINISHED":
                _STEP_SOURCES[step][1](ctx)
                ctx.store.meta_set(f"setup:{step}:digest", _digest(ctx, step))
            job["result"] = job["outcome"]
            ctx.store.meta_set(f"setup:{step}:job", job)
            _log(ctx, step, job["result"])
    return str(job["result"])


def execute(ctx: SandboxContext, step: str) -> None:
    """Start the step's job, or 400 if one is running."""
    with ctx.store.transaction():
        if status(ctx, step) == "WORKING":
            raise detail(400, "A task is already running.")
        outcome = ctx.store.meta_get(f"setup:{step}:next") or "FINISHED"
        ctx.store.meta_set(f"setup:{step}:next", None)
        job = {"started": ctx.clock(), "outcome": outcome, "result": "WORKING"}
        ctx.store.meta_set(f"setup:{step}:job", job)
        _log(ctx, step, "execute")


def _log(ctx: SandboxContext, step: str, event: str) -> None:
    """Append to the job event log (``GET /_sandbox/setup/events``)."""
    ctx.store.meta_set(EVENTS, [*ctx.store.meta_get(EVENTS, []), [step, event]])


def _present_geo(level: str, doc: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {"pk": doc["id"], "name": doc["name"]}
    if level == "country":
        shown["code"] = doc.get("code")
    for parent in _PARENTS[level]:
        shown[parent] = doc.get(parent)
    return {**shown, **{k: doc.get(k) for k in ("is_active", "latitude", "longitude")}}


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """The three steps, the address read lists and the outcome hook."""
    found: list[BaseRoute] = []
    for step, path in STEPS.items():
        found += _step_routes(ctx, step, path)
    for level, collection in GEO_COLLECTIONS.items():
        found += _geo_routes(ctx, level, collection)

    async def outcome(request: Request) -> Response:
        step = request.path_params["step"]
        if step not in STEPS:
            raise not_found()
        result = (await json_body(request)).get("result")
        if result not in OUTCOMES:
            raise field_errors({"result": [f"Choose one of {', '.join(OUTCOMES)}."]})
        ctx.store.meta_set(f"setup:{step}:next", result)
        return JSONResponse({"step": step, "next_result": result})

    async def events(request: Request) -> Response:
        return JSONResponse({"events": ctx.store.meta_get(EVENTS, [])})

    return [
        *found,
        *route("/_sandbox/setup/events", events, ["GET"]),
        *route("/_sandbox/setup/{step}/outcome", outcome, ["POST"]),
    ]


def _step_routes(ctx: SandboxContext, step: str, path: str) -> list[BaseRoute]:
    async def required(request: Request) -> Response:
        return JSONResponse({"result": is_required(ctx, step)})

    async def run(request: Request) -> Response:
        execute(ctx, step)
        return Response(status_code=204)

    async def async_status(request: Request) -> Response:
        return JSONResponse({"result": status(ctx, step)})

    return [
        *route(path + "is_required/", required, ["GET"], auth=ctx.require_token),
        *route(path + "execute/", run, ["POST"], auth=ctx.require_token),
        *route(path + "get_async_status/", async_status, ["GET"], auth=ctx.require_token),
    ]


def _geo_routes(ctx: SandboxContext, level: str, collection: str) -> list[BaseRoute]:
    async def geo_list(request: Request) -> Response:
        items = [_present_geo(level, d) for d in ctx.store.list(collection)]
        fields = ("pk", "name", "code", *_PARENTS[level], "is_active")
        return paginate(request, filter_items(items, request, fields))

    return route(f"/api/v1/oms/{collection}/", geo_list, ["GET"], auth=ctx.require_token)
