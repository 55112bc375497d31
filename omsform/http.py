"""The one HTTP client every provider uses (httpx.AsyncClient underneath).

:class:`ApiClient` is read-only (plan gets only this); :class:`WriteClient` adds the write
methods (apply). Both share: base URL and auth headers, timeouts, TLS verification (plain
``http://`` refused except for loopback unless ``insecure``), at most ``concurrency`` requests in
flight (≤ 16), DRF pagination with listing checks, retries of reads on 429/5xx/connection errors
with full-jitter exponential backoff honouring ``Retry-After``, translation of error statuses to
:mod:`omsform.errors`, and a debug log (``-v``) in which header values and secrets are redacted.

What is retried, exactly (each request has ``retry_budget`` retries; once one request has used
them all, the client fails every later request at once instead of hammering a dead server):

- **GET**: 429, 502, 503, 504, connection failures, timeouts, dropped connections and 2xx
  answers whose body is not JSON.
- **writes** (POST/PATCH/PUT/DELETE) only where the server provably did not act: a connection
  that could not be opened (``ConnectError``/``ConnectTimeout``/``PoolTimeout``: nothing was
  sent), 429 (the server refused to process it), and 503 *carrying* ``Retry-After`` (the server
  says "not now"). Anything after the request went out (read timeout, dropped connection, 502,
  504, a 2xx whose body is not JSON) is *ambiguous*: it is raised (:func:`is_ambiguous` tells)
  and ``apply`` looks the object up by natural key before trying again.
- never: 400/401/403/404/409 (and every other status) and TLS errors.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json as jsonlib
import math
import random
import ssl
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Self, TypeVar
from urllib.parse import parse_qs, quote, quote_plus

import httpx
import sniffio  # noqa: F401  # without it httpcore retries a failed import on every request

from omsform.errors import ApiError, AuthError, OmsformError, ProviderError, UnreachableError
from omsform.secrets import redact as secrets_redact

SENSITIVE = "(sensitive)"
MAX_CONCURRENCY = 16  # httpx's HTTP/1.1 pool is fastest at or below this (spec §11)
BASE_BACKOFF_S = 0.5
MAX_RETRY_AFTER_S = 120.0  # a server asking for a longer pause is treated as unavailable
_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "cookie", "proxy-authorization"})
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_NO_BODY: Any = object()

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

_sleep: Sleep = asyncio.sleep
"""Default pause between retries; tests may replace it (clients also take ``sleep=``)."""


@dataclass(frozen=True)
class ClientOptions:
    """How to build clients for one run."""

    transport: httpx.AsyncBaseTransport | None = None  # embedded sandbox (ASGI) or tests
    insecure: bool = False
    timeout_s: float = 30.0
    concurrency: int = 16
    retry_budget: int = 6  # retries per request
    max_backoff_s: float = 20.0
    debug_log: Any = None  # callable(str) receiving redacted request/response lines
    secrets: frozenset[str] = field(default_factory=frozenset)  # values to redact from logs


class AmbiguousWriteError(UnreachableError):
    """A write went out but no usable answer came back: it may or may not have happened."""


def is_ambiguous(exc: BaseException) -> bool:
    """True when a failed write may have been carried out (look before trying again)."""
    if isinstance(exc, AmbiguousWriteError):
        return True
    return isinstance(exc, ApiError) and exc.method != "GET" and exc.status in (502, 504)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value (and its URL/JSON-escaped forms) as ``(sensitive)``."""
    return secrets_redact(text, _variants(secrets))


