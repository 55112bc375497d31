"""What an :class:`~omsform.http.client.ApiClient` and its read-only views share: the
connections (an httpx pool for each, :data:`POOLS`; opened only for a URL that keeps the token
safe), the limit on requests in flight, request counters, the gate that sends the first request
alone, and the secrets redacted from logs."""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING

import httpx

from omsform.errors import ProviderError
from omsform.http.concurrency import MAXIMUM, ConcurrencyLimit
from omsform.secrets.mask import redact

if TYPE_CHECKING:
    import ssl

    from omsform.http.client import ClientOptions
    from omsform.http.pace import Pacer

MAX_CONCURRENCY = MAXIMUM  # the most requests one client keeps in flight
# httpcore's pool checks every connection of a pool (a poll() and a peer-name lookup each)
# twice per request and compares its idle connections pairwise: with 16 connections in one
# pool that was a fifth of apply's CPU (spec §11 P6; callgrind: 5.8 M instructions per create
# in one pool, 4.7 M in 16 pools of one connection). So each connection gets a pool of its own.
POOLS = MAXIMUM
_URLS_KEPT = 256
_SECRET_HEADERS = frozenset({"authorization", "x-api-key", "cookie", "proxy-authorization"})


def header_secrets(headers: Mapping[str, str]) -> set[str]:
    """Credential values in ``headers`` (whole value and the part after ``Token ``/``Bearer ``)."""
    found: set[str] = set()
    for name, value in headers.items():
        if name.lower() in _SECRET_HEADERS and value:
            found.add(value)
            found.add(value.split(" ", 1)[-1])
    return found


def _verifies(base_url: str, options: ClientOptions) -> bool:
    """Whether the pool checks TLS certificates: always for ``https://`` unless ``--insecure``;
    never where no TLS is spoken (an ``http://`` base, which the client never leaves, or an
    in-process transport), so no CA bundle is loaded for nothing (~20 ms a run)."""
    return not options.insecure and options.transport is None and base_url.startswith("https:")


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
        self.pools = _pools(base_url, headers, options, fixed or MAXIMUM)
        self._busy = [0] * len(self.pools)  # requests in flight on each pool
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

    @property
    def http(self) -> httpx.AsyncClient:
        """The first pool: what builds requests (they are the same for every pool)."""
        return self.pools[0]

    def url(self, path: str) -> httpx.URL:
        """``path`` on the base URL, as httpx joins them (a relative path is appended to the
        base path; an absolute URL stays as it is), parsed once per path: httpx's URL parser
        is pure Python and a create sends the same collection path a thousand times."""
        url = self._urls.get(path)
        if url is None:
            url = httpx.URL(path)
            if url.is_relative_url:
                base = self.http.base_url
                url = base.copy_with(raw_path=base.raw_path + url.raw_path.lstrip(b"/"))
            if len(self._urls) >= _URLS_KEPT:
                self._urls.clear()  # detail paths are one per object: keep the map small
            self._urls[path] = url
        return url

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` on the pool with the fewest requests in flight, and read the
        answer (its connection is free again when this returns)."""
        busy = self._busy
        shard = busy.index(min(busy))
        busy[shard] += 1
        try:
            return await self.pools[shard].send(request)
        finally:
            busy[shard] -= 1

    async def aclose(self) -> None:
        """Close every pool."""
        for pool in self.pools:
            await pool.aclose()

    def redact(self, text: str) -> str:
        """``text`` without this client's secrets (:func:`omsform.secrets.mask.redact`)."""
        return redact(text, self.secrets)

    def log(self, line: str) -> None:
        """One redacted debug line (only when ``debug_log`` is set)."""
        if self.options.debug_log is not None:
            self.options.debug_log(self.redact(line))


def _pools(
    base_url: str, headers: Mapping[str, str], options: ClientOptions, width: int
) -> tuple[httpx.AsyncClient, ...]:
    """``width`` connections spread over up to :data:`POOLS` pools (one with a test transport,
    which has no connections to spread). Sharing one TLS context: the CA bundle loads once."""
    count = 1 if options.transport is not None else max(1, min(POOLS, width))
    verify: ssl.SSLContext | bool = _verifies(base_url, options)
    if options.transport is None:
        verify = httpx.create_ssl_context(verify=verify)  # made once, not once per pool
    limits = httpx.Limits(max_connections=-(-width // count))  # rounded up: width in total
    return tuple(
        httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers),
            timeout=options.timeout_s,
            verify=verify,
            transport=options.transport,
            limits=limits,
        )
        for _ in range(count)
    )


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
