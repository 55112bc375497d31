"""Client-side pacing: a token bucket learned from the API's 429 answers and rate-limit headers.

One :class:`Pacer` per client (shared with its read-only views), so every request of a run to
one API goes through the same bucket. It starts unlimited; what it learns:

- a **429**: every request waits until ``Retry-After`` has passed (or the backoff the client
  chose when there is none), and the bucket's rate becomes 90 % of the answers the API accepted
  in the last second (at most 80 % of the previous rate, never below :data:`MIN_RATE`). One cut
  per second: the other 429s of the same burst say nothing new. Afterwards the rate grows back
  by 10 % per second without a 429, so a cut made by a passing burst of faults heals in seconds
  and a limit that was lifted is found again.
- ``X-RateLimit-Remaining`` with ``X-RateLimit-Reset`` (seconds from now, or a Unix time): no
  more than ``Remaining`` requests are started before the reset; at 0 every request waits for
  the reset. ``X-RateLimit-Limit`` alone names no window, so it is only logged.

The bucket holds one token (no bursts): a sliding-window limit of N per second is then never
exceeded at 0.9 N. Waiting happens in :meth:`Pacer.acquire` under one lock, so requests leave in
order and the clock and sleep can be fakes in tests (no real pauses).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

MIN_RATE = 0.5  # requests per second: the slowest the pacer ever goes
_CUT = 0.8  # a new 429 cuts the rate to at most this share of the old one
_MARGIN = 0.9  # share of the observed accepted rate the bucket allows
_GROWTH = 0.1  # per second without a 429: a cut made by a burst of faults heals in seconds
_WINDOW_S = 1.0


class Pacer:
    """A token bucket whose rate is learned from the API's answers."""

    def __init__(self, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.clock, self.sleep = clock, sleep
        self.rate: float | None = None  # requests per second; None: no limit known
        self.not_before = 0.0  # no request starts before this time (Retry-After, reset)
        self.throttled = 0  # 429s seen
        self.waited_s = 0.0  # total time spent waiting here
        self._next_slot = 0.0
        self._last_cut = 0.0
        self._grown_at = 0.0
        self._accepted: deque[float] = deque()
        self._quota: tuple[int, float] | None = None  # (requests left, until when)
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until the next request may start."""
        async with self._lock:
            while True:
                now = self.clock()
                self._grow(now)
                ready = max(self.not_before, self._next_slot if self.rate else 0.0)
                if self._quota is not None:
                    left, until = self._quota
                    if now >= until:
                        self._quota = None
                    elif left <= 0:
                        ready = max(ready, until)
                if ready <= now:
                    break
                self.waited_s += ready - now
                await self.sleep(ready - now)
            if self.rate:
                self._next_slot = max(now, self._next_slot) + 1.0 / self.rate
            if self._quota is not None:
                self._quota = (self._quota[0] - 1, self._quota[1])

    def pause(self, seconds: float) -> None:
        """No request starts in the next ``seconds`` (a 429's ``Retry-After`` or backoff)."""
        self.not_before = max(self.not_before, self.clock() + seconds)
        self._next_slot = max(self._next_slot, self.not_before)

    def answered(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from one answer (its status and rate-limit headers)."""
        now = self.clock()
        self._quota_from(headers, now)
        if status != 429:
            self._accepted.append(now)
            while self._accepted and self._accepted[0] < now - _WINDOW_S:
                self._accepted.popleft()
            return
        self.throttled += 1
        if self.rate is not None and now - self._last_cut < _WINDOW_S:
            return  # the same burst: one cut per second
        accepted = sum(1 for t in self._accepted if t >= now - _WINDOW_S)
        learned = max(accepted, 1) * _MARGIN
        if self.rate is not None:
            learned = min(learned, self.rate * _CUT)
        self.rate = max(MIN_RATE, learned)
        self._last_cut = self._grown_at = now

    def _grow(self, now: float) -> None:
        if self.rate is None or now <= self._grown_at:
            return
        self.rate *= (1 + _GROWTH) ** (now - self._grown_at)
        self._grown_at = now

    def _quota_from(self, headers: Mapping[str, str], now: float) -> None:
        remaining = _number(headers.get("x-ratelimit-remaining"))
        reset = _number(headers.get("x-ratelimit-reset"))
        if remaining is None or reset is None:
            return
        if reset > 1e9:  # a Unix time rather than seconds from now
            reset = max(0.0, reset - time.time())
        self._quota = (int(remaining), now + reset)

    def describe(self) -> str:
        """One line for the debug log."""
        rate = "none" if self.rate is None else f"{self.rate:.2f} req/s"
        return f"pacing: rate {rate}, {self.throttled} x 429, waited {self.waited_s:.1f} s"


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