def _variants(secrets: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for value in secrets:
        if value:
            found |= {value, quote(value, safe=""), quote_plus(value)}
            found.add(jsonlib.dumps(value)[1:-1])
    return frozenset(found)


def header_secrets(headers: Mapping[str, str]) -> set[str]:
    """Credential values in ``headers`` (whole value and the part after ``Token ``/``Bearer ``)."""
    found: set[str] = set()
    for name, value in headers.items():
        if name.lower() in _SECRET_HEADERS and value:
            found.add(value)
            found.add(value.split(" ", 1)[-1])
    return found


async def gather_all(aws: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run ``aws`` concurrently; the first failure cancels the others and is raised as itself."""
    tasks: list[asyncio.Task[T]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(aw) for aw in aws]
    except BaseExceptionGroup as failed:
        raise _first_error(failed) from None
    return [task.result() for task in tasks]


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    leaves: list[BaseException] = []
    pending: list[BaseException] = [group]
    while pending:
        exc = pending.pop(0)
        if isinstance(exc, BaseExceptionGroup):
            pending.extend(exc.exceptions)
        else:
            leaves.append(exc)
    ours = [e for e in leaves if isinstance(e, OmsformError)]
    return (ours or leaves)[0]


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str, options: ClientOptions, provider: str) -> None:
    url = httpx.URL(base_url)
    shown = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")
    if url.scheme not in ("http", "https") or not url.host:
        raise ProviderError(f"{provider}: {shown!r} is not an http(s) URL; check its `url`")
    if url.scheme == "http" and not (
        options.insecure or options.transport is not None or _is_loopback(url.host)
    ):
        raise ProviderError(
            f"{provider}: refusing the plain http:// URL {shown}: the token would travel "
            "unencrypted. Use https://, or pass --insecure to allow it (not recommended)."
        )


def _is_tls_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):  # bounded: exception chains can loop
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait (``Retry-After`` as seconds or an HTTP date)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _flatten(data: Any, prefix: str = "") -> list[str]:
    """DRF error bodies (``detail``, field errors, nested ones) as ``field: message`` parts."""
    if isinstance(data, dict):
        parts: list[str] = []
        for key, value in data.items():
            plain = key in ("detail", "non_field_errors")
            name = prefix if plain else (f"{prefix}.{key}" if prefix else str(key))
            parts += _flatten(value, name)
        return parts
    if isinstance(data, list):
        if all(not isinstance(item, dict | list) for item in data):
            text = "; ".join(str(item) for item in data)
            return [f"{prefix}: {text}" if prefix else text] if data else []
        return [p for i, item in enumerate(data) for p in _flatten(item, f"{prefix}[{i}]")]
    return [f"{prefix}: {data}" if prefix else str(data)]


def _summarise(response: httpx.Response, limit: int = 300) -> str:
    try:
        parts = _flatten(response.json())
        text = "; ".join(parts) or response.reason_phrase
    except ValueError:
        text = response.text.strip()
        if "<html" in text[:300].lower():
            text = f"an HTML page of {len(response.content)} bytes instead of a JSON error"
        text = text or response.reason_phrase
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Malformed(Exception):
    """A 2xx answer whose body is not JSON."""


def _decode(response: httpx.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise _Malformed from exc


class _Core:
    """What an ApiClient and its read-only view share: the pool, the limiter, the counters."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        options: ClientOptions,
        provider: str,
        sleep: Sleep | None,
        rng: Callable[[], float] | None,
    ) -> None:
        _check_base_url(base_url, options, provider)
        concurrency = max(1, min(options.concurrency, MAX_CONCURRENCY))
        self.http = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers),
            timeout=options.timeout_s,
            verify=not options.insecure,
            transport=options.transport,
            limits=httpx.Limits(max_connections=concurrency),
        )
        self.options, self.provider = options, provider
        self.limit = asyncio.Semaphore(concurrency)
        self.sleep, self.rng = sleep, rng or random.random
        self.secrets = frozenset(options.secrets) | header_secrets(headers)
        self.stats: Counter[str] = Counter()
        self.broken: str | None = None
        # The first request goes alone: a wrong token then costs exactly one request (R8),
        # not one per concurrent listing; ``auth_ok`` opens the gate for the rest.
        self.auth_gate = asyncio.Lock()
        self.auth_ok = asyncio.Event()
        self.auth_failed: str | None = None

    def redact(self, text: str) -> str:
        """``text`` without this client's secrets."""
        return redact(text, self.secrets)

    def log(self, line: str) -> None:
        """One redacted debug line (only when ``debug_log`` is set)."""
        if self.options.debug_log is not None:
            self.options.debug_log(self.redact(line))


