"""Client-side pacing: a rate learned from the API's 429 answers and rate-limit headers.

One :class:`Pacer` per client (shared with its read-only views), so every request of a run to
one API is paced together. It starts unlimited; what it learns:

- a **429**: every request waits until ``Retry-After`` has passed (or the backoff the client
  chose when there is none), and the rate becomes 95 % of the answers the API accepted
  in the last second (at most 80 % of the previous rate, never below :data:`MIN_RATE`). One cut
  per second: the other 429s of the same burst say nothing new. Afterwards the rate grows back
  by 10 % per second without a 429, so a cut made by a passing burst of faults heals in seconds
  and a limit that was lifted is found again; near the last limit found (95 % of what the API
  let through in a second) it grows by only 1 % per second, and not above that limit for a
  minute after finding it, so a steady limit costs few 429s.
  Nothing is cut less than a second after the first answer, unless the API refused 8 answers
  in a row (a wall: random faults hardly ever come 8 at once, a limit that was hit refuses
  everything in flight; the accepted answers of that short while still tell the rate, and
  without the early cut every request waiting out the ``Retry-After`` would leave at once
  and hit the wall again), nor after a second of fewer than 8 requests and 4 429s (too little
  to learn a rate from), nor, once a cut has been judged, for fewer than 4 429s within a
  second.
- **429s that are not about the rate**: a real limit stops refusing once the rate is below it.
  So after a cut the pacer looks again at the requests sent from one window after it (those
  the old rate let into the window are its stragglers): after 32 of them (or 10 s and 16),
  when the share of 429s did not drop clearly (under 3 % and half what it was), it halves the
  rate once more and looks again; when that did not help either, they come whatever the rate
  (a flaky proxy, random faults): the cuts are undone and that share is taken as *noise*.
  From then on a second whose share of 429s stays within twice the noise (plus 5 points) cuts
  nothing (``Retry-After`` is still honoured, and the rate does
  not grow); only a clearly larger share cuts. Without this, a steady share of random 429s
  would cut the rate a little every second down to :data:`MIN_RATE`.
- ``X-RateLimit-Remaining`` with ``X-RateLimit-Reset`` (seconds from now, or a Unix time): no
  more than ``Remaining`` requests are started before the reset; at 0 every request waits for
  the reset. ``X-RateLimit-Limit`` alone names no window, so it is only logged.

How the rate is kept: at most ``⌊rate⌋`` requests start in any second (a **window**,
stretched by the slowest round trip of the last second, so an answer that arrives late at the
API still falls out of its window first). A sliding-window limit of N per second (DRF's
throttles: their 429 says "Expected available in N seconds") is then never exceeded at 0.95 N,
and once its ``Retry-After`` has passed the window is empty: a burst of 0.95 N leaves at once
instead of one request every ``1/rate`` s (57 reads under 20/s take three windows, not 57/19
s). A limit that is smoother than a window (a token bucket that holds few tokens) refuses part
of such a burst: a 429 for a request sent under the learned rate (after the cut) switches the
pacer to **even spacing** (one request every ``1/rate`` s) for the rest of the run, and the cut
is judged afresh from then on. Random 429s flip it too; even spacing at a rate that is not cut
costs them nothing. Below 2 requests a second requests are always evenly spaced.
Waiting happens in :meth:`Pacer.acquire` under one lock, so requests leave in order and the
clock and sleep can be fakes in tests (no real pauses).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

MIN_RATE = 0.5  # requests per second: the slowest the pacer ever goes
_CUT = 0.8  # a new 429 cuts the rate to at most this share of the old one
_MARGIN = 0.95  # share of the observed accepted rate the pacer allows (19 of 20)
_GROWTH = 0.1  # per second without a 429: a cut made by a burst of faults heals in seconds
_WINDOW_S = 1.0
_HOLD_S = 60.0  # for this long after a cut the rate stays at or below the limit it found
_SLOW_GROWTH = 0.01  # per second, once the rate is near the last limit found
_BUSY = 4  # 429s within a second below which they say nothing about the rate
_WALL = 8  # 429s in a row: a limit was hit, even in the first second
_LONG_TRIAL_S = 10.0  # a trial at a slow rate is judged after this long on fewer requests
# requests sent after a cut (from a window on) before judging whether it helped, and the
# share of them refused below which it did (below a real limit hardly anything is): with 16
# and 10 %, one in eight random 429s passed for "helped" a third of the time and each cut so
# judged ratcheted the rate down to ~1 request/s (tests/http/test_pace.py; chaos faults rows)
_SAMPLE = 32
_HELPED = 0.03
_NOISE_MARGIN = 0.05  # a share of 429s this far above twice the noise is a limit again
_WINDOW_MIN_RATE = 2.0  # below this, a window would hold one request: spaced evenly anyway
_MAX_SLACK_S = 0.5  # the window is stretched by the slowest round trip, up to this much


@dataclass
class _Trial:
    """A cut on trial: when, the share of 429s that caused it, the rate before it, and the
    requests sent since (and how many of them were refused)."""

    cut_at: float
    share: float
    old_rate: float | None
    sent: int = 0
    refused: int = 0
    second: bool = False  # the cut after a first one that did not help


class Pacer:
    """A rate limit on starting requests, learned from the API's answers (see module)."""

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
        self._sent: deque[float] = deque()  # when each request of the last second started
        self._refused: deque[float] = deque()  # when each 429 of the last second came
        self._since: float | None = None  # the first answer
        self._in_row = 0  # 429s since the last accepted answer
        self.ceiling: float | None = None  # answers per second the last real limit allowed
        self.noise = 0.0  # the share of 429s that comes whatever the rate
        self._judged = False  # a cut has been judged (helped or not)
        self._check: _Trial | None = None  # the last cut, until it is judged
        self._quota: tuple[int, float] | None = None  # (requests left, until when)
        self.evenly = False  # a 429 under the learned rate: space requests 1/rate apart
        self._shaped_since = 0.0  # requests started after this were sent under the rate
        self._starts: deque[float] = deque()  # starts within the pacing window
        self._trips: deque[tuple[float, float]] = deque()  # (answered at, round trip) of 1 s
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        """Wait until the next request may start."""
        async with self._lock:
            while True:
                now = self.clock()
                self._grow(now)
                ready = max(self.not_before, self._rate_ready(now))
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
            self._sent.append(now)
            self._starts.append(now)
            if self._check is not None and now > self._check.cut_at + _WINDOW_S:
                self._check.sent += 1  # judged from a window after the cut (see module)

    def _rate_ready(self, now: float) -> float:
        """When the rate lets the next request start: its turn in the window (see module),
        or one ``1/rate`` after the last when spacing evenly."""
        if not self.rate:
            return 0.0
        if self.evenly or self.rate < _WINDOW_MIN_RATE:
            return self._next_slot
        span = _WINDOW_S + min(_MAX_SLACK_S, max((t for _, t in self._trips), default=0.0))
        while self._starts and self._starts[0] <= now - span:
            self._starts.popleft()
        budget = int(self.rate)
        if len(self._starts) < budget:
            return 0.0
        return self._starts[len(self._starts) - budget] + span  # when enough have left it

    def pause(self, seconds: float) -> None:
        """No request starts in the next ``seconds`` (a 429's ``Retry-After`` or backoff)."""
        self.not_before = max(self.not_before, self.clock() + seconds)
        self._next_slot = max(self._next_slot, self.not_before)

    def answered(
        self, status: int, headers: Mapping[str, str], started: float | None = None
    ) -> None:
        """Learn from one answer (its status and rate-limit headers); ``started``: when its
        request left (by this pacer's clock; default now)."""
        now = self.clock()
        if self._since is None:
            self._since = now
        self._quota_from(headers, now)
        self._forget(now, started)
        self._in_row = self._in_row + 1 if status == 429 else 0
        if status == 429:
            self._refused.append(now if started is None else started)
            self._space_evenly(now, started)
            if self._check is not None and self._refused[-1] > self._check.cut_at + _WINDOW_S:
                self._check.refused += 1
        else:
            self._accepted.append(now)
        self._look_back(now)
        if status != 429:
            return
        self.throttled += 1
        if self._check is not None or (self.rate is not None and now - self._last_cut < _WINDOW_S):
            return  # the same burst (one cut per second), or the last cut is still on trial
        quiet = len(self._sent) < 2 * _BUSY and len(self._refused) < _BUSY
        if (now - self._since < _WINDOW_S and self._in_row < _WALL) or quiet:
            return  # less than a second of answers, or a quiet one: too little to learn from
        share = self._share()
        self._grown_at = now  # no growth into a limit
        if self.noise and share <= 2 * self.noise + _NOISE_MARGIN:
            return  # no more 429s than come anyway
        if self._judged and len(self._refused) < _BUSY:
            return  # after the first trial, a few stray 429s cut nothing
        learned = max(len(self._accepted), 1) * _MARGIN
        if self.rate is not None:
            learned = min(learned, self.rate * _CUT)
        self._check = _Trial(now, share, self.rate)
        self.rate = max(MIN_RATE, learned)
        self._last_cut = self._shaped_since = now
        self.ceiling = max(len(self._accepted), 1)  # what the API let through in a second

    def _space_evenly(self, now: float, started: float | None) -> None:
        """A 429 for a request the window let through under a learned rate: the limit is
        smoother than a window; from now on requests are spaced evenly, and a cut on trial is
        judged on what is sent that way."""
        under_rate = started is not None and started > self._shaped_since
        if self.evenly or not under_rate or not self.rate or self.rate < _WINDOW_MIN_RATE:
            return
        self.evenly = True
        self._next_slot = max(self._next_slot, now + 1.0 / self.rate)
        if self._check is not None:
            self._check = _Trial(
                now, self._check.share, self._check.old_rate, second=self._check.second
            )

    def _forget(self, now: float, started: float | None = None) -> None:
        """Drop what happened more than a second ago; keep this answer's round trip."""
        if started is not None:
            self._trips.append((now, now - started))
        for times in (self._accepted, self._sent, self._refused):
            while times and times[0] < now - _WINDOW_S:
                times.popleft()
        while self._trips and self._trips[0][0] < now - _WINDOW_S:
            self._trips.popleft()
        while self._starts and self._starts[0] < now - _WINDOW_S - _MAX_SLACK_S:
            self._starts.popleft()

    def _share(self) -> float:
        """The share of the requests sent in the last second that were refused with 429."""
        return len(self._refused) / max(len(self._sent), len(self._refused), 1)

    def _look_back(self, now: float) -> None:
        """After a cut: undo it when the 429s did not become clearly rarer."""
        trial = self._check
        if trial is None or now - trial.cut_at < _WINDOW_S:
            return
        slow = now - trial.cut_at >= _LONG_TRIAL_S and trial.sent >= _SAMPLE / 2
        if trial.sent < _SAMPLE and not slow:
            return  # too few requests since the cut to tell (a slow rate: wait a little longer)
        self._check, self._judged = None, True
        after = trial.refused / max(trial.sent, trial.refused)
        if after < min(trial.share / 2, _HELPED):
            return  # it helped (below a real limit hardly anything is refused)
        if not trial.second and self.rate is not None:
            # perhaps not deep enough: halve once more and look again
            self._check = _Trial(now, trial.share, trial.old_rate, second=True)
            self.rate = max(MIN_RATE, self.rate / 2)
            self._last_cut, self.ceiling = now, max(len(self._accepted), 1)
            return
        # two cuts, and as many 429s: not about the rate; the share that started it all is
        # noise too (a small sample of it ran high)
        self.noise = max(self.noise, after, trial.share)
        self.rate, self.ceiling = trial.old_rate, None

    def _grow(self, now: float) -> None:
        if self.rate is None or now <= self._grown_at or self._check is not None:
            self._grown_at = max(self._grown_at, now)  # no growth while a cut is on trial
            return
        near = self.ceiling is not None and self.rate >= _MARGIN * self.ceiling
        growth = _SLOW_GROWTH if near else _GROWTH  # probe a known limit gently
        self.rate *= (1 + growth) ** (now - self._grown_at)
        if near and self.ceiling is not None and now - self._last_cut < _HOLD_S:
            self.rate = min(self.rate, float(self.ceiling))  # not above the limit just found
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
        noise = f", {self.noise:.0%} of 429s are noise" if self.noise else ""
        return f"pacing: rate {rate}, {self.throttled} x 429, waited {self.waited_s:.1f} s{noise}"


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
