"""Test and benchmark knobs wrapped around the sandbox apps: latency, faults, rate limit, stats.

Faults (chosen per request with probability ``fail_rate``, or for the next ``fail_next``
requests, optionally only for paths starting with ``fault_path``):

- ``503``: Service Unavailable; ``429``: Too Many Requests with ``Retry-After``;
- ``drop``: the connection is dropped before an answer (nothing is done);
- ``commit_drop``: a write is carried out, then the connection drops before the answer
  arrives — the "ambiguous create" every client must survive without duplicating.
- ``commit_504``: a write is carried out, then a gateway answers 504 instead of the server —
  the same ambiguity, told by a status instead of a dropped connection.

Listing faults (``listing_fault``, on every paged GET answer, only under ``fault_path`` when it
is set) rewrite a DRF page into one a client must not take as complete — see
:data:`LISTING_FAULTS`.

``rate_limit_per_s`` refuses with 429 + ``Retry-After`` any request beyond that many in the
last second (a sliding window, stricter than a token bucket). Its clock can be injected
(:class:`KnobsMiddleware` ``clock``) so tests pace against it without real pauses.

``strict_writes`` (``omsform sandbox serve --strict-writes``) makes writes stricter than DRF:
unknown and read-only fields, undocumented values of open lists (webhook event types, command
classes) and credentials an engine does not use are 400s instead of being ignored or accepted
(see :data:`omsform.sandbox.drf.STRICT_WRITES`).

Paths under ``/_sandbox/`` are never delayed, failed, spoilt or counted.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from starlette.datastructures import URL
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omsform.sandbox.spoil import Rewrite

FAULTS = ("503", "429", "drop", "commit_drop", "commit_504")
LISTING_FAULTS = {
    "no_count_no_next": "neither `count` nor `next` (nothing says whether more pages exist)",
    "no_count": "no `count`; `next` links kept (cursor style: complete when followed)",
    "count_low": "`count` one lower than the objects there are",
    "count_high": "`count` one higher than the objects there are",
    "count_page": "`count` is the number of rows on the page, `next` kept",
    "next_null": "`next` null on every page, even when more pages follow",
    "repeat_id": "the page's last row replaced by a copy of its first (one row: served twice)",
    "next_fails": "half the rows, and `next` pointing at a page that answers 404",
}
"""Shapes of ``listing_fault`` (every one but ``no_count`` is an incomplete listing)."""
FAILING_PAGE = 999_999  # the page ``next_fails`` links to: past the end, so a 404


class DroppedConnection(Exception):
    """Raised by the knobs to cut a connection; the in-process transport turns it into the
    same httpx error a client sees when a real server drops the connection."""


@dataclass
class Knobs:
    """Every knob, changeable at run time through ``POST /_sandbox/knobs``."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    fail_rate: float = 0.0
    faults: list[str] = field(default_factory=lambda: ["503", "429", "drop"])
    fail_next: int = 0
    fault_path: str = ""
    retry_after_s: int = 1
    rate_limit_per_s: float = 0.0  # 0 = unlimited
    step_seconds: float = 1.0  # how long a setup step stays WORKING
    listing_fault: str = ""  # one of LISTING_FAULTS, "" = none
    strict_writes: bool = False  # 400 for unknown/read-only fields, undocumented choices, ...
    seed: int | None = None

    def update(self, values: dict[str, Any]) -> dict[str, list[str]]:
        """Set the given knobs, all or none: returns DRF-style errors for every unknown knob or
        invalid value (and then changes nothing), ``{}`` when every value was applied."""
        names = {f.name for f in fields(self)}
        errors = {k: ["Unknown knob."] for k in values if k not in names}
        for key, value in values.items():
            message = _knob_error(key, value) if key in names else None
            if message:
                errors[key] = [message]
        if not errors:
            for key, value in values.items():
                setattr(self, key, list(value) if key == "faults" else value)
        return errors

    def as_dict(self) -> dict[str, Any]:
        """The knobs as JSON."""
        return asdict(self)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _knob_error(name: str, value: Any) -> str | None:
    """Why ``value`` cannot be knob ``name``, or None. Checked before anything is set, so a
    bad request never leaves the middleware with a value it would fail on."""
    if name in ("latency_ms", "jitter_ms", "rate_limit_per_s", "step_seconds"):
        ok = _number(value) and value >= 0
        return None if ok else "A number greater than or equal to 0 is required."
    if name == "fail_rate":
        ok = _number(value) and 0 <= value <= 1
        return None if ok else "A number between 0 and 1 is required."
    if name in ("fail_next", "retry_after_s"):
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**31
        return None if ok else "An integer greater than or equal to 0 is required."
    if name == "seed":
        ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
        return None if ok else "An integer or null is required."
    if name == "strict_writes":
        return None if isinstance(value, bool) else "Must be a valid boolean."
    if name == "fault_path":
        return None if isinstance(value, str) else "Not a valid string."
    if name == "listing_fault":
        ok = value == "" or value in LISTING_FAULTS
        return None if ok else f'One of {", ".join(LISTING_FAULTS)} (or "") is required.'
    if name == "faults":
        ok = isinstance(value, list) and all(f in FAULTS for f in value)
        return None if ok else f"A list of faults out of {', '.join(FAULTS)} is required."
    return None