class ApiClient:
    """Read-only access to one provider's API."""

    _core: _Core
    _owner: bool

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
        self._core = _Core(base_url, headers, options, provider, sleep, rng)
        self._owner = True

    @classmethod
    def _view(cls, core: _Core) -> ApiClient:
        view = ApiClient.__new__(ApiClient)
        view._core, view._owner = core, False
        return view

    @property
    def provider(self) -> str:
        """The provider name this client talks to (used in messages)."""
        return self._core.provider

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
        problem = ""
        for _ in range(2):
            items, problem = await self._list_once(path, params, page_size, page_size_param)
            if not problem:
                return items
            self._core.log(f"re-listing {path}: {problem}")
        raise ProviderError(
            f"{self.provider}: the listing of {path} was inconsistent twice ({problem}); objects "
            "were probably being added or removed meanwhile. Nothing was planned from it: "
            "run again."
        )

    async def _list_once(
        self, path: str, params: Mapping[str, Any] | None, page_size: int, size_param: str
    ) -> tuple[list[dict[str, Any]], str]:
        """One listing pass: the objects and, when it is not consistent, why."""
        base = {**(params or {}), size_param: page_size}
        first = await self.get(path, base)
        if isinstance(first, list):
            return first, ""
        if not isinstance(first, dict) or not isinstance(first.get("results"), list):
            raise ProviderError(f"{self.provider}: GET {path} did not answer with a list")
        count, results = first.get("count"), list(first["results"])
        if not isinstance(count, int):
            return results, ("" if first.get("next") is None else "no count in a paged answer")
        per_page = len(results) or page_size
        pages = math.ceil(count / per_page) if first.get("next") else 1
        offsets = "offset" in parse_qs(httpx.URL(str(first.get("next") or "")).query.decode())

        def page_params(n: int) -> dict[str, Any]:
            return {**base, "offset": (n - 1) * per_page} if offsets else {**base, "page": n}

        try:
            rest = await gather_all(self.get(path, page_params(n)) for n in range(2, pages + 1))
        except ApiError as exc:
            if exc.status == 404:  # DRF "Invalid page.": the list shrank while paging
                return [], "a page disappeared while paging"
            raise
        counts: set[int | None] = {count}
        for page in rest:
            counts.add(page.get("count") if isinstance(page, dict) else None)
            results.extend(page.get("results", []) if isinstance(page, dict) else [])
        if len(counts) > 1:
            other = next(c for c in counts if c != count)
            return [], f"count changed from {count} to {other} while paging"
        return _unique(results, count)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = _NO_BODY,
        missing_ok: bool = False,
    ) -> Any:
        """Send with retries (module docstring) and return the decoded JSON of a 2xx answer."""
        core, budget = self._core, self._core.options.retry_budget
        outcomes: list[str] = []
        for attempt in range(budget + 1):
            if core.broken is not None:
                raise UnreachableError(core.broken)
            request = core.http.build_request(
                method, path, params=params, json=None if body is _NO_BODY else body
            )
            outcome, extra = await self._attempt(request, missing_ok)
            if outcome is None:
                return extra  # the decoded answer
            outcomes.append(outcome)
            wait: float | None = extra
            if attempt == budget:
                break
            if wait is None:
                cap = min(core.options.max_backoff_s, BASE_BACKOFF_S * 2**attempt)
                wait = core.rng() * cap
            core.log(f"retry {attempt + 1}/{budget} of {method} {request.url} in {wait:.2f} s")
            await (core.sleep or _sleep)(wait)
        tally = ", ".join(f"{n} x {what}" for what, n in Counter(outcomes).items())
        core.broken = core.redact(
            f"{self.provider}: {method} {request.url} failed {len(outcomes)} times ({tally}); "
            "the API is unreachable or overloaded. Check the provider URL and the service's "
            "status, then run again."
        )
        raise UnreachableError(core.broken)

    async def _attempt(self, request: httpx.Request, missing_ok: bool) -> tuple[str | None, Any]:
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

    async def _send(self, request: httpx.Request, missing_ok: bool) -> tuple[str | None, Any]:
        core, method = self._core, request.method
        started = time.perf_counter()
        async with core.limit:
            core.stats[method] += 1
            try:
                response = await core.http.send(request)
            except httpx.TransportError as exc:
                ms = (time.perf_counter() - started) * 1000
                core.log(f"{method} {request.url} → {type(exc).__name__} after {ms:.0f} ms")
                return self._transport_failure(request, exc), None
        ms = (time.perf_counter() - started) * 1000
        core.log(
            f"{method} {request.url} → {response.status_code} in {ms:.0f} ms, "
            f"{len(response.content)} bytes"
        )
        return self._answer(request, response, missing_ok)

    def _transport_failure(self, request: httpx.Request, exc: httpx.TransportError) -> str:
        """Why a retry is allowed after ``exc``, or raise when it is not."""
        core, name = self._core, type(exc).__name__
        if _is_tls_error(exc):
            raise UnreachableError(
                core.redact(
                    f"{self.provider}: TLS verification failed for {request.url.host}: {exc}. "
                    "Fix the certificate, or point SSL_CERT_FILE at the right CA bundle; "
                    "--insecure turns verification off (not recommended)."
                )
            ) from None
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
            raise ProviderError(core.redact(f"{self.provider}: {request.url}: {exc}")) from exc
        if request.method != "GET" and not isinstance(exc, _NOT_SENT):
            raise AmbiguousWriteError(
                core.redact(
                    f"{self.provider}: {request.method} {request.url} was sent but the "
                    f"connection failed before an answer ({name}); it may have been carried out"
                )
            ) from None
        return name

    def _answer(
        self, request: httpx.Request, response: httpx.Response, missing_ok: bool
    ) -> tuple[str | None, Any]:
        core, method, status = self._core, request.method, response.status_code
        if status not in (401, 403):
            core.auth_ok.set()
        if status < 300:
            try:
                return None, _decode(response)
            except _Malformed:
                if method == "GET":
                    return f"{status} with a body that is not JSON", None
                raise AmbiguousWriteError(
                    core.redact(f"{method} {request.url} → {status} with a body that is not JSON")
                ) from None
        if status == 404 and missing_ok:
            return None, None
        wait = _retry_after(response)
        retry = status == 429 or (status == 503 and (method == "GET" or wait is not None))
        if retry or (method == "GET" and status in (502, 504)):
            if wait is not None and wait > MAX_RETRY_AFTER_S:
                raise UnreachableError(
                    f"{self.provider}: the API asked to wait {wait:.0f} s before {method} "
                    f"{core.redact(str(request.url))}; run again later"
                )
            return str(status), wait
        detail = core.redact(_summarise(response))
        url = core.redact(str(request.url))
        if status in (401, 403):
            core.auth_failed = (
                f"{self.provider}: the API rejected the credentials ({status}) for {method} "
                f"{url}: {detail.rstrip('.')}. Check the token (or username/password) in the "
                f"`providers.{self.provider}` block of omsform.yaml and the environment variable "
                "it reads" + (", and that this user may do this." if status == 403 else ".")
            )
            raise AuthError(core.auth_failed)
        if 300 <= status < 400:
            detail = f"redirected to {core.redact(response.headers.get('location', '?'))}"
        raise ApiError(status, method, url, detail)

    async def aclose(self) -> None:
        """Close the underlying connection pool (a read-only view leaves it to its owner)."""
        if self._owner:
            await self._core.http.aclose()


def _unique(results: list[Any], count: int) -> tuple[list[dict[str, Any]], str]:
    """De-duplicated by ``id``, and whether that matches ``count``."""
    if not all(isinstance(item, dict) and "id" in item for item in results):
        ok = len(results) == count
        return results, "" if ok else f"count {count} but {len(results)} objects"
    seen: dict[Any, dict[str, Any]] = {}
    for item in results:
        seen.setdefault(item["id"], item)
    if len(seen) != count:
        return [], f"count {count} but {len(seen)} unique ids"
    return list(seen.values()), ""


class WriteClient(ApiClient):
    """Read and write access. Writes are never retried blindly (see the module docstring)."""

    async def post(self, path: str, json: Any = None) -> Any:
        """POST and return the decoded JSON body (None for 204/empty)."""
        return await self._request("POST", path, body=json)

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
        return ApiClient._view(self._core)
