"""The sandbox plugin contract: what a provider's sandbox receives (:class:`SandboxContext`),
what it is (:class:`SandboxPlugin`), how it declares endpoints (:func:`route`), and how the
installed plugins are found and seeded. Import these names from :mod:`omsform.sandbox`."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, request_response
from starlette.types import Receive, Scope, Send

from omsform.sandbox.drf import STRICT_WRITES, HttpError
from omsform.sandbox.knobs import Knobs, Stats
from omsform.sandbox.store import Store

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
