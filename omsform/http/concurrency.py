"""How many requests one client keeps in flight: a limit that finds its own level.

Reads and writes of a client (and its read-only views) share one :class:`ConcurrencyLimit`:

- **Adaptive** (the default, ``--parallelism`` not given): it starts at :data:`START` (8) and
  grows towards :data:`MAXIMUM` (16) while answers keep coming back about as fast as the fastest
  seen (latency within :data:`SLACK` of it): by one per answer at first (the limit doubles per
  round trip), then, once it has had to back off, by one per round trip. An answer that says
  the API is overloaded — a **429 or any 5xx** — halves it (never below 1), once per round: the
  answers to requests sent before the cut say nothing about the new limit. A slower answer
  only stops the growth. ``Retry-After`` itself is honoured by the client's
  :class:`~omsform.http.pace.Pacer`, which holds every request until it has passed.
- **Fixed** (``--parallelism N``): exactly ``N`` at most, whatever the answers say.

Nothing here sleeps or reads a clock: the caller measures each request's latency (so tests
feed it numbers) and the limit is a plain count of requests in flight.
"""

from __future__ import annotations

import asyncio
from collections import deque

START = 8
# httpcore's pool scans every connection for every queued request: at 32 connections the
# client, not the API, became the bottleneck (P6 on 2 cores: 3.8 s and 3.75 ms CPU per write
# at 32, against 2.3 s and 2.2 ms at 16), as the anchors measured for httpx above 16
MAXIMUM = 16
SLACK = 2.0  # an answer slower than this many times the fastest one seen stops the growth
NOISE_S = 0.005  # latencies this close to the fastest count as holding (loopback jitter)


class ConcurrencyLimit:
    """At most :attr:`limit` requests in flight; adaptive unless ``fixed`` is given."""

    def __init__(self, fixed: int | None = None) -> None:
        self.fixed = fixed is not None
        self.limit = max(1, fixed) if fixed is not None else START
        self.in_flight = 0
        self.highest = self.limit  # the highest limit reached (the debug log reports it)
        self.cuts = 0  # how many times it was halved
        self._sent = 0  # requests started so far: their sequence numbers
        self._cut_at = 0  # requests started up to this one predate the last cut
        self._slow_start = True
        self._credit = 0.0
        self._fastest: float | None = None
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> int:
        """Wait for a free slot; returns the request's sequence number for :meth:`release`."""
        while self.in_flight >= self.limit:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                self._wake()  # a slot handed to this waiter must not be lost
                raise
        self.in_flight += 1
        self._sent += 1
        return self._sent

    def release(self, ticket: int, *, overloaded: bool, latency_s: float | None) -> None:
        """Request ``ticket`` ended: ``overloaded`` when the answer was a 429 or a 5xx;
        ``latency_s`` its round trip when an answer came back (else ``None``)."""
        self.in_flight -= 1
        if not self.fixed:
            if overloaded:
                self._back_off(ticket)
            elif latency_s is not None:
                self._grow(latency_s)
        self._wake()

    def _back_off(self, ticket: int) -> None:
        if ticket <= self._cut_at:
            return  # sent before the last cut: that cut already answered it
        self.limit = max(1, self.limit // 2)
        self._cut_at, self._slow_start, self._credit = self._sent, False, 0.0
        self.cuts += 1

    def _grow(self, latency_s: float) -> None:
        fastest = latency_s if self._fastest is None else min(self._fastest, latency_s)
        self._fastest = fastest
        if latency_s > max(fastest * SLACK, fastest + NOISE_S):
            self._slow_start = False  # the API is slowing down: hold here
            return
        if self._slow_start:
            self.limit = min(MAXIMUM, self.limit + 1)
        else:
            self._credit += 1.0 / self.limit
            if self._credit >= 1.0:
                self._credit = 0.0
                self.limit = min(MAXIMUM, self.limit + 1)
        self.highest = max(self.highest, self.limit)

    def _wake(self) -> None:
        free = self.limit - self.in_flight
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1

    def describe(self) -> str:
        """One line for the debug log."""
        mode = "fixed" if self.fixed else "adaptive"
        return f"concurrency: {mode} {self.limit} (highest {self.highest}, {self.cuts} cuts)"
