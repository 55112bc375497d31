"""The HTTP client against the toy API (real HTTP semantics through httpx's ASGI transport)."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from omsform.errors import ApiError, AuthError, ProviderError, UnreachableError
from omsform.http.client import (
    AmbiguousWriteError,
    ApiClient,
    ClientOptions,
    WriteClient,
    is_ambiguous,
)
from tests.fixtures.toy_api import TOKEN, ToyApi

AUTH = {"Authorization": f"Token {TOKEN}"}


class FakeClock:
    """A clock that only moves when something sleeps (each pause recorded in ``sleeps``)."""

    def __init__(self, sleeps: list[float] | None = None) -> None:
        self.now, self.sleeps = 1000.0, sleeps

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if self.sleeps is not None:
            self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def make_client(
    app: Any,
    sleeps: list[float] | None = None,
    token: str = TOKEN,
    clock: FakeClock | None = None,
    **options: Any,
) -> WriteClient:
    """A client for ``app`` whose pauses are recorded instead of slept (they move a fake clock
    on), and whose jitter is 1."""
    clock = clock or FakeClock(sleeps)
    return WriteClient(
        "http://toy",
        {"Authorization": f"Token {token}"},
        ClientOptions(transport=httpx.ASGITransport(app=app), clock=clock, **options),
        provider="toy",
        sleep=clock.sleep,
        rng=lambda: 1.0,
    )


def run(body: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(body())


def seed(api: ToyApi, n: int, coll: str = "groups") -> None:
    for i in range(n):
        api.add(coll, name=f"g{i:04d}")


# --- listing ----------------------------------------------------------------------------------
def test_list_all_reads_page_one_then_the_rest_and_returns_every_object() -> None:
    api = ToyApi()
    seed(api, 250)

    async def body() -> list[dict[str, Any]]:
        async with make_client(api) as client:
            return await client.list_all("/api/groups/")

    rows = run(body)
    assert sorted(r["name"] for r in rows) == api.names("groups")
    gets = [p for m, p, _ in api.log if m == "GET"]
    assert gets == ["/api/groups/"] * 3  # ⌈250/100⌉ list calls, nothing else


def test_list_all_fetches_the_remaining_pages_at_the_same_time() -> None:
    api = ToyApi()
    seed(api, 450)
    waiting: list[int] = []
    all_here = asyncio.Event()

    async def barrier(scope: Scope, receive: Receive, send: Send) -> None:
        # pages 2..5 wait for each other: answered only if all four are in flight together
        if b"page=" in scope.get("query_string", b""):
            waiting.append(1)
            if len(waiting) == 4:
                all_here.set()
            await asyncio.wait_for(all_here.wait(), timeout=5)
        await api(scope, receive, send)

    async def body() -> int:
        async with make_client(barrier) as client:
            return len(await client.list_all("/api/groups/"))

    assert run(body) == 450
    assert len(waiting) == 4


def test_a_listing_that_shifts_between_pages_is_read_again() -> None:
    api = ToyApi()
    seed(api, 150)
    api.faults.insert_between_pages = 1  # after page 1, an object sorting first appears

    async def body() -> list[dict[str, Any]]:
        async with make_client(api) as client:
            return await client.list_all("/api/groups/")

    rows = run(body)
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names)) == 151
    assert sorted(names) == api.names("groups")
    assert api.count("GET") == 4  # two pages, twice


def test_a_listing_that_keeps_shifting_fails_instead_of_returning_part_of_it() -> None:
    api = ToyApi()
    seed(api, 150)
    api.faults.insert_between_pages = 10

    async def body() -> None:
        async with make_client(api) as client:
            await client.list_all("/api/groups/")

    with pytest.raises(ProviderError, match="inconsistent twice"):
        run(body)


def test_a_listing_whose_count_does_not_match_its_objects_fails() -> None:
    async def liar(scope: Scope, receive: Receive, send: Send) -> None:
        body = b'{"count": 3, "next": null, "previous": null, "results": [{"id": 1}, {"id": 1}]}'
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    async def body() -> None:
        async with make_client(liar) as client:
            await client.list_all("/api/x/")

    with pytest.raises(ProviderError, match="count 3 but 2 objects"):
        run(body)


def test_a_plain_json_list_is_returned_as_is() -> None:
    async def body() -> list[dict[str, Any]]:
        async with make_client(ToyApi()) as client:
            return await client.list_all("/api/plain/")

    assert run(body) == [{"id": 1, "name": "only"}]


def test_a_page_answered_503_is_retried_after_a_backoff() -> None:
    api = ToyApi()
    seed(api, 120)
    api.faults.unavailable = 1
    sleeps: list[float] = []

    async def body() -> int:
        async with make_client(api, sleeps) as client:
            return len(await client.list_all("/api/groups/"))

    assert run(body) == 120
    assert sleeps == [0.25]  # full jitter with the random draw pinned to 1: the first cap


# --- retries and errors -----------------------------------------------------------------------
def test_retry_after_in_seconds_is_waited_exactly() -> None:
    api = ToyApi()
    api.faults.throttled, api.faults.retry_after = 1, "2"
    sleeps: list[float] = []

    async def body() -> Any:
        async with make_client(api, sleeps) as client:
            return await client.get("/api/groups/")

    assert run(body)["count"] == 0
    assert sleeps == [2.0]
    assert api.count("GET") == 2


def test_retry_after_as_an_http_date_is_honoured() -> None:
    api = ToyApi()
    api.faults.throttled = 1
    api.faults.retry_after = email.utils.formatdate(time.time() + 30, usegmt=True)
    sleeps: list[float] = []

    async def body() -> Any:
        async with make_client(api, sleeps) as client:
            return await client.get("/api/groups/")

    run(body)
    assert len(sleeps) == 1 and 25 <= sleeps[0] <= 30


def test_a_server_that_only_answers_503_stops_within_the_budget_with_a_summary() -> None:
    api = ToyApi()
    api.faults.unavailable = 1000
    sleeps: list[float] = []

    async def body() -> tuple[str, int]:
        async with make_client(api, sleeps, retry_budget=3, max_backoff_s=1.0) as client:
            with pytest.raises(UnreachableError) as first:
                await client.get("/api/groups/")
            sent = api.count("GET")
            with pytest.raises(UnreachableError):  # later requests fail at once
                await client.get("/api/items/")
            assert api.count("GET") == sent
            return str(first.value), sent

    message, sent = run(body)
    assert sent == 4  # the first try and 3 retries
    assert sleeps == [0.25, 0.5, 1.0]  # 0.25·2ⁿ capped at max_backoff_s
    assert "failed 4 times (4 x 503)" in message and "toy" in message


def test_401_is_one_request_and_a_message_about_the_token() -> None:
    api = ToyApi()

    async def body() -> str:
        async with make_client(api, token="wrong-token-123") as client:
            with pytest.raises(AuthError) as caught:
                await client.get("/api/groups/")
            return str(caught.value)

    message = run(body)
    assert api.count("GET") == 1
    assert "token" in message and "providers.toy" in message
    assert "wrong-token-123" not in message


def test_400_is_not_retried_and_its_field_errors_are_summarised() -> None:
    api = ToyApi()
    api.add("groups", name="taken")

    async def body() -> ApiError:
        async with make_client(api) as client:
            with pytest.raises(ApiError) as caught:
                await client.post("/api/groups/", {"name": "taken"})
            return caught.value

    error = run(body)
    assert error.status == 400 and api.count("POST") == 1
    assert error.detail == "name: toy with this name already exists."


def test_http_is_refused_for_remote_hosts_without_any_request() -> None:
    for url in ("http://10.1.2.3", "http://oms.example.com/api"):
        with pytest.raises(ProviderError, match="--insecure"):
            ApiClient(url, AUTH, ClientOptions(), provider="toy")


def test_http_is_allowed_for_loopback_and_with_insecure() -> None:
    async def body() -> None:
        for url in ("http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"):
            await ApiClient(url, AUTH, ClientOptions(), provider="toy").aclose()
        insecure = ClientOptions(insecure=True)
        await ApiClient("http://10.1.2.3", AUTH, insecure, provider="toy").aclose()
        await ApiClient("https://oms.example.com", AUTH, ClientOptions(), provider="toy").aclose()

    run(body)


def test_a_tls_failure_is_reported_once_and_never_retried() -> None:
    connections: list[int] = []

    async def plain_server(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)  # speaks plain HTTP to a TLS client: the handshake fails
        writer.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    async def body() -> str:
        server = await asyncio.start_server(plain_server, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            client = ApiClient(f"https://127.0.0.1:{port}", AUTH, ClientOptions(), provider="toy")
            with pytest.raises(UnreachableError) as caught:
                await client.get("/api/groups/")
            await client.aclose()
        return str(caught.value)

    message = run(body)
    assert "TLS" in message and "--insecure" in message
    assert len(connections) == 1


# --- writes -------------------------------------------------------------------------------------
def test_a_post_whose_connection_drops_after_commit_is_ambiguous_and_not_repeated() -> None:
    api = ToyApi()
    api.faults.post_drop_after_commit = 1

    async def body() -> BaseException:
        async with make_client(api) as client:
            with pytest.raises(AmbiguousWriteError) as caught:
                await client.post("/api/groups/", {"name": "g"})
            return caught.value

    error = run(body)
    assert is_ambiguous(error)
    assert api.count("POST") == 1 and api.names("groups") == ["g"]


def test_a_post_answered_504_is_ambiguous() -> None:
    api = ToyApi()
    api.faults.post_504_after_commit = 1

    async def body() -> BaseException:
        async with make_client(api) as client:
            with pytest.raises(ApiError) as caught:
                await client.post("/api/groups/", {"name": "g"})
            return caught.value

    assert is_ambiguous(run(body))
    assert api.count("POST") == 1


def test_a_post_refused_with_429_is_retried_because_it_was_not_processed() -> None:
    api = ToyApi()
    api.faults.throttled, api.faults.retry_after = 1, "1"
    sleeps: list[float] = []

    async def body() -> Any:
        async with make_client(api, sleeps) as client:
            return await client.post("/api/groups/", {"name": "g"})

    assert run(body)["name"] == "g"
    assert sleeps == [1.0] and api.names("groups") == ["g"]


def test_a_post_answered_503_without_retry_after_is_not_retried() -> None:
    api = ToyApi()
    api.faults.unavailable = 1

    async def body() -> ApiError:
        async with make_client(api) as client:
            with pytest.raises(ApiError) as caught:
                await client.post("/api/groups/", {"name": "g"})
            return caught.value

    assert run(body).status == 503
    assert api.count("POST") == 1


def test_patch_and_delete_and_a_delete_of_something_gone() -> None:
    api = ToyApi()
    obj = api.add("groups", name="g")

    async def body() -> Any:
        async with make_client(api) as client:
            patched = await client.patch(f"/api/groups/{obj['id']}/", {"note": "n"})
            await client.delete(f"/api/groups/{obj['id']}/")
            await client.delete(f"/api/groups/{obj['id']}/")  # 404: already deleted
            return patched, dict(client.stats)

    patched, stats = run(body)
    assert patched["note"] == "n" and api.names("groups") == []
    assert stats == {"PATCH": 1, "DELETE": 2}


def test_the_read_only_view_has_no_write_methods_and_shares_the_pool() -> None:
    api = ToyApi()

    async def body() -> None:
        async with make_client(api) as client:
            view = client.read_only()
            assert not isinstance(view, WriteClient)
            assert not hasattr(view, "post") and not hasattr(view, "delete")
            await view.get("/api/groups/")
            await view.aclose()  # the owner closes the pool, not a view
            await view.get("/api/groups/")
            assert client.stats["GET"] == 2

    run(body)


def test_the_debug_log_shows_requests_but_never_the_token_or_a_secret() -> None:
    api = ToyApi()
    api.faults.reject = {"bad": 400}
    canary = "canary-5f1c2e9a"
    lines: list[str] = []

    async def body() -> str:
        options: dict[str, Any] = {"debug_log": lines.append, "secrets": frozenset({canary})}
        async with make_client(api, **options) as client:
            await client.get("/api/groups/", {"q": canary})
            with pytest.raises(ApiError) as caught:
                await client.post("/api/groups/", {"name": "bad", "password": canary})
            return str(caught.value)

    message = run(body)
    text = "\n".join(lines)
    assert "GET http://toy/api/groups/?q=(sensitive) → 200" in text
    assert "POST http://toy/api/groups/ → 400" in text and "bytes" in text
    assert canary not in text and TOKEN not in text and "Authorization" not in text
    assert canary not in message and "password: '(sensitive)' is not acceptable." in message


def test_gets_are_retried_after_a_dropped_connection() -> None:
    calls: list[int] = []
    api = ToyApi()

    async def flaky(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadError("connection reset by peer")
        await api(scope, receive, send)

    sleeps: list[float] = []

    async def body() -> Any:
        async with make_client(flaky, sleeps) as client:
            return await client.get("/api/groups/")

    assert run(body)["count"] == 0
    assert len(calls) == 2 and sleeps == [0.25]


# --- a real server --------------------------------------------------------------------------
@pytest.mark.slow
def test_against_a_real_uvicorn_server_on_loopback() -> None:
    import socket
    import threading

    import uvicorn

    api = ToyApi()
    seed(api, 150)
    api.faults.post_drop_after_commit = 1
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(api, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            time.sleep(0.01)
        assert server.started

        async def body() -> tuple[int, BaseException]:
            client = WriteClient(f"http://127.0.0.1:{port}", AUTH, ClientOptions(), provider="toy")
            async with client:
                rows = await client.list_all("/api/groups/")
                with pytest.raises(AmbiguousWriteError) as caught:
                    await client.post("/api/groups/", {"name": "dropped"})
                return len(rows), caught.value

        count, error = run(body)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert count == 150
    assert is_ambiguous(error) and "RemoteProtocolError" in str(error)
    assert api.names("groups").count("dropped") == 1
