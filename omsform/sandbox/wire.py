"""The sandbox on a real socket: a ``drop`` fault cuts the connection without a single byte.

ASGI gives an application no way to close its connection without answering: a server that sees
the application fail before it started a response sends a 500 of its own. So the served app runs
under :func:`protocol`, uvicorn's HTTP protocol with one addition: each request's scope carries
the connection's ``abort`` (under :data:`ABORT_KEY`). :class:`DropOnWire` calls it when the knobs
drop a connection; under another server (no ``abort`` in the scope) it falls back to a response
head that promises a body which never comes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from omsform.sandbox.knobs import DroppedConnection

ABORT_KEY = "omsform.sandbox.abort"
"""Scope key of a callable that closes the request's connection at once."""


class DropOnWire:
    """ASGI wrapper turning :class:`DroppedConnection` into a connection cut on the wire."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except DroppedConnection:
            abort: Callable[[], None] | None = scope.get(ABORT_KEY)
            if abort is not None:
                abort()
                # let the server notice the lost connection before the app returns, so it
                # neither answers a 500 nor logs a response that was never started
                await asyncio.sleep(0)
                return
            head = [(b"content-length", b"1024"), (b"connection", b"close")]
            await send({"type": "http.response.start", "status": 200, "headers": head})
            await send({"type": "http.response.body", "body": b"", "more_body": True})


def protocol() -> type[asyncio.Protocol]:
    """uvicorn's h11 HTTP protocol, handing each request's connection ``abort`` to the app
    (pass as ``uvicorn.run(..., http=protocol())``)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class AbortableH11Protocol(H11Protocol):
        """H11Protocol whose requests carry :data:`ABORT_KEY`."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            inner = self.app

            async def app(scope: Any, receive: Any, send: Any) -> None:
                scope[ABORT_KEY] = transport.abort
                await inner(scope, receive, send)

            self.app = app

    return AbortableH11Protocol
