"""Real connections through omsform's asyncio network backend (omsform/http/sockets.py), on
both event loops a run may use: HTTPS with its certificate checked, an idle connection the
server closed, answers that never come, come half or come large, refused connections, and a
proxy named in the environment. Servers are small asyncio servers speaking HTTP/1.1 on
loopback; the client is omsform's own, as a run uses it."""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import trustme

from omsform.engine import loop
from omsform.errors import UnreachableError
from omsform.http.client import AmbiguousWriteError, ClientOptions, WriteClient
from omsform.http.transports import proxy_for
from tests.http.test_http import AUTH

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture(params=["uvloop", "asyncio"])
def run(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Runs a test body on the event loop named by the parameter, as a run would."""
    monkeypatch.setenv(loop.LOOP_ENV, request.param)
    assert loop.loop_name() == request.param

    def runner(body: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        return loop.run(body())

    return runner


async def read_request(reader: asyncio.StreamReader) -> str:
    """One request's head (its body, by Content-Length, is read and dropped); "" at EOF."""
    try:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
    except asyncio.IncompleteReadError:
        return ""
    for line in head.split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            await reader.readexactly(int(value))
    return head


def answer(body: Any, status: str = "200 OK") -> bytes:
    """A keep-alive JSON answer."""
    data = json.dumps(body).encode()
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(data)}"
    return head.encode() + b"\r\n\r\n" + data


async def serving(handler: Handler, tls: ssl.SSLContext | None = None) -> asyncio.Server:
    """A loopback server running ``handler`` per connection, closed when the handler ends or
    the test's loop cancels it (uvloop refuses to close a loop with a connection still open)."""

    async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    return await asyncio.start_server(closing, "127.0.0.1", 0, ssl=tls)


def port_of(server: asyncio.Server) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port


def client(url: str, **options: Any) -> WriteClient:
    async def no_pause(seconds: float) -> None:
        await asyncio.sleep(0)

    return WriteClient(url, AUTH, ClientOptions(sleep=no_pause, **options), provider="toy")


# --- TLS ----------------------------------------------------------------------------------------
def _tls_server(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    return context


def test_an_https_api_is_read_with_its_certificate_checked(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))

    connections: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        while await read_request(reader):
            writer.write(answer({"tls": True}))

    async def body() -> list[Any]:
        server = await serving(handler, _tls_server(ca))
        async with server:
            api = client(f"https://localhost:{port_of(server)}", concurrency=1)
            got = [await api.get("/a/"), await api.post("/b/", {"x": 1}), await api.get("/c/")]
            await api.aclose()
        return got

    assert run(body) == [{"tls": True}] * 3
    assert len(connections) == 1  # kept alive: no handshake per request


def test_a_certificate_from_an_unknown_authority_is_refused_and_never_retried(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusted, other = trustme.CA(), trustme.CA()
    trusted.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Never reached: the handshake fails first."""

    async def body() -> str:
        server = await serving(handler, _tls_server(other))
        async with server:
            api = client(f"https://localhost:{port_of(server)}")
            with pytest.raises(UnreachableError) as caught:
                await api.post("/b/", {"x": 1})
            await api.aclose()
        return str(caught.value)

    message = run(body)
    assert "TLS verification failed" in message and "--insecure" in message
    assert "times (" not in message  # not "failed 7 times (...)": never retried


# --- connections that end -----------------------------------------------------------------------
def test_an_idle_connection_the_server_closed_is_not_used_for_the_next_write(run: Any) -> None:
    served: list[str] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.append(await read_request(reader))
        writer.write(answer({"n": len(served)}))  # keep-alive by its headers, then closed
        await writer.drain()

    async def body() -> list[Any]:
        server = await serving(handler)
        async with server:
            api = client(f"http://127.0.0.1:{port_of(server)}")
            first = await api.get("/a/")
            await asyncio.sleep(0.01)  # the server's close reaches the client's socket
            second = await api.post("/b/", {"x": 1})
            await api.aclose()
        return [first, second]

    assert run(body) == [{"n": 1}, {"n": 2}]
    assert [s.split(" ")[0] for s in served] == ["GET", "POST"]


def _cut_short(after: bytes) -> Handler:
    """A server that reads each request, sends ``after`` and closes the connection."""

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(after)
        await writer.drain()

    return handler


@pytest.mark.parametrize("sent", [b"", b"HTTP/1.1 201 Created\r\ncontent-length: 50\r\n\r\n{"])
def test_a_write_whose_answer_is_cut_short_may_have_been_carried_out(run: Any, sent: bytes) -> None:
    async def body() -> None:
        server = await serving(_cut_short(sent))
        async with server:
            api = client(f"http://127.0.0.1:{port_of(server)}")
            with pytest.raises(AmbiguousWriteError, match="may have been carried out"):
                await api.post("/b/", {"x": 1})
            await api.aclose()

    run(body)


def test_a_read_whose_answer_never_comes_is_tried_again_then_given_up(run: Any) -> None:
    requests: list[str] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests.append(await read_request(reader))
        await reader.read()  # never answers; ends when the client gives up the connection

    async def body() -> str:
        server = await serving(silent)
        async with server:
            api = client(f"http://127.0.0.1:{port_of(server)}", timeout_s=0.05, retry_budget=1)
            with pytest.raises(UnreachableError) as caught:
                await api.get("/a/")
            await api.aclose()
        return str(caught.value)

    assert "2 x ReadTimeout" in run(body)
    assert len(requests) == 2


def test_a_refused_connection_is_a_write_never_sent_so_it_is_tried_again(run: Any) -> None:
    async def body() -> str:
        server = await serving(_cut_short(b""))
        port = port_of(server)
        server.close()
        await server.wait_closed()  # nothing listens on the port any more
        api = client(f"http://127.0.0.1:{port}", retry_budget=2)
        with pytest.raises(UnreachableError) as caught:
            await api.post("/b/", {"x": 1})
        await api.aclose()
        return str(caught.value)

    message = run(body)
    assert "3 x ConnectError" in message and "carried out" not in message


def test_an_answer_of_several_megabytes_is_read_whole(run: Any) -> None:
    rows = [{"id": i, "name": f"row {i:07d}", "pad": "x" * 200} for i in range(15_000)]

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(rows))
        await writer.drain()

    async def body() -> Any:
        server = await serving(handler)
        async with server:
            api = client(f"http://127.0.0.1:{port_of(server)}")
            got = await api.get("/big/")
            await api.aclose()
        return got

    assert run(body) == rows  # ~3.5 MB: the client pauses reading and resumes


# --- proxies ------------------------------------------------------------------------------------
def test_a_proxy_named_in_the_environment_carries_the_requests(
    run: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await read_request(reader):
            seen.append(head)
            writer.write(answer({"via": "proxy"}))

    async def body() -> Any:
        server = await serving(proxy)
        async with server:
            monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port_of(server)}")
            api = client("http://oms.example.test", insecure=True)
            got = await api.get("/api/x/")
            await api.aclose()
        return got

    assert run(body) == {"via": "proxy"}
    assert [head.split("\r\n")[0] for head in seen] == [
        "GET http://oms.example.test/api/x/ HTTP/1.1"
    ]
    assert "user-agent: omsform/" in seen[0].lower()  # servers' logs name the tool


def test_no_proxy_exempts_a_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example.test:3128")
    monkeypatch.setenv("NO_PROXY", "oms.internal")
    assert proxy_for("https://api.example.test") == "http://proxy.example.test:3128"
    assert proxy_for("https://oms.internal") is None