class Stats:
    """Requests counted by method and path since the last reset, and how many of them the
    ``rate_limit_per_s`` knob refused."""

    def __init__(self) -> None:
        self.by_route: Counter[str] = Counter()
        self.throttled = 0

    def record(self, method: str, path: str) -> None:
        """Count one request."""
        if not self.by_route:  # the counts were reset (``by_route.clear()``): refusals too
            self.throttled = 0
        self.by_route[f"{method} {path}"] += 1

    def as_dict(self) -> dict[str, Any]:
        """``{"total", "by_method", "by_path", "throttled"}``."""
        by_method: Counter[str] = Counter()
        for route, n in self.by_route.items():
            by_method[route.split(" ", 1)[0]] += n
        return {
            "total": sum(self.by_route.values()),
            "by_method": dict(by_method),
            "by_path": dict(sorted(self.by_route.items())),
            "throttled": self.throttled if self.by_route else 0,  # refusals are counted requests
        }


class KnobsMiddleware:
    """ASGI middleware applying :class:`Knobs` and counting :class:`Stats`."""

    def __init__(
        self, app: ASGIApp, knobs: Knobs, stats: Stats, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.app, self.knobs, self.stats, self.clock = app, knobs, stats, clock
        self._random = random.Random(knobs.seed)
        self._window: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        self.stats.record(scope["method"], scope["path"])
        await self._delay()
        if self._rate_limited():
            self.stats.throttled += 1
            await _answer(send, 429, self._throttled(), self._retry_after())
            return
        fault = self._pick_fault(scope)
        if fault == "503":
            await _answer(send, 503, b'{"detail":"Service temporarily unavailable."}', [])
        elif fault == "429":
            await _answer(send, 429, self._throttled(), self._retry_after())
        elif fault == "drop":
            raise DroppedConnection(scope["path"])
        elif fault == "commit_drop":
            await self.app(scope, receive, _discard)
            raise DroppedConnection(scope["path"])
        elif fault == "commit_504":
            await self.app(scope, receive, _discard)
            await _answer(send, 504, b'{"detail":"Gateway Timeout."}', [])
        elif self._listing_fault(scope):
            failing = str(URL(scope=scope).include_query_params(page=FAILING_PAGE))
            await self.app(scope, receive, Rewrite(send, self.knobs.listing_fault, failing))
        else:
            await self.app(scope, receive, send)

    def _listing_fault(self, scope: Scope) -> bool:
        k = self.knobs
        if not k.listing_fault or scope["method"] != "GET":
            return False
        return not k.fault_path or scope["path"].startswith(k.fault_path)

    async def _delay(self) -> None:
        k = self.knobs
        if k.latency_ms or k.jitter_ms:
            await asyncio.sleep((k.latency_ms + self._random.uniform(0, k.jitter_ms)) / 1000)

    def _rate_limited(self) -> bool:
        if not self.knobs.rate_limit_per_s:
            return False
        now = self.clock()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.knobs.rate_limit_per_s:
            return True
        self._window.append(now)
        return False

    def _pick_fault(self, scope: Scope) -> str | None:
        k = self.knobs
        if k.fault_path and not scope["path"].startswith(k.fault_path):
            return None
        if k.fail_next > 0:
            k.fail_next -= 1
        elif not (k.fail_rate and self._random.random() < k.fail_rate):
            return None
        choices = [f for f in k.faults if f in FAULTS]
        if scope["method"] == "GET":
            choices = [f for f in choices if not f.startswith("commit_")] or ["503"]
        return self._random.choice(choices or ["503"])

    def _throttled(self) -> bytes:
        """DRF's throttled message (``Throttled``), with its singular for one second."""
        wait = self.knobs.retry_after_s
        unit = "second" if wait == 1 else "seconds"
        message = f"Request was throttled. Expected available in {wait} {unit}."
        return json.dumps({"detail": message}).encode()

    def _retry_after(self) -> list[tuple[bytes, bytes]]:
        return [(b"retry-after", str(self.knobs.retry_after_s).encode())]


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    head = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": head + headers})
    await send({"type": "http.response.body", "body": body})


async def _discard(message: Message) -> None:
    """A ``send`` that throws the answer away (the write itself already happened)."""
