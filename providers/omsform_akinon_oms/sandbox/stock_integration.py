"""Akinon OMS sandbox area: the product stock integration (settings reference §1b).

[B] ``GET /api/v1/oms/setup/product-stock-integration/available-stock-engines/`` → a bare JSON
list, one engine type per documented auth style (inventory-engine guide: anonymous, basic auth,
token): ``[{"value", "label", "auth_type"}]`` with values ``anonymous``, ``basic_auth``,
``token`` [P].

[B] ``POST …/execute/`` with ``{url, stock_engine_type, username?, password?}`` → 204; it
configures the one engine at once (no job). 400 when ``url`` is missing or not an http(s) URL,
when ``stock_engine_type`` is unknown, when ``basic_auth``/``token`` lacks ``username`` or
``password``; credentials given to an ``anonymous`` engine are accepted (and unused), unknown
fields ignored, as DRF would (both are 400s under the ``strict_writes`` knob) [P].

[P] ``GET /api/v1/oms/setup/product-stock-integration/`` → the current configuration
``{url, stock_engine_type, username, password}`` with ``password`` masked as ``"********"``
(null when unset); before the first execute every value is null (200, not 404, so a client can
tell "not configured" from "no such endpoint"). By analogy with the other setup steps
[I]: ``is_required/`` → ``{"result": true}`` until configured, ``get_async_status/`` →
``{"result": "READY"}`` before and ``{"result": "FINISHED"}`` after.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.drf import STRICT_WRITES, Field, field_errors, json_body, validate

PATH = "/api/v1/oms/setup/product-stock-integration/"
COLLECTION = "stock_engines"
MASK = "********"

ENGINES: list[dict[str, str]] = [
    {"value": "anonymous", "label": "Stock service, no authentication", "auth_type": "anonymous"},
    {"value": "basic_auth", "label": "Stock service, basic auth", "auth_type": "basic_auth"},
    {"value": "token", "label": "Stock service, token auth", "auth_type": "token"},
]
_NEEDS_CREDENTIALS = {"basic_auth", "token"}


def _url(value: str) -> str | None:
    parts = urlsplit(value)
    return None if parts.scheme in ("http", "https") and parts.netloc else "Enter a valid URL."


_SCHEMA: dict[str, Field] = {
    "url": Field(str, required=True, check=_url),
    "stock_engine_type": Field(str, required=True, choices=tuple(e["value"] for e in ENGINES)),
    "username": Field(str, nullable=True),
    "password": Field(str, nullable=True),
}


def engine_id(ctx: SandboxContext) -> int | None:
    """The configured engine's id (what stock locations show as ``engine``), or None."""
    engines = ctx.store.list(COLLECTION)
    return int(engines[0]["id"]) if engines else None


def current(ctx: SandboxContext) -> dict[str, Any]:
    """The configuration as the API shows it (password masked)."""
    engines = ctx.store.list(COLLECTION)
    doc = engines[0] if engines else {}
    return {
        "url": doc.get("url"),
        "stock_engine_type": doc.get("stock_engine_type"),
        "username": doc.get("username"),
        "password": MASK if doc.get("password") else None,
    }


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """The stock integration endpoints."""

    async def engines(request: Request) -> Response:
        return JSONResponse(ENGINES)

    async def execute(request: Request) -> Response:
        _configure(ctx, await json_body(request))
        return Response(status_code=204)

    async def show(request: Request) -> Response:
        return JSONResponse(current(ctx))

    async def is_required(request: Request) -> Response:
        return JSONResponse({"result": engine_id(ctx) is None})

    async def status(request: Request) -> Response:
        return JSONResponse({"result": "READY" if engine_id(ctx) is None else "FINISHED"})

    return [
        *route(PATH, show, ["GET"], auth=ctx.require_token),
        *route(PATH + "available-stock-engines/", engines, ["GET"], auth=ctx.require_token),
        *route(PATH + "execute/", execute, ["POST"], auth=ctx.require_token),
        *route(PATH + "is_required/", is_required, ["GET"], auth=ctx.require_token),
        *route(PATH + "get_async_status/", status, ["GET"], auth=ctx.require_token),
    ]


def _configure(ctx: SandboxContext, body: dict[str, Any]) -> None:
    """Validate an execute body and store it as the one engine configuration."""
    clean = validate(body, _SCHEMA)
    if clean["stock_engine_type"] in _NEEDS_CREDENTIALS:
        errors = {
            name: [f"This field is required for {clean['stock_engine_type']} engines."]
            for name in ("username", "password")
            if not clean[name]
        }
    elif STRICT_WRITES.get():  # DRF would accept optional fields the engine does not use
        errors = {
            name: ["Not used by anonymous engines."]
            for name in ("username", "password")
            if clean[name]
        }
    else:
        errors = {}
    if errors:
        raise field_errors(errors)
    auth_type = clean["stock_engine_type"]
    clean["engine"] = {
        "auth": {"type": auth_type, "username": clean["username"], "password": clean["password"]},
        "service": {"url": clean["url"], "type": "multiple"},
    }
    with ctx.store.transaction():
        engines = ctx.store.list(COLLECTION)
        if engines:
            ctx.store.update(COLLECTION, engines[0]["id"], clean)
        else:
            ctx.store.insert(COLLECTION, clean)
