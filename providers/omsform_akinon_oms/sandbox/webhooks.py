"""Akinon OMS sandbox area: webhook subscriptions (OMS > Settings > Webhooks).

Documented [D] (docs.akinon.com/technical-guides/oms/webhooks):

- ``POST /whisperer/hooks/`` creates a subscription. The docs show no response; the sandbox
  answers **201 with the object** (as read, secrets masked), as a DRF create does.
- ``DELETE /whisperer/hooks/{id}/`` → 204 (404 when unknown). Other methods there → 405.

Proposed [P]: ``/api/v1/oms/oms_hooks/`` ``GET`` (DRF page; filters ``event_type``,
``target_url``, ``is_active``) and ``POST``; ``…/{id}/`` ``GET``, ``PUT``, ``PATCH`` (200 with
the object) and ``DELETE`` (204). The same objects are behind both paths.

Object::

    {"id": 1, "event_type": "package.created", "target_url": "https://x.example/hook",
     "secret_key": "********" | null, "additional_headers": {"Authorization": "********"},
     "retry_countdown_config": {"type": "fixed", "countdown": 60, "max_retries": 5,
                                "max_countdown": 3600} | null,
     "callback": null, "config": {}, "is_active": true,
     "created_date": "…Z", "modified_date": "…Z"}

Write rules: ``event_type`` (required) a non-blank string: the documented dotted names of
:data:`EVENT_TYPES`, the hyphenated ``package-created`` of the docs' curl example or any other
(the docs' list is not closed); only those of :data:`EVENT_TYPES` under ``strict_writes``;
``target_url`` (required) an http(s) URL; ``secret_key`` string or null (default null);
``additional_headers`` object of strings or null (default ``{}``); ``retry_countdown_config``
null (default) or an object with ``type`` (required, ``fixed|linear|exponential|random``) and
optional non-negative integers ``countdown``, ``max_retries``, ``max_countdown`` — other keys
are 400s with nested errors ``{"retry_countdown_config": {"<key>": ["…"]}}``; ``callback``
any JSON or null (default null); ``config`` object (default ``{}``); ``is_active`` (default
true). (``event_type``, ``target_url``) is the natural key, but nothing is unique server-side.

On read ``secret_key`` and every value of ``additional_headers`` are masked (``"********"``;
null and ``""`` stay as they are).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.crud import (
    Doc,
    ViewSet,
    boolean,
    insert_generated,
    integer,
    json_object,
    mask,
    nested_errors,
    text,
)
from omsform.sandbox.drf import Field, HttpError, json_body

PATH = "/api/v1/oms/oms_hooks/"
WHISPERER = "/whisperer/hooks/"
COLLECTION = "oms_hooks"
EVENT_TYPES = (
    "package.created",
    "package.status.transitioned",
    "package.status.preparing",  # settings reference §1d (Seller Center targets)
    "package.status.packed",
    "package.status.cancelled",
    "package.status.shipped",
    "package.status.delivered",  # settings reference §1d
    "package.status.packed_for_refund",
    "package.status.out_of_stock",  # settings reference §1d
    "package.shipment.awb_number",
    "shipment.created",
    "shipment.status.updated",
    "shipment.cancelled",
    "transfer.status.created",
    "transfer.status.transitioned",
    "transfer.status.in_transit",
    "transfer.status.transferred",
    "transfer.status.cancelled",
    "transfer.status.ready_to_shipment",
    "stock_location.created",
    "stock_location.updated",
    "order.fulfillment.multiple_packages",
)
RETRY_TYPES = ("fixed", "linear", "exponential", "random")

RETRY_SCHEMA = {
    "type": Field(str, required=True, choices=RETRY_TYPES),
    "countdown": integer(default=None, minimum=0),
    "max_retries": integer(default=None, minimum=0),
    "max_countdown": integer(default=None, minimum=0),
}


def _url(value: str) -> str | None:
    return None if value.startswith(("http://", "https://")) else "Enter a valid URL."


def _headers(value: dict[str, Any]) -> str | None:
    bad = [k for k, v in value.items() if not isinstance(v, str)]
    return f"Header values must be strings: {', '.join(bad)}." if bad else None


SCHEMA = {
    "event_type": text(
        required=True, blank=False, max_length=255, choices=EVENT_TYPES, open_choices=True
    ),
    "target_url": Field(str, required=True, check=_url),
    "secret_key": text(default=None, nullable=True, max_length=255),
    "additional_headers": Field(dict, default=dict, nullable=True, check=_headers),
    "retry_countdown_config": json_object(default=None, nullable=True),
    "callback": Field((dict, list, str, int, float, bool), default=None, nullable=True),
    "config": json_object(),
    "is_active": boolean(default=True),
}


def check(doc: Doc, before: Doc | None) -> None:
    """Validate ``retry_countdown_config`` as a nested serializer would."""
    config = doc.get("retry_countdown_config")
    if config is None:
        return
    _, errors = nested_errors(config, RETRY_SCHEMA)
    if errors:
        raise HttpError(400, {"retry_countdown_config": errors})


def render(doc: Doc) -> Doc:
    """The object as read: secrets masked."""
    headers = doc.get("additional_headers")
    if isinstance(headers, dict):
        headers = {k: mask(v) for k, v in headers.items()}
    return {**doc, "secret_key": mask(doc.get("secret_key")), "additional_headers": headers}


def viewset(ctx: SandboxContext) -> ViewSet:
    """The ``oms_hooks`` view set."""
    return ViewSet(
        ctx=ctx,
        path=PATH,
        collection=COLLECTION,
        model="oms hook",
        schema=SCHEMA,
        filters=("event_type", "target_url", "is_active"),
        check=check,
        render=render,
    )


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """This area's endpoints: the [P] view set and the documented whisperer pair."""
    hooks = viewset(ctx)

    async def subscribe(request: Request) -> Response:
        return JSONResponse(render(hooks.create(await json_body(request))), status_code=201)

    async def unsubscribe(request: Request) -> Response:
        hooks.delete(int(request.path_params["id"]))
        return Response(status_code=204)

    return [
        *hooks.routes(),
        *route(WHISPERER, subscribe, ["POST"], auth=ctx.require_token),
        *route(WHISPERER + "{id:int}/", unsubscribe, ["DELETE"], auth=ctx.require_token),
    ]


def seed(ctx: SandboxContext, seed: str) -> None:
    """``large:N``: N // 8 generated subscriptions."""
    insert_generated(ctx, seed, COLLECTION, _large_hook)


def _large_hook(i: int) -> Doc:
    return {
        "event_type": EVENT_TYPES[i % len(EVENT_TYPES)],
        "target_url": f"https://hooks.example.com/large/{i:05d}",
        "secret_key": None,
        "additional_headers": {},
        "retry_countdown_config": None,
        "callback": None,
        "config": {},
        "is_active": True,
    }
