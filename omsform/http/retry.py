"""Judging one try of a request: return its data, retry it (and after how long), or raise.

What is retried, exactly (each request has ``retry_budget`` retries; once one request has used
them all, the client fails every later request at once instead of hammering a dead server):

- **GET**: 429, 502, 503, 504, connection failures, timeouts, dropped connections and 2xx
  answers whose body is not JSON.
- **POST** (a create, or an action) only where the server provably did not act: a connection
  that could not be opened (``ConnectError``/``ConnectTimeout``/``PoolTimeout``: nothing was
  sent), and 429. A 429 is safe to repeat because throttling is decided before any work: DRF
  runs ``check_throttles`` in ``APIView.initial()``, before the view's handler is called, so a
  throttled create was never carried out. A 503 is *not* provably unprocessed, even with
  ``Retry-After``: a proxy or load balancer answers 503 when the app behind it was too slow,
  possibly after it committed. So after any other answer a POST is never repeated here.
- **PATCH/PUT/DELETE** (repeating them has the same effect): as POST, plus 503 *carrying*
  ``Retry-After`` (the server says "not now").
- Anything else after a write went out (read timeout, dropped connection, 502, 503, 504, a 2xx
  whose body is not JSON) is *ambiguous*: it is raised (:func:`is_ambiguous` tells) and
  ``apply`` looks the object up by natural key before trying again.
- never: 400/401/403/404/409 (and every other status) and TLS errors.

Every POST carries an ``Idempotency-Key`` header (see :mod:`omsform.http.client`): one value per
logical create, the same on each repetition of it, so an API that honours the header can drop
a duplicate; APIs that do not know it ignore it.

429 answers (and ``X-RateLimit-*`` headers) also teach the client's shared
:class:`~omsform.http.pace.Pacer` how fast the API lets it go.

The pause before a retry is the server's ``Retry-After`` when it sends one (a longer pause than
:data:`MAX_RETRY_AFTER_S` counts as unavailable), else full-jitter exponential backoff.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from omsform.errors import ApiError, ProviderError, UnreachableError

# the first retry waits up to this long, doubling: short, since the concurrency limit already
# halves on every 5xx (omsform.http.concurrency) and a 429 pauses the whole client
BASE_BACKOFF_S = 0.25
MAX_RETRY_AFTER_S = 120.0  # a server asking for a longer pause is treated as unavailable
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

Sleep = Callable[[float], Awaitable[None]]
Redact = Callable[[str], str]
Outcome = tuple[str | None, Any]
"""``(None, data)`` for a usable answer, ``(why, Retry-After or None)`` for one to retry."""


class AmbiguousWriteError(UnreachableError):
    """A write went out but no usable answer came back: it may or may not have happened."""


def is_ambiguous(exc: BaseException) -> bool:
    """True when a failed write may have been carried out (look before trying again)."""
    if isinstance(exc, AmbiguousWriteError):
        return True
    return isinstance(exc, ApiError) and exc.method != "GET" and exc.status in (502, 503, 504)


@dataclass(frozen=True)
class Backoff:
    """How a client pauses between tries; tests pass a ``sleep`` that records instead."""

    max_s: float
    sleep: Sleep = asyncio.sleep
    rng: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry ``attempt + 1``: as asked, else full jitter."""
        if retry_after is not None:
            return retry_after
        return self.rng() * min(self.max_s, BASE_BACKOFF_S * 2**attempt)


def transport_failure(
    request: httpx.Request, exc: httpx.TransportError, provider: str, redact: Redact
) -> str:
    """Why a retry is allowed after ``exc``, or raise when it is not."""
    name = type(exc).__name__
    if _is_tls_error(exc):
        raise UnreachableError(
            redact(
                f"{provider}: TLS verification failed for {request.url.host}: {exc}. "
                "Fix the certificate, or point SSL_CERT_FILE at the right CA bundle; "
                "--insecure turns verification off (not recommended)."
            )
        ) from None
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
        raise ProviderError(redact(f"{provider}: {request.url}: {exc}")) from exc
    if request.method != "GET" and not isinstance(exc, _NOT_SENT):
        raise AmbiguousWriteError(
            redact(
                f"{provider}: {request.method} {request.url} was sent but the "
                f"connection failed before an answer ({name}); it may have been carried out"
            )
        ) from None
    return name


def judge_answer(
    request: httpx.Request,
    response: httpx.Response,
    missing_ok: bool,
    provider: str,
    redact: Redact,
) -> Outcome:
    """What an answer other than 401/403 means: its data, a retry, or the error it raises."""
    method, status = request.method, response.status_code
    if status < 300:
        try:
            return None, _decode(response)
        except _Malformed:
            if method == "GET":
                return f"{status} with a body that is not JSON", None
            raise AmbiguousWriteError(
                redact(f"{method} {request.url} → {status} with a body that is not JSON")
            ) from None
    if status == 404 and missing_ok:
        return None, None
    wait = _retry_after(response)
    # a POST is repeated only after a 429 (refused before the view ran: see the module doc)
    retry = status == 429 or (
        status == 503 and (method == "GET" or (method != "POST" and wait is not None))
    )
    if retry or (method == "GET" and status in (502, 504)):
        if wait is not None and wait > MAX_RETRY_AFTER_S:
            raise UnreachableError(
                f"{provider}: the API asked to wait {wait:.0f} s before {method} "
                f"{redact(str(request.url))}; run again later"
            )
        return str(status), wait
    detail = _summarise(response, redact)
    if 300 <= status < 400:
        detail = f"redirected to {redact(response.headers.get('location', '?'))}"
    raise ApiError(status, method, redact(str(request.url)), detail)


def credentials_rejected(
    request: httpx.Request, response: httpx.Response, provider: str, redact: Redact
) -> str:
    """The message for a 401/403 answer: which block of omsform.yaml to check."""
    method, status = request.method, response.status_code
    detail = _summarise(response, redact)
    return (
        f"{provider}: the API rejected the credentials ({status}) for {method} "
        f"{redact(str(request.url))}: {detail.rstrip('.')}. Check the token (or username/password) "
        f"in the `providers.{provider}` block of omsform.yaml and the environment variable "
        "it reads" + (", and that this user may do this." if status == 403 else ".")
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


def _summarise(response: httpx.Response, redact: Redact, limit: int = 300) -> str:
    """The error body in one line of at most ``limit`` characters, secrets removed.

    Redaction runs on the full text first: collapsing whitespace would change a multi-line or
    double-spaced secret so that it no longer matches, and cutting would leave the start of a
    secret that straddles the cut."""
    try:
        parts = _flatten(response.json())
        text = redact("; ".join(parts)) or response.reason_phrase
    except ValueError:
        text = redact(response.text).strip()
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
