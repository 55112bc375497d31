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
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Protocol

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from omsform.sandbox.drf import STRICT_WRITES, HttpError, detail, field_errors, json_body
from omsform.sandbox.drift import drift_errors
from omsform.sandbox.knobs import DroppedConnection, Knobs, KnobsMiddleware, Stats
from omsform.sandbox.store import Store
from omsform.sandbox.wire import DropOnWire, protocol

ENTRY_POINT_GROUP = "omsform.sandboxes"
DEFAULT_TOKEN = "sandbox-token-0000000000000000000000000000"
SEEDS_HELP = "demo | empty | large:N"


@dataclass
class SandboxContext:
    """What plugin endpoints share: the store, the knobs, the accepted token and the clock
    (seconds since the epoch) that times jobs such as setup steps; tests pass a fake one."""

    store: Store
    knobs: Knobs = field(default_factory=Knobs)
    token: str = DEFAULT_TOKEN
    stats: Stats = field(default_factory=Stats)
    clock: Callable[[], float] = time.time

    def require_token(self, request: Request) -> None:
        """DRF token auth: ``Authorization: Token <t>`` (``Bearer`` accepted too), else 401."""
        header = request.headers.get("authorization", "")
        if not header:
            raise _unauthorized("Authentication credentials were not provided.", "Token")
        scheme, _, value = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or value.strip() != self.token:
            raise _unauthorized("Invalid token.", "Token")

    def require_header(self, request: Request, name: str) -> None:
        """Key auth through a named header (Ginesys' ``X-Api-Key``), else 401."""
        value = request.headers.get(name)
        if value is None:
            raise _unauthorized("Authentication credentials were not provided.", name)
        if value != self.token:
            raise _unauthorized("Invalid API key.", name)


def _unauthorized(message: str, scheme: str) -> HttpError:
    """DRF's 401: the ``WWW-Authenticate`` header names the scheme to use (for token auth,
    ``Token``, as DRF's ``TokenAuthentication.authenticate_header`` answers)."""
    return HttpError(401, {"detail": message}, headers={"WWW-Authenticate": scheme})


class SandboxPlugin(Protocol):
    """One provider's sandbox (see the module docstring)."""

    name: str

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        """The provider's endpoints."""
        ...

    def seed(self, ctx: SandboxContext, seed: str) -> None:
        """Fill an empty store."""
        ...


Handler = Callable[[Request], Awaitable[Response]]


def endpoint(handler: Handler) -> Handler:
    """Wrap a handler so a raised :class:`HttpError` becomes its DRF-shaped response."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except HttpError as exc:
            return exc.response()

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


Auth = Callable[[Request], None]
"""An authentication check: returns, or raises the 401 :class:`HttpError`."""


def route(
    path: str, handler: Handler, methods: list[str], *, auth: Auth | None = None
) -> list[BaseRoute]:
    """The route with and without its trailing slash (the OMS accepts both); other methods → 405
    in DRF's shape. ``auth`` runs first, as DRF authenticates before it checks the method: a
    wrong method without credentials is a 401, not a 405."""

    async def dispatch(request: Request) -> Response:
        if auth is not None:
            try:
                auth(request)
            except HttpError as exc:
                return exc.response()
        if request.method not in methods and not (request.method == "HEAD" and "GET" in methods):
            return JSONResponse(
                {"detail": f'Method "{request.method}" not allowed.'},
                status_code=405,
                headers={"Allow": ", ".join(methods)},
            )
        ctx = getattr(request.app.state, "ctx", None)
        strict = STRICT_WRITES.set(bool(ctx is not None and ctx.knobs.strict_writes))
        try:
            return await endpoint(handler)(request)
        finally:
            STRICT_WRITES.reset(strict)

    dispatch.__name__ = handler.__name__
    bare = path.rstrip("/")
    # every method reaches ``dispatch``, which authenticates before refusing one
    every = _AnyMethod(dispatch)
    return [Route(bare + "/", every, methods=None), Route(bare, every, methods=None)]


class _AnyMethod:
    """An endpoint Starlette routes every HTTP method to (a plain function would be GET-only,
    and a method list would let Starlette answer 405 before authentication)."""

    def __init__(self, handler: Handler) -> None:
        self._app = request_response(handler)
        self.__name__ = handler.__name__

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def plugins() -> list[SandboxPlugin]:
    """Every installed sandbox plugin."""
    return [ep.load() for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)]


def parse_seed(seed: str) -> str:
    """Check a seed name; raise ``ValueError`` naming the choices."""
    if seed in ("demo", "empty") or (seed.startswith("large:") and seed[6:].isdigit()):
        return seed
    raise ValueError(f"unknown seed {seed!r}: use {SEEDS_HELP}")


def seed_store(ctx: SandboxContext, seed: str, plugin_list: list[SandboxPlugin]) -> None:
    """Wipe the store and seed every plugin."""
    ctx.store.wipe()
    for plugin in plugin_list:
        plugin.seed(ctx, seed)
    ctx.store.meta_set("sandbox:seed", seed)


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
    routes: list[BaseRoute] = _admin_routes(ctx, found)
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


def _admin_routes(ctx: SandboxContext, found: list[SandboxPlugin]) -> list[BaseRoute]:
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
        *route("/_sandbox/stats", stats, ["GET"]),
        *route("/_sandbox/stats/reset", stats_reset, ["POST"]),
        *route("/_sandbox/reset", reset, ["POST"]),
        *route("/_sandbox/knobs", knobs, ["GET", "POST"]),
        *route("/_sandbox/objects/{collection}", objects, ["GET"]),
        *route("/_sandbox/objects/{collection}/{id:int}", ui_edit, ["PATCH"]),
    ]


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
