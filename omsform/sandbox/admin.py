"""The sandbox's own ``/_sandbox/`` endpoints (not part of any provider's API): request
counters, reset to a seed, the fault-injection knobs, and raw object edits that simulate a
person changing an object in the back office (drift)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox.drf import detail, field_errors, json_body
from omsform.sandbox.drift import drift_errors
from omsform.sandbox.plugin import SandboxContext, SandboxPlugin, parse_seed, route, seed_store


def admin_routes(ctx: SandboxContext, found: list[SandboxPlugin]) -> list[BaseRoute]:
    """The ``/_sandbox/`` endpoints: stats, reset, knobs, and raw object edits."""
    return [*_state_routes(ctx, found), *_object_routes(ctx)]


def _state_routes(ctx: SandboxContext, found: list[SandboxPlugin]) -> list[BaseRoute]:
    """Counters, reset (re-seed) and knobs."""

    async def stats(request: Request) -> Response:
        return JSONResponse(ctx.stats.as_dict())

    async def stats_reset(request: Request) -> Response:
        ctx.stats.by_route.clear()
        return Response(status_code=204)

    async def reset(request: Request) -> Response:
        body = await json_body(request)
        try:
            seed = parse_seed(str(body.get("seed", ctx.store.meta_get("sandbox:seed", "demo"))))
        except ValueError as exc:
            raise field_errors({"seed": [str(exc)]}) from None
        seed_store(ctx, seed, found)
        ctx.stats.by_route.clear()
        return JSONResponse({"seed": seed})

    async def knobs(request: Request) -> Response:
        if request.method == "POST":
            errors = ctx.knobs.update(await json_body(request))
            if errors:
                raise field_errors(errors)
        return JSONResponse(ctx.knobs.as_dict())

    return [
        *route("/_sandbox/stats", stats, ["GET"]),
        *route("/_sandbox/stats/reset", stats_reset, ["POST"]),
        *route("/_sandbox/reset", reset, ["POST"]),
        *route("/_sandbox/knobs", knobs, ["GET", "POST"]),
    ]


def _object_routes(ctx: SandboxContext) -> list[BaseRoute]:
    """Raw objects: list a collection, edit one "as a person in the UI would"."""

    async def objects(request: Request) -> Response:
        return JSONResponse(ctx.store.list(request.path_params["collection"]))

    async def ui_edit(request: Request) -> Response:
        """Change an object directly, as a person editing it in the back office would."""
        collection, obj_id = request.path_params["collection"], int(request.path_params["id"])
        body = await json_body(request)
        with ctx.store.transaction():
            before = ctx.store.get(collection, obj_id)
            if before is None:
                raise detail(404, "Not found.")
            errors = drift_errors(before, body)
            if errors:
                raise field_errors(errors)
            doc = ctx.store.update(collection, obj_id, body)
        return JSONResponse(doc)

    return [
        *route("/_sandbox/objects/{collection}", objects, ["GET"]),
        *route("/_sandbox/objects/{collection}/{id:int}", ui_edit, ["PATCH"]),
    ]
