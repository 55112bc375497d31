"""The limit on requests in flight (:mod:`omsform.http.concurrency`): adaptive by default
(starts at 8, grows towards 16 while latency holds, halves on a 429 or 5xx), fixed with
``--parallelism``; shared by a client's reads and writes. Latencies are fed as numbers or
measured on a fake clock: nothing sleeps."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Receive, Scope, Send

from omsform.http.concurrency import MAXIMUM, START, ConcurrencyLimit
from tests.http.test_http import FakeClock, make_client, run


def finish(limit: ConcurrencyLimit, n: int, latency: float = 0.02, **kw: Any) -> None:
    """``n`` requests started and answered one after another with ``latency``."""
    for _ in range(n):
        ticket = asyncio.run(limit.acquire())
        limit.release(ticket, overloaded=kw.get("overloaded", False), latency_s=latency)


def test_it_starts_at_8_and_grows_towards_16_while_latency_holds() -> None:
    limit = ConcurrencyLimit()
    assert limit.limit == START == 8
    finish(limit, 5)
    assert limit.limit == 13  # one more per answer at first: it doubles per round trip
    finish(limit, 100)
    assert limit.limit == MAXIMUM == 16  # and stays there


def test_it_stops_growing_when_answers_slow_down() -> None:
    limit = ConcurrencyLimit()
    finish(limit, 4, latency=0.020)
    assert limit.limit == 12
    finish(limit, 50, latency=0.060)  # three times slower than the fastest: the API is busy
    assert limit.limit == 12


def test_a_429_or_5xx_halves_it_once_per_round() -> None:
    limit = ConcurrencyLimit()
    finish(limit, 8)
    assert limit.limit == 16

    async def burst() -> list[int]:
        return [await limit.acquire() for _ in range(10)]

    tickets = asyncio.run(burst())  # ten requests out at once, all answered 503
    for ticket in tickets:
        limit.release(ticket, overloaded=True, latency_s=0.02)
    assert limit.limit == 8  # the other nine were sent before the cut: no further cut
    finish(limit, 1, overloaded=True)  # sent after the cut, refused again: halved again
    assert limit.limit == 4
    assert limit.cuts == 2


def test_after_a_cut_it_grows_by_one_per_round_trip() -> None:
    limit = ConcurrencyLimit()
    finish(limit, 1, overloaded=True)
    assert limit.limit == 4
    finish(limit, 4)  # one round at 4
    assert limit.limit == 5
    finish(limit, 5)
    assert limit.limit == 6


def test_a_fixed_limit_never_moves() -> None:
    limit = ConcurrencyLimit(fixed=3)
    finish(limit, 50)
    finish(limit, 5, overloaded=True)
    assert limit.limit == 3


class Counting:
    """An API that counts the requests in flight, answering ``status`` to the first
    ``failures`` requests and 200 after that."""

    def __init__(self, failures: int = 0, status: int = 503) -> None:
        self.in_flight = self.most = self.seen = 0
        self.failures, self.status = failures, status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.seen += 1
        failing = self.seen <= self.failures
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        for _ in range(50):  # let the other requests in: they overlap as on a real server
            await asyncio.sleep(0)
        self.in_flight -= 1
        status = self.status if failing else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


def _gets(app: Counting, n: int, **options: Any) -> Any:
    client = make_client(app, **options)

    async def body() -> Any:
        async with client:
            await asyncio.gather(*(client.get(f"/things/{i}/") for i in range(n)))
            return client.concurrency

    return run(body)


def test_reads_fill_the_limit_as_it_grows_but_never_beyond_16() -> None:
    app = Counting()
    limit = _gets(app, 300)
    assert 8 < app.most <= MAXIMUM
    assert limit.limit == MAXIMUM


def test_parallelism_fixes_the_limit_for_reads_and_writes() -> None:
    app = Counting(failures=5)
    client = make_client(app, concurrency=3)

    async def body() -> None:
        async with client:
            reads = [client.get(f"/things/{i}/") for i in range(40)]
            writes = [client.patch(f"/things/{i}/", {"a": i}) for i in range(40)]
            await asyncio.gather(*reads, *writes, return_exceptions=True)

    run(body)
    assert app.most == 3
    assert client.concurrency.limit == 3


def test_a_burst_of_503s_halves_the_limit_and_the_reads_still_finish() -> None:
    app = Counting(failures=8, status=503)
    sleeps: list[float] = []
    limit = _gets(app, 8, sleeps=sleeps, clock=FakeClock(sleeps))
    assert limit.cuts >= 1
    assert app.seen == 16  # every read was retried once and then answered


def test_retry_after_on_a_429_holds_every_request() -> None:
    class Throttling(Counting):
        calls = 0

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            self.calls += 1
            if self.calls == 2:  # the second request (the first is the auth check) is throttled
                headers = [(b"retry-after", b"3")]
                await send({"type": "http.response.start", "status": 429, "headers": headers})
                await send({"type": "http.response.body", "body": b"{}"})
                return
            await super().__call__(scope, receive, send)

    app = Throttling()
    sleeps: list[float] = []
    limit = _gets(app, 20, sleeps=sleeps, clock=FakeClock(sleeps))
    assert 3.0 in sleeps  # the pause the API asked for
    assert limit.cuts == 1
