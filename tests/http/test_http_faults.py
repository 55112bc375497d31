"""The HTTP client under faults: what a POST is (never) repeated after, its idempotency key,
listings that are not complete, pacing under a rate limit, and error bodies carrying secrets.

Servers are small ASGI apps (the toy API, or a wrapper around it) reached through httpx's ASGI
transport; pauses move a fake clock instead of sleeping.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from typing import Any

import pytest
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from omsform.errors import ApiError, ProviderError
from omsform.http.client import gather_all, idempotency_scope, is_ambiguous
from omsform.http.pace import Pacer
from tests.fixtures.toy_api import ToyApi
from tests.http.test_http import FakeClock, make_client, run, seed


async def _discard(message: Message) -> None:
    """Throw an answer away (the server did the work; a proxy answers instead)."""


class Wrapped:
    """The toy API behind a proxy: records request headers, and can answer ``status`` (with
    ``Retry-After``) to the next ``times`` requests of ``method``, before or after the toy API
    carried them out."""

    def __init__(self, method: str = "", status: int = 0, times: int = 0, commit: bool = True):
        self.api = ToyApi()
        self.method, self.status, self.times, self.commit = method, status, times, commit
        self.headers: list[tuple[str, dict[str, str]]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            head = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            self.headers.append((scope["method"], head))
        if scope.get("method") == self.method and self.times > 0:
            self.times -= 1
            if self.commit:
                await self.api(scope, receive, _discard)
            answer = JSONResponse({"detail": "Upstream timed out."}, self.status)
            answer.headers["Retry-After"] = "1"
            await answer(scope, receive, send)
            return
        await self.api(scope, receive, send)

    def keys(self) -> list[str]:
        return [h.get("idempotency-key", "") for m, h in self.headers if m == "POST"]


# --- item 7: a POST is never repeated after an answer (but 429) ------------------------------
def test_a_post_committed_then_answered_503_with_retry_after_is_ambiguous_and_sent_once() -> None:
    server = Wrapped("POST", 503, times=1, commit=True)  # a proxy gave up after the commit
    sleeps: list[float] = []

    async def body() -> ApiError:
        async with make_client(server, sleeps) as client:
            with pytest.raises(ApiError) as caught:
                await client.post("/api/groups/", {"name": "g"})
            return caught.value

    error = run(body)
    assert error.status == 503 and is_ambiguous(error)  # apply looks it up by key first
    assert len(server.keys()) == 1 and server.api.names("groups") == ["g"]  # no duplicate
    assert sleeps == []


def test_a_patch_answered_503_with_retry_after_is_repeated_since_repeating_it_is_harmless() -> None:
    server = Wrapped("PATCH", 503, times=1, commit=False)
    obj = server.api.add("groups", name="g")
    sleeps: list[float] = []

    async def body() -> Any:
        async with make_client(server, sleeps) as client:
            return await client.patch(f"/api/groups/{obj['id']}/", {"name": "h"})

    assert run(body)["name"] == "h"
    assert sleeps == [1.0]


def test_a_post_refused_with_429_is_repeated_with_the_same_idempotency_key() -> None:
    server = Wrapped("POST", 429, times=1, commit=False)  # throttled before the view ran

    async def body() -> Any:
        async with make_client(server) as client:
            return await client.post("/api/groups/", {"name": "g"})

    assert run(body)["name"] == "g"
    first, second = server.keys()
    assert first == second and uuid.UUID(first).version == 4
    assert server.api.names("groups") == ["g"]


def test_each_create_has_its_own_key_and_a_caller_can_choose_or_scope_it() -> None:
    server = Wrapped()

    async def body() -> str:
        async with make_client(server) as client:
            await client.post("/api/groups/", {"name": "a"})
            await client.post("/api/groups/", {"name": "b"})
            await client.post("/api/groups/", {"name": "c"}, idempotency_key="mine-1")
            with idempotency_scope() as base:  # apply's create: kept for a re-run
                await client.post("/api/groups/", {"name": "d"})
                await client.post("/api/tests/", {"name": "d"})  # another step
            with idempotency_scope(base), pytest.raises(ApiError):  # the same create again
                await client.post("/api/groups/", {"name": "d"})  # (the toy API: 400 taken)
            return base

    base = run(body)
    a, b, c, d, d_step, d_again = server.keys()
    assert a != b and c == "mine-1" and uuid.UUID(base)
    assert d == d_again and d_step not in (d, a, b)


# --- item 6: listings accepted only when complete -------------------------------------------
def _pages(*pages: dict[str, Any]) -> Any:
    """An app answering ``pages`` by its ``page`` (or ``cursor``) query parameter."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        query = dict(p.split("=", 1) for p in scope["query_string"].decode().split("&") if p)
        n = int(query.get("page") or query.get("cursor") or 1)
        body = json.dumps(pages[n - 1]).encode()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app


