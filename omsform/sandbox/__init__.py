"""Serving the provider sandboxes: one ASGI app, SQLite-backed, for tests, demos and benchmarks.

Each provider ships a sandbox *plugin* — an independent reading of that system's API
documentation that never imports the provider's client code — registered under the
``omsform.sandboxes`` entry-point group. A plugin is an object with:

- ``name``: the provider name;
- ``routes(ctx: SandboxContext) -> list[BaseRoute]``: its endpoints, made with :func:`route`
  (``auth=`` :meth:`SandboxContext.require_token` or a :meth:`SandboxContext.require_header`
  check);
- ``seed(ctx: SandboxContext, seed: str) -> None``: fills an empty store for ``demo``,
  ``empty`` or ``large:N``.

:func:`build_app` combines every plugin behind the :mod:`knobs <omsform.sandbox.knobs>` and
adds the ``/_sandbox/`` admin endpoints (stats, reset, knobs, raw object edits "as a person in
the UI would"). :func:`transport` mounts it in-process for httpx; :func:`serve` runs uvicorn.

Owns: the app and its transports (here), the plugin contract (:mod:`~omsform.sandbox.plugin`,
re-exported here), the admin endpoints (:mod:`~omsform.sandbox.admin`), DRF conventions
(:mod:`~omsform.sandbox.drf`, :mod:`~omsform.sandbox.crud`), the SQLite store, the knobs and the
wire-level drops. May import: only ``omsform.sandbox`` itself (the sandbox never shares code
with the clients it tests), starlette, httpx, uvicorn.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from omsform.sandbox.admin import admin_routes
from omsform.sandbox.knobs import DroppedConnection, Knobs, KnobsMiddleware
from omsform.sandbox.plugin import (
    DEFAULT_TOKEN,
    ENTRY_POINT_GROUP,
    SEEDS_HELP,
    Auth,
    Handler,
    SandboxContext,
    SandboxPlugin,
    endpoint,
    parse_seed,
    plugins,
    route,
    seed_store,
)
from omsform.sandbox.store import Store
from omsform.sandbox.wire import DropOnWire, protocol

__all__ = [
    "DEFAULT_TOKEN",
    "ENTRY_POINT_GROUP",
    "SEEDS_HELP",
    "Auth",
    "Handler",
    "SandboxContext",
    "SandboxPlugin",
    "SandboxTransport",
    "build_app",
    "describe_routes",
    "endpoint",
    "new_token",
    "parse_seed",
    "plugins",
    "route",
    "seed_store",
    "serve",
    "transport",
    "wire_app",
]


def build_app(
    store: Store,
    *,
    knobs: Knobs | None = None,
    token: str = DEFAULT_TOKEN,
    seed: str = "demo",
    plugin_list: list[SandboxPlugin] | None = None,
    knobs_middleware: bool = True,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The combined sandbox app over ``store`` (seeded with ``seed`` if the store is new).

    With ``knobs_middleware=False`` the caller wraps the knobs itself (outside Starlette's error
    middleware, which would otherwise turn a dropped connection into a 500). ``clock`` times
    the sandbox's jobs (see :class:`SandboxContext`) and drives the ``rate_limit_per_s`` knob
    (tests pass a fake one).
    """
    found = plugins() if plugin_list is None else plugin_list
    ctx = SandboxContext(store=store, knobs=knobs or Knobs(), token=token, clock=clock)
    if store.meta_get("sandbox:seed") is None:
        seed_store(ctx, parse_seed(seed), found)
    routes: list[BaseRoute] = admin_routes(ctx, found)
    for plugin in found:
        routes += plugin.routes(ctx)
    app = Starlette(routes=routes, exception_handlers={HTTPException: _drf_http_error})
    if knobs_middleware:
        app.add_middleware(KnobsMiddleware, knobs=ctx.knobs, stats=ctx.stats, clock=clock)
    app.state.ctx = ctx
    return app


async def _drf_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (no route, or an ``{id:int}`` that is not an int) and 405 in DRF's
    JSON shape, so no path of the sandbox answers plain text."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        body = {"detail": "Not found."}
    elif exc.status_code == 405:
        body = {"detail": f'Method "{request.method}" not allowed.'}
    else:
        body = {"detail": exc.detail}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


class SandboxTransport(httpx.AsyncBaseTransport):
    """httpx transport into the app in-process; a dropped connection surfaces exactly as
    ``httpx.RemoteProtocolError``, as it would from a real server."""

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send one request into the app."""
        try:
            return await self._inner.handle_async_request(request)
        except DroppedConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None


def transport(app: ASGIApp) -> SandboxTransport:
    """An in-process httpx transport for ``app``."""
    return SandboxTransport(app)


def new_token() -> str:
    """A random token for a served sandbox."""
    return secrets.token_hex(20)


def serve(
    *,
    host: str,
    port: int,
    db: str | Path,
    token: str,
    seed: str,
    knobs: Knobs,
    log_level: str = "warning",
) -> None:
    """Serve every plugin with uvicorn in the foreground until interrupted."""
    import uvicorn

    uvicorn.run(
        wire_app(Store(db), knobs=knobs, token=token, seed=seed),
        http=protocol(),
        host=host,
        port=port,
        log_level=log_level,
    )


def wire_app(store: Store, *, knobs: Knobs, token: str, seed: str) -> ASGIApp:
    """The app as served on a socket: knobs outermost, so a drop really cuts the connection
    (without any response bytes when served with :func:`omsform.sandbox.wire.protocol`)."""
    app = build_app(store, knobs=knobs, token=token, seed=seed, knobs_middleware=False)
    ctx: SandboxContext = app.state.ctx
    return DropOnWire(KnobsMiddleware(app, knobs=ctx.knobs, stats=ctx.stats))


def describe_routes(app: Starlette) -> list[dict[str, Any]]:
    """The app's paths (for ``--help`` style listings and tests)."""
    return [{"path": getattr(r, "path", "")} for r in app.routes]
