"""What an :class:`~omsform.http.client.ApiClient` and its read-only views share: the
connections (:mod:`omsform.http.transports`; opened only for a URL that keeps the token safe)
and the requests built for them, the limit on requests in flight, request counters, the gate
that sends the first request alone, and the secrets redacted from logs."""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from collections.abc import Mapping
from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import httpx

from omsform.errors import ProviderError
from omsform.http.concurrency import MAXIMUM, ConcurrencyLimit
from omsform.http.transports import transports
from omsform.secrets.mask import redact

if TYPE_CHECKING:
    from omsform.http.client import ClientOptions
    from omsform.http.pace import Pacer

MAX_CONCURRENCY = MAXIMUM  # the most requests one client keeps in flight
NO_BODY: Any = object()  # a request without a body
_URLS_KEPT = 256
_HEADERS = {  # httpx's defaults; the User-Agent names omsform
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
}
_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "cookie", "proxy-authorization"})


def header_secrets(headers: Mapping[str, str]) -> set[str]:
    """Credential values in ``headers`` (whole value and the part after ``Token ``/``Bearer ``)."""
    found: set[str] = set()
    for name, value in headers.items():
        if name.lower() in _SECRET_HEADERS and value:
            found.add(value)
            found.add(value.split(" ", 1)[-1])
    return found


class ClientCore:
    """The pool, the concurrency limit (:mod:`omsform.http.concurrency`), the pacer, the
    counters and the auth gate of one client and its views."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        options: ClientOptions,
        provider: str,
        pacer: Pacer,
    ) -> None:
        _check_base_url(base_url, options, provider)
        fixed = None if options.concurrency is None else max(1, options.concurrency)
        self.limit = ConcurrencyLimit(fixed)  # shared by reads and writes (and the views)
        self.transports = transports(base_url, options, fixed or MAXIMUM, provider)
        self._busy = [0] * len(self.transports)  # requests in flight on each transport
        self.base_url = httpx.URL(base_url)
        self.headers = {**_HEADERS, "User-Agent": _user_agent(), **headers}
        self.timeouts = httpx.Timeout(options.timeout_s).as_dict()
        self._urls: dict[str, httpx.URL] = {}  # path → absolute URL, parsed once
        self.options, self.provider = options, provider
        self.pacer = pacer  # shared by every request of this client and its views
        self.secrets = frozenset(options.secrets) | header_secrets(headers)
        self.stats: Counter[str] = Counter()
        self.broken: str | None = None
        # The first request goes alone: a wrong token then costs exactly one request (R8),
        # not one per concurrent listing; ``auth_ok`` opens the gate for the rest.
        self.auth_gate = asyncio.Lock()
        self.auth_ok = asyncio.Event()
        self.auth_failed: str | None = None

    def url(self, path: str) -> httpx.URL:
        """``path`` on the base URL, as httpx joins them (a relative path is appended to the
        base path; an absolute URL stays as it is), parsed once per path: httpx's URL parser
        is pure Python and a create sends the same collection path a thousand times."""
        url = self._urls.get(path)
        if url is None:
            url = httpx.URL(path)
            if url.is_relative_url:
                base = self.base_url
                url = base.copy_with(raw_path=base.raw_path + url.raw_path.lstrip(b"/"))
            if len(self._urls) >= _URLS_KEPT:
                self._urls.clear()  # detail paths are one per object: keep the map small
            self._urls[path] = url
        return url

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        headers: Mapping[str, str] | None,
    ) -> httpx.Request:
        """The request to send: the client's headers and timeouts, ``body`` as JSON (none
        when it is :data:`NO_BODY`)."""
        url = self.url(path)
        if params:
            url = url.copy_merge_params(params)
        return httpx.Request(
            method,
            url,
            json=None if body is NO_BODY else body,
            headers={**self.headers, **headers} if headers else self.headers,
            extensions={"timeout": self.timeouts},
        )

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on the connection with the fewest requests in flight, and read the
        answer (its connection is free again when this returns). Straight to the transport:
        httpx's client would add cookies (an API token needs none), redirects (never
        followed) and auth flows (the token is a header) at ~0.1 ms per request."""
        busy = self._busy
        shard = busy.index(min(busy))
        busy[shard] += 1
        try:
            response = await self.transports[shard].handle_async_request(request)
            response.request = request
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
            return response
        finally:
            busy[shard] -= 1

    async def aclose(self) -> None:
        """Close every connection."""
        for transport in self.transports:
            await transport.aclose()

    def redact(self, text: str) -> str:
        """``text`` without this client's secrets (:func:`omsform.secrets.mask.redact`)."""
        return redact(text, self.secrets)

    def log(self, line: str) -> None:
        """One redacted debug line (only when ``debug_log`` is set)."""
        if self.options.debug_log is not None:
            self.options.debug_log(self.redact(line))


@cache
def _user_agent() -> str:
    return f"omsform/{version('omsform')}"


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str, options: ClientOptions, provider: str) -> None:
    """Refuse a URL that is not http(s), or plain http:// to a non-loopback host (unless
    ``insecure`` or a test transport): the token would travel unencrypted."""
    _check_base_url(base_url, options, provider)


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
