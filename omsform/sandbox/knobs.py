"""Test and benchmark knobs wrapped around the sandbox apps: latency, faults, rate limit, stats.

Faults (chosen per request with probability ``fail_rate``, or for the next ``fail_next``
requests, optionally only for paths starting with ``fault_path``):

- ``503``: Service Unavailable; ``429``: Too Many Requests with ``Retry-After``;
- ``drop``: the connection is dropped before an answer (nothing is done);
- ``commit_drop``: a write is carried out, then the connection drops before the answer
  arrives — the "ambiguous create" every client must survive without duplicating.

Incomplete listings (``list_shape``, for every ``GET`` answering a DRF page, or only under
``fault_path``) — the pages a client must refuse rather than take as the whole list:

- ``no_count_no_next``: half the rows, neither ``count`` nor ``next``;
- ``count_low``: ``count`` halved, so it is lower than the rows served;
- ``repeat_id``: the page's first row served again in place of its last (one id twice, one
  object hidden);
- ``next_fails``: half the rows, and ``next`` pointing at a page that answers 404.

Paths under ``/_sandbox/`` are never delayed, failed, reshaped or counted.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from starlette.datastructures import URL
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FAULTS = ("503", "429", "drop", "commit_drop")
LIST_SHAPES = ("", "no_count_no_next", "count_low", "repeat_id", "next_fails")
FAILING_PAGE = 999_999


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
    seed: int | None = None
    list_shape: str = ""  # "" = lists served whole (see LIST_SHAPES)

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
    if name == "fault_path":
        return None if isinstance(value, str) else "Not a valid string."
    if name == "list_shape":
        ok = value in LIST_SHAPES
        return None if ok else f"One of {', '.join(repr(s) for s in LIST_SHAPES)} is required."
    if name == "faults":
        ok = isinstance(value, list) and all(f in FAULTS for f in value)
        return None if ok else f"A list of faults out of {', '.join(FAULTS)} is required."
    return None


class Stats:
    """Requests counted by method and path since the last reset."""

    def __init__(self) -> None:
        self.by_route: Counter[str] = Counter()

    def record(self, method: str, path: str) -> None:
        """Count one request."""
        self.by_route[f"{method} {path}"] += 1

    def as_dict(self) -> dict[str, Any]:
        """``{"total", "by_method", "by_path"}``."""
        by_method: Counter[str] = Counter()
        for route, n in self.by_route.items():
            by_method[route.split(" ", 1)[0]] += n
        return {
            "total": sum(self.by_route.values()),
            "by_method": dict(by_method),
            "by_path": dict(sorted(self.by_route.items())),
        }


class KnobsMiddleware:
    """ASGI middleware applying :class:`Knobs` and counting :class:`Stats`."""

    def __init__(self, app: ASGIApp, knobs: Knobs, stats: Stats) -> None:
        self.app, self.knobs, self.stats = app, knobs, stats
        self._random = random.Random(knobs.seed)
        self._window: list[float] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        self.stats.record(scope["method"], scope["path"])
        await self._delay()
        if self._rate_limited():
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
        elif self._reshapes(scope):
            await self.app(scope, receive, _Reshaper(send, scope, self.knobs.list_shape))
        else:
            await self.app(scope, receive, send)

    def _reshapes(self, scope: Scope) -> bool:
        k = self.knobs
        if not k.list_shape or scope["method"] != "GET":
            return False
        return not k.fault_path or scope["path"].startswith(k.fault_path)

    async def _delay(self) -> None:
        k = self.knobs
        if k.latency_ms or k.jitter_ms:
            await asyncio.sleep((k.latency_ms + self._random.uniform(0, k.jitter_ms)) / 1000)

    def _rate_limited(self) -> bool:
        if not self.knobs.rate_limit_per_s:
            return False
        now = time.monotonic()
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
            choices = [f for f in choices if f != "commit_drop"] or ["503"]
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


class _Reshaper:
    """A ``send`` that buffers a JSON answer and, when it is a DRF page, serves it in one of
    the incomplete :data:`LIST_SHAPES`."""

    def __init__(self, send: Send, scope: Scope, shape: str) -> None:
        self.send, self.scope, self.shape = send, scope, shape
        self.start: Message | None = None
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body" or self.start is None:
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body"):
            return
        body = self._reshaped(self.body) if self.start["status"] == 200 else self.body
        head = [(k, v) for k, v in self.start.get("headers", []) if k != b"content-length"]
        head.append((b"content-length", str(len(body)).encode()))
        await self.send({**self.start, "headers": head})
        await self.send({"type": "http.response.body", "body": body})

    def _reshaped(self, raw: bytes) -> bytes:
        try:
            page = json.loads(raw)
        except ValueError:
            return raw
        if not (isinstance(page, dict) and isinstance(page.get("results"), list)):
            return raw
        return json.dumps(reshape_page(page, self.shape, self._failing_page())).encode()

    def _failing_page(self) -> str:
        return str(URL(scope=self.scope).include_query_params(page=FAILING_PAGE))


def reshape_page(page: dict[str, Any], shape: str, failing_next: str) -> dict[str, Any]:
    """``page`` (a DRF page) served in ``shape``, one of :data:`LIST_SHAPES`."""
    rows = list(page["results"])
    if shape == "no_count_no_next":
        return {"results": rows[: len(rows) // 2]}
    if shape == "count_low":
        return {**page, "count": int(page.get("count") or 0) // 2}
    if shape == "repeat_id" and len(rows) >= 2:
        return {**page, "results": [*rows[:-1], rows[0]]}
    if shape == "repeat_id" and rows:
        return {**page, "count": int(page.get("count") or 0) + 1, "results": [*rows, rows[0]]}
    if shape == "next_fails":
        return {**page, "next": failing_next, "results": rows[: len(rows) // 2]}
    return page


async def _discard(message: Message) -> None:
    """A ``send`` that throws the answer away (the write itself already happened)."""
