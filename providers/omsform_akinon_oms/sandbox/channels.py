"""Akinon OMS sandbox area: sales channels (reference §3).

[D] ``GET /api/v1/oms/channels/`` (paginated; filters ``name``, ``omnitron_id``,
``channel_type``, ``is_active``, ``sort``) and ``GET /api/v1/oms/channels/{id}/``, each channel
``{id, name, omnitron_id, channel_type, configuration, is_active, created_date, modified_date}``.

[P] ``PATCH /api/v1/oms/channels/{id}/`` changes ``is_active`` and ``configuration`` only: any
other known field is 400 "This field is read-only.", an unknown one 400 "Unknown field.".
Channels come from Omnitron through the ``channels`` setup step, so ``POST`` (create),
``PUT`` (full replace of an object OMS does not own) and ``DELETE`` are 405.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.crud import Doc, get_object_or_404
from omsform.sandbox.drf import Field, json_body, validate
from omsform.sandbox.paging import filter_items, paginate
from omsform_akinon_oms.sandbox.omnitron import CHANNELS as OMNITRON_CHANNELS
from omsform_akinon_oms.sandbox.omnitron import records

COLLECTION = "channels"
PATH = "/api/v1/oms/channels/"
FILTERS = ("name", "omnitron_id", "channel_type", "is_active")

_PATCH_SCHEMA = {
    "is_active": Field(bool),
    "configuration": Field(dict),
    **{
        name: Field(object, read_only=True)
        for name in ("id", "name", "omnitron_id", "channel_type", "created_date", "modified_date")
    },
}


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """The channel list and detail endpoints."""

    async def channel_list(request: Request) -> Response:
        return paginate(request, filter_items(ctx.store.rows(COLLECTION), request, FILTERS))

    async def channel_detail(request: Request) -> Response:
        obj_id = request.path_params["id"]
        channel: Doc | None = get_object_or_404(ctx, COLLECTION, obj_id)
        if request.method == "PATCH":
            changes = validate(await json_body(request), _PATCH_SCHEMA, partial=True)
            channel = ctx.store.update(COLLECTION, obj_id, changes) if changes else channel
        return JSONResponse(channel)

    return [
        *route(PATH, channel_list, ["GET"], auth=ctx.require_token),
        *route(PATH + "{id:int}/", channel_detail, ["GET", "PATCH"], auth=ctx.require_token),
    ]


def copy_from_omnitron(ctx: SandboxContext) -> None:
    """What the ``channels`` setup step does: upsert every Omnitron channel by ``omnitron_id``.
    Name and type follow Omnitron; ``is_active`` and ``configuration`` are OMS's own."""
    current = {c["omnitron_id"]: c for c in ctx.store.list(COLLECTION)}
    for source in records(ctx, OMNITRON_CHANNELS):
        wanted: dict[str, Any] = {"name": source["name"], "channel_type": source["channel_type"]}
        existing = current.get(source["omnitron_id"])
        if existing is None:
            ctx.store.insert(
                COLLECTION,
                {
                    "name": source["name"],
                    "omnitron_id": source["omnitron_id"],
                    "channel_type": source["channel_type"],
                    "configuration": {},
                    "is_active": True,
                },
            )
        elif any(existing.get(k) != v for k, v in wanted.items()):
            ctx.store.update(COLLECTION, existing["id"], wanted)