def _rows(*ids: int) -> list[dict[str, Any]]:
    return [{"id": i, "name": f"n{i}"} for i in ids]


NEXT2, NEXT3 = "http://toy/api/x/?page=2", "http://toy/api/x/?page=3"
INCOMPLETE: dict[str, tuple[list[dict[str, Any]], str]] = {
    "neither count nor next": (
        [{"results": _rows(1, 2)}],
        "page 1 has neither `count` nor `next`",
    ),
    "count lower than the rows": (
        [{"count": 1, "next": None, "results": _rows(1, 2)}],
        "`count` is 1 but page 1 alone has 2",
    ),
    "count of the page only, next kept": (
        [{"count": 2, "next": NEXT2, "results": _rows(1, 2)}, {"count": 2, "results": _rows(3)}],
        "page 1 of 2 objects still links a next page",
    ),
    "next null before the end": (
        [{"count": 3, "next": None, "results": _rows(1, 2)}],
        "count 3 but 2 objects",
    ),
    "an id repeated": (
        [
            {"count": 4, "next": NEXT2, "results": _rows(1, 2)},
            {"count": 4, "next": None, "results": _rows(2, 3)},
        ],
        "id 2 listed twice",
    ),
    "a later page without count or next": (
        [{"next": NEXT2, "results": _rows(1, 2)}, {"results": _rows(3)}],
        "page 2 has neither `count` nor `next`",
    ),
    "count not a number": (
        [{"count": "2", "next": None, "results": _rows(1, 2)}],
        "`count` is '2'",
    ),
    "a cursor loop": (
        [{"next": NEXT2, "results": _rows(1)}, {"next": NEXT2, "results": _rows(2)}],
        "links 'http://toy/api/x/?page=2' again",
    ),
}


@pytest.mark.parametrize("shape", sorted(INCOMPLETE))
def test_an_incomplete_listing_is_refused_naming_the_path_and_the_problem(shape: str) -> None:
    pages, problem = INCOMPLETE[shape]

    async def body() -> None:
        async with make_client(_pages(*pages)) as client:
            await client.list_all("/api/x/")

    with pytest.raises(ProviderError) as caught:
        run(body)
    assert "/api/x/" in str(caught.value) and problem in str(caught.value)


def test_a_listing_without_count_is_read_by_following_next_to_its_end() -> None:
    pages = (
        {"next": NEXT2, "results": _rows(1, 2)},
        {"next": NEXT3, "results": _rows(3)},
        {"next": None, "results": _rows(4)},
    )

    async def body() -> list[dict[str, Any]]:
        async with make_client(_pages(*pages)) as client:
            return await client.list_all("/api/x/")

    assert [r["id"] for r in run(body)] == [1, 2, 3, 4]


