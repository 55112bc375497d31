"""The one HTTP client every provider uses (httpx's transports underneath: omsform.http.pool).

:class:`ApiClient` is read-only (plan gets only this); :class:`WriteClient` adds the write
methods (apply). Both share: base URL and auth headers, timeouts, TLS verification (plain
``http://`` refused except for loopback unless ``insecure``), a limit on requests in flight
(adaptive, or fixed by ``--parallelism``: :mod:`omsform.http.concurrency`), DRF pagination
with listing checks, retries of reads on 429/5xx/connection errors with full-jitter
exponential backoff honouring ``Retry-After``, translation of error statuses to
:mod:`omsform.errors`, and a debug log (``-v``) in which header values and secrets are redacted.

The pieces live beside this module: :mod:`omsform.http.pool` (the shared pool, limiter and
redaction), :mod:`omsform.http.retry` (exactly what is retried, and how long to wait),
:mod:`omsform.http.idempotency` (the ``Idempotency-Key`` of each POST) and
:mod:`omsform.http.listing` (pagination and listing checks).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

import httpx
import sniffio  # noqa: F401  # without it httpcore retries a failed import on every request

from omsform.errors import AuthError, UnreachableError
from omsform.http.concurrency import ConcurrencyLimit
from omsform.http.idempotency import IDEMPOTENCY_HEADER, idempotency_scope
from omsform.http.idempotency import idempotency_key as derive_key
from omsform.http.listing import gather_all, list_collection
from omsform.http.pace import Pacer
from omsform.http.pool import NO_BODY, ClientCore
from omsform.http.retry import (
    AmbiguousWriteError,
    Backoff,
    Outcome,
    Sleep,
    credentials_rejected,
    is_ambiguous,
    judge_answer,
    transport_failure,
)

__all__ = [
    "AmbiguousWriteError",
    "ApiClient",
    "ClientOptions",
    "WriteClient",
    "gather_all",
    "idempotency_scope",
    "is_ambiguous",
]


@dataclass(frozen=True)
class ClientOptions:
    """How to build clients for one run."""

    transport: httpx.AsyncBaseTransport | None = None  # embedded sandbox (ASGI) or tests
    insecure: bool = False
    timeout_s: float = 30.0
    concurrency: int | None = None  # None: adaptive (omsform.http.concurrency); N: fixed
    retry_budget: int = 6  # retries per request
    max_backoff_s: float = 20.0
    debug_log: Any = None  # callable(str) receiving redacted request/response lines
    secrets: frozenset[str] = field(default_factory=frozenset)  # values to redact from logs
    clock: Callable[[], float] | None = None  # the pacer's clock (tests: a fake one)
    sleep: Sleep | None = None  # every pause (backoff and pacing); tests: a fake one


_View = TypeVar("_View", bound="ApiClient")


class ApiClient:
    """Read-only access to one provider's API."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        options: ClientOptions,
        *,
        provider: str,
        sleep: Sleep | None = None,
        rng: Callable[[], float] | None = None,
    ) -> None:
        pause = sleep or options.sleep or asyncio.sleep
        pacer = Pacer(clock=options.clock or time.monotonic, sleep=pause)
        self._core = ClientCore(base_url, headers, options, provider, pacer)
        self._backoff = Backoff(options.max_backoff_s, sleep=pause, rng=rng or random.random)
        self._owner = True

    def view_as(self, cls: type[_View]) -> _View:
        """A ``cls`` client (no state of its own to set up) sharing this one's pool, limits,
        counters and pauses; closing it leaves them open."""
        view = cls.__new__(cls)
        view._core, view._backoff, view._owner = self._core, self._backoff, False
        return view

    def learn_secrets(self, values: frozenset[str]) -> None:
        """Redact ``values`` too from now on, here and in every view (read-ahead's clients
        are opened before the brand's secrets are known)."""
        self._core.secrets = self._core.secrets | values

    @property
    def provider(self) -> str:
        """The provider name this client talks to (used in messages)."""
        return self._core.provider

    @property
    def pacer(self) -> Pacer:
        """The token bucket every request of this client (and its views) goes through."""
        return self._core.pacer

    @property
    def concurrency(self) -> ConcurrencyLimit:
        """The limit on requests in flight shared by this client's reads and writes."""
        return self._core.limit

    @property
    def stats(self) -> Counter[str]:
        """Requests sent so far by HTTP method (retries included), shared with views."""
        return self._core.stats

    def redact(self, text: str) -> str:
        """``text`` with this client's token and secrets replaced by ``(sensitive)``."""
        return self._core.redact(text)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` (relative to the base URL) and return the decoded JSON (None if empty)."""
        return await self._request("GET", path, params=params)

    async def list_all(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int = 100,
        page_size_param: str = "page_size",
    ) -> list[dict[str, Any]]:
        """Every object of a DRF-paginated list: page 1 first, the rest concurrently.

        The number of unique ``id`` values must equal ``count``, else the listing is retried once
        and then fails (``ProviderError``): a plan is never built from a partial listing. A plain
        JSON list (no envelope) is returned as is.
        """
        params = {**(params or {}), page_size_param: page_size}
        return await list_collection(
            self.get, path, params, page_size, provider=self.provider, log=self._core.log
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = NO_BODY,
        missing_ok: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send with retries (:mod:`omsform.http.retry`); the decoded JSON of a 2xx answer.
        Every try sends the same ``headers`` (so a retried POST keeps its idempotency key).

        Long because the retry loop (try, judge, wait, give up with a tally) reads best whole."""
        core, budget = self._core, self._core.options.retry_budget
        outcomes: list[str] = []
        for attempt in range(budget + 1):
            if core.broken is not None:
                raise UnreachableError(core.broken)
            request = core.request(method, path, params, body, headers)
            outcome, extra = await self._attempt(request, missing_ok)
            if outcome is None:
                return extra  # the decoded answer
            outcomes.append(outcome)
            if attempt == budget:
                break
            wait = self._backoff.delay(attempt, retry_after=extra)
            core.log(f"retry {attempt + 1}/{budget} of {method} {request.url} in {wait:.2f} s")
            if outcome == "429":  # every request of the client waits, not only this one
                core.pacer.pause(wait)
                core.log(core.pacer.describe())
            else:
                await self._backoff.sleep(wait)
        tally = ", ".join(f"{n} x {what}" for what, n in Counter(outcomes).items())
        core.broken = core.redact(
            f"{self.provider}: {method} {request.url} failed {len(outcomes)} times ({tally}); "
            "the API is unreachable or overloaded. Check the provider URL and the service's "
            "status, then run again."
        )
        raise UnreachableError(core.broken)

    async def _attempt(self, request: httpx.Request, missing_ok: bool) -> Outcome:
        """One try: ``(None, data)`` on success, ``(why, Retry-After or None)`` to retry; else
        raises the error the answer means. Until the credentials are known to work, requests
        go one at a time and none is sent after they were rejected."""
        core = self._core
        if not core.auth_ok.is_set():
            async with core.auth_gate:
                if core.auth_failed is not None:
                    raise AuthError(core.auth_failed)
                if not core.auth_ok.is_set():
                    return await self._send(request, missing_ok)
        return await self._send(request, missing_ok)

    async def _send(self, request: httpx.Request, missing_ok: bool) -> Outcome:
        """Send ``request`` once (within the concurrency limit) and judge what came back."""
        core, method = self._core, request.method
        # the slot first, then the pacer: a request let through by the pacer must leave at
        # once, not after a Retry-After pause that began while it waited for a slot
        ticket = await core.limit.acquire()
        try:
            await core.pacer.acquire()
        except BaseException:
            core.limit.release(ticket, overloaded=False, latency_s=None)
            raise
        clock = core.pacer.clock  # the run's clock (a fake one in tests)
        started = clock()
        core.stats[method] += 1
        try:
            response = await core.send(request)
        except httpx.TransportError as exc:
            core.limit.release(ticket, overloaded=False, latency_s=None)
            ms = (clock() - started) * 1000
            core.log(f"{method} {request.url} → {type(exc).__name__} after {ms:.0f} ms")
            return transport_failure(request, exc, self.provider, core.redact), None
        except BaseException:
            core.limit.release(ticket, overloaded=False, latency_s=None)
            raise
        seconds = clock() - started
        status = response.status_code
        core.limit.release(ticket, overloaded=status == 429 or status >= 500, latency_s=seconds)
        if core.options.debug_log is not None:  # not rendered per request when unused
            size, ms = len(response.content), seconds * 1000
            core.log(f"{method} {request.url} → {status} in {ms:.0f} ms, {size} bytes")
        core.pacer.answered(response.status_code, response.headers, started)
        return self._answer(request, response, missing_ok)

    def _answer(
        self, request: httpx.Request, response: httpx.Response, missing_ok: bool
    ) -> Outcome:
        """Judge an answer; a 401/403 also closes the auth gate for every later request."""
        core = self._core
        if response.status_code in (401, 403):
            core.auth_failed = credentials_rejected(request, response, self.provider, core.redact)
            raise AuthError(core.auth_failed)
        core.auth_ok.set()
        return judge_answer(request, response, missing_ok, self.provider, core.redact)

    async def aclose(self) -> None:
        """Close the underlying connection pool (a read-only view leaves it to its owner)."""
        if self._owner:
            await self._core.aclose()


class WriteClient(ApiClient):
    """Read and write access. Writes are never retried blindly (see :mod:`omsform.http.retry`)."""

    async def post(self, path: str, json: Any = None, *, idempotency_key: str | None = None) -> Any:
        """POST and return the decoded JSON body (None for 204/empty).

        It carries an ``Idempotency-Key`` header: ``idempotency_key`` when given, else one
        derived from the current :func:`idempotency_scope` (or a fresh uuid4), the same on
        every retry of this call."""
        key = idempotency_key or derive_key(path, json)
        return await self._request("POST", path, body=json, headers={IDEMPOTENCY_HEADER: key})

    async def patch(self, path: str, json: Any) -> Any:
        """PATCH and return the decoded JSON body (None for an empty body)."""
        return await self._request("PATCH", path, body=json)

    async def put(self, path: str, json: Any) -> Any:
        """PUT and return the decoded JSON body (None for an empty body)."""
        return await self._request("PUT", path, body=json)

    async def delete(self, path: str) -> None:
        """DELETE; a 404 counts as already deleted."""
        await self._request("DELETE", path, missing_ok=True)

    def read_only(self) -> ApiClient:
        """A view of this client without write methods (what plan code receives)."""
        return self.view_as(ApiClient)
