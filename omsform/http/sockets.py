"""The connections httpcore speaks HTTP over, made directly on the running asyncio event loop
(an :class:`httpcore.AsyncNetworkBackend`, httpcore's documented extension point).

httpcore's own backend goes through anyio: every read and write opens a cancel scope and a
``fail_after`` timer, asks sniffio which library runs and polls the socket — about a sixth of
omsform's CPU per write in ``apply`` (spec §11 P6). Here a connection is an asyncio
:class:`~asyncio.Protocol` that collects what arrives; a read takes it, or waits on one future
with one timer handle for its timeout. What httpcore is told stays the same: a refused or
timed-out connection or TLS handshake is a ``ConnectError``/``ConnectTimeout`` (nothing was
sent: a write may be tried again), a connection that fails later a ``ReadError``/
``WriteError`` or an empty read (what was sent may have been carried out), a slow answer a
``ReadTimeout``, and an idle connection the server closed reads as "readable", so it is never
reused for a request.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any, cast

import httpcore

_PAUSE_READING_AT = 1 << 20  # bytes waiting: stop reading the socket until httpcore catches up
_SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


class _Connection(asyncio.Protocol):
    """What arrived on one connection and who waits for it."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.closed = False  # the server closed its side, or the connection broke
        self.error: Exception | None = None  # why it broke
        self.reader: asyncio.Future[None] | None = None
        self.reading_paused = False
        self.drained: asyncio.Future[None] | None = None  # set while writes are paused

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only alike
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) >= _PAUSE_READING_AT and self.transport is not None:
            self.transport.pause_reading()
            self.reading_paused = True
        self._wake_reader()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake_reader()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed, self.error = True, exc
        self._wake_reader()
        self.resume_writing()

    def pause_writing(self) -> None:
        self.drained = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        drained, self.drained = self.drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def _wake_reader(self) -> None:
        if self.reader is not None and not self.reader.done():
            self.reader.set_result(None)


async def _wait(future: asyncio.Future[None], timeout: float | None, error: Exception) -> None:
    """Wait for ``future``; ``error`` once ``timeout`` seconds have passed (one timer handle,
    no task: this runs for every read)."""
    if timeout is None:
        await future
        return
    timer = asyncio.get_running_loop().call_later(timeout, _fail, future, error)
    try:
        await future
    finally:
        timer.cancel()


def _fail(future: asyncio.Future[None], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)


class Stream(httpcore.AsyncNetworkStream):
    """One open connection (plain or TLS) as httpcore uses it."""

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport, self._connection = transport, connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Up to ``max_bytes`` that arrived (waiting for some); ``b""`` once the server closed."""
        conn = self._connection
        if not conn.received and not conn.closed:
            conn.reader = asyncio.get_running_loop().create_future()
            try:
                await _wait(conn.reader, timeout, httpcore.ReadTimeout("timed out reading"))
            finally:
                conn.reader = None
        if conn.received:
            return self._take(max_bytes)
        if conn.error is not None:
            raise httpcore.ReadError(str(conn.error) or type(conn.error).__name__)
        return b""

    def _take(self, max_bytes: int) -> bytes:
        conn = self._connection
        if len(conn.received) <= max_bytes:
            data = bytes(conn.received)
            conn.received.clear()
        else:
            data = bytes(conn.received[:max_bytes])
            del conn.received[:max_bytes]
        if conn.reading_paused and len(conn.received) < _PAUSE_READING_AT:
            conn.reading_paused = False
            self._transport.resume_reading()
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Hand ``buffer`` to the connection; wait while the kernel's buffer is full."""
        conn = self._connection
        if conn.closed or self._transport.is_closing():
            raise httpcore.WriteError(str(conn.error or "the connection is closed"))
        if buffer:
            self._transport.write(buffer)
        if conn.drained is not None:
            await _wait(conn.drained, timeout, httpcore.WriteTimeout("timed out writing"))
            if conn.error is not None:
                raise httpcore.WriteError(str(conn.error))

    async def aclose(self) -> None:
        """Close the connection (without waiting for the server)."""
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> Stream:
        """This connection after a TLS handshake; a failed or slow handshake is a connect
        failure (nothing was sent) and closes the connection."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                tls = await loop.start_tls(
                    self._transport, self._connection, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError as exc:
            self._transport.close()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from exc
        except (OSError, ssl.SSLError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc)) from exc
        if tls is None:  # the loop had closed the connection meanwhile
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        self._connection.transport = tls  # what reading is paused on from now on
        return Stream(tls, self._connection)

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks of a connection: ``ssl_object``, the addresses, the socket, and
        ``is_readable`` (an idle connection is readable only when the server closed it)."""
        if info == "is_readable":
            conn = self._connection
            return bool(conn.received) or conn.closed or _readable(self._transport)
        names = {"client_addr": "sockname", "server_addr": "peername"}
        return self._transport.get_extra_info(names.get(info, info))


def _readable(transport: asyncio.Transport) -> bool:
    """Whether the socket has something the event loop has not read yet (a close that came in
    since the loop last looked): an idle connection must not be reused then."""
    sock = transport.get_extra_info("socket")
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if not hasattr(select, "poll"):  # Windows
        return bool(select.select([fd], [], [], 0)[0])
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    return bool(poll.poll(0))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections on the running asyncio event loop (uvloop's, when it runs)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[_SocketOption] | None = None,
    ) -> Stream:
        """A connection to ``host:port``; a refusal or a timeout is a connect failure."""
        loop = asyncio.get_running_loop()
        local = None if local_address is None else (local_address, 0)
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await loop.create_connection(
                    _Connection, host, port, local_addr=local
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        sock: socket.socket = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return Stream(transport, connection)

    async def sleep(self, seconds: float) -> None:
        """Pause (httpcore's retries of a failed connect)."""
        await asyncio.sleep(seconds)