def test_a_next_link_to_another_host_is_read_from_our_own_path() -> None:
    seen: list[str] = []
    inner = _pages(
        {"next": "https://evil.example/steal?page=2", "results": _rows(1)},
        {"next": None, "results": _rows(2)},
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(f"{scope['server'][0]}{scope['path']}")
        await inner(scope, receive, send)

    async def body() -> list[dict[str, Any]]:
        async with make_client(app) as client:
            return await client.list_all("/api/x/")

    assert [r["id"] for r in run(body)] == [1, 2]
    assert seen == ["toy/api/x/", "toy/api/x/"]


# --- item 8: pacing -------------------------------------------------------------------------
class RateLimited:
    """The toy API behind a limit of ``per_s`` requests in any second (a sliding window, as the
    sandbox's), answering 429 with ``Retry-After: 1`` beyond it; time is the fake clock's."""

    def __init__(self, clock: FakeClock, per_s: int, headers: bool = False) -> None:
        self.api, self.clock, self.per_s, self.headers = ToyApi(), clock, per_s, headers
        self.window: deque[float] = deque()
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        now = self.clock()
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if len(self.window) >= self.per_s:
            self.refused += 1
            answer = JSONResponse({"detail": "Request was throttled."}, 429)
            answer.headers["Retry-After"] = "1"
            await answer(scope, receive, send)
            return
        self.window.append(now)
        await self.api(scope, receive, send)


def test_many_requests_under_a_5_per_second_limit_all_succeed_only_slower() -> None:
    clock = FakeClock()
    server = RateLimited(clock, per_s=5)
    seed(server.api, 1)
    start = clock()

    async def body() -> tuple[int, Pacer]:
        async with make_client(server, clock=clock) as client:
            got = await gather_all(client.get("/api/groups/") for _ in range(100))
            return len(got), client.pacer

    done, pacer = run(body)
    assert done == 100
    assert clock() - start >= 100 / 5 - 2  # as slow as the limit, no faster
    assert server.refused <= 25 and pacer.rate is not None and pacer.rate <= 5


def test_writes_share_the_bucket_and_a_rate_limited_create_batch_finishes() -> None:
    clock = FakeClock()
    server = RateLimited(clock, per_s=5)

    async def body() -> list[Any]:
        async with make_client(server, clock=clock) as client:
            return await gather_all(
                client.post("/api/groups/", {"name": f"g{i:03d}"}) for i in range(60)
            )

    assert len(run(body)) == 60
    assert server.api.names("groups") == [f"g{i:03d}" for i in range(60)]  # none twice


def test_x_ratelimit_remaining_zero_holds_every_request_until_the_reset() -> None:
    calls: list[float] = []
    clock = FakeClock()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(clock())
        answer = JSONResponse({"ok": True})
        answer.headers["X-RateLimit-Limit"] = "100"
        answer.headers["X-RateLimit-Remaining"] = "0" if len(calls) == 1 else "50"
        answer.headers["X-RateLimit-Reset"] = "3"
        await answer(scope, receive, send)

    async def body() -> None:
        async with make_client(app, clock=clock) as client:
            await client.get("/a")
            await client.get("/b")
            await client.get("/c")

    run(body)
    assert calls[1] - calls[0] == 3.0 and calls[2] == calls[1]


# --- item 10: secrets in error bodies -------------------------------------------------------
SECRETS = {
    "multi-line": "Mx7-first-line-of-key\nMx7-second-line-of-key",
    "double-spaced": "Dq4  double  spaced  passphrase",
    "straddling the cut": "Sz9STRADDLINGSECRETVALUE0123456789abcdef",
}


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_a_secret_echoed_in_an_error_body_never_reaches_the_message(kind: str) -> None:
    secret = SECRETS[kind]
    # the secret stands as a word of its own (redaction replaces whole values only)
    filler = "x" * (289 if kind == "straddling the cut" else 9) + " "

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await JSONResponse({"target_url": [f"{filler}{secret} is not valid."]}, 400)(
            scope, receive, send
        )

    async def body() -> str:
        async with make_client(app, secrets=frozenset({secret})) as client:
            with pytest.raises(ApiError) as caught:
                await client.post("/api/groups/", {"name": "g"})
            return str(caught.value)

    message = run(body)
    assert "(sensitive)" in message or message.endswith("…")
    assert secret[:3] not in message, message  # not even the start of it
    assert " ".join(secret.split()) not in message
