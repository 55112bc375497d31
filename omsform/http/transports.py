"""The transports a client sends on: up to :data:`POOLS` connection pools of httpx (one
connection each), sharing one TLS context, with connections made on the asyncio event loop
(:mod:`omsform.http.sockets`) — or the one test transport the options name (the embedded
sandbox's ASGI app, a mock). A proxy named in the environment (``HTTPS_PROXY``,
``HTTP_PROXY``, ``ALL_PROXY``, with ``NO_PROXY`` exceptions, as Python's urllib reads them) is
used as httpx uses it."""

from __future__ import annotations

import urllib.request
from typing import TYPE_CHECKING

import httpcore
import httpx

from omsform.errors import ProviderError
from omsform.http.concurrency import MAXIMUM
from omsform.http.sockets import AsyncioBackend

if TYPE_CHECKING:
    import ssl

    from omsform.http.client import ClientOptions

# httpcore's pool checks every connection of a pool (a poll() and a peer-name lookup each)
# twice per request and compares its idle connections pairwise: with 16 connections in one
# pool that was a fifth of apply's CPU (spec §11 P6; callgrind: 5.8 M instructions per create
# in one pool, 4.7 M in 16 pools of one connection). So each connection gets a pool of its own.
POOLS = MAXIMUM


def transports(
    base_url: str, options: ClientOptions, width: int, provider: str
) -> tuple[httpx.AsyncBaseTransport, ...]:
    """``width`` connections to ``base_url`` spread over up to :data:`POOLS` pools (the test
    transport alone when the options name one: it has no connections to spread). The TLS
    context is made once: the CA bundle loads once, not once per pool."""
    if options.transport is not None:
        return (options.transport,)
    count = max(1, min(POOLS, width))
    context = httpx.create_ssl_context(verify=_verifies(base_url, options))
    limits = httpx.Limits(max_connections=-(-width // count))  # rounded up: width in total
    proxy = proxy_for(base_url)
    return tuple(_pool(context, limits, proxy, provider) for _ in range(count))


def _verifies(base_url: str, options: ClientOptions) -> bool:
    """Whether the pool checks TLS certificates: always for ``https://`` unless ``--insecure``;
    never where no TLS is spoken (an ``http://`` base, which the client never leaves), so no
    CA bundle is loaded for nothing (~20 ms a run)."""
    return not options.insecure and base_url.startswith("https:")


def proxy_for(base_url: str) -> str | None:
    """The proxy the environment names for ``base_url`` (None: connect directly)."""
    url = httpx.URL(base_url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(url.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(url.host):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _pool(
    context: ssl.SSLContext, limits: httpx.Limits, proxy: str | None, provider: str
) -> httpx.AsyncHTTPTransport:
    """One httpx transport; without a proxy, its connections made by :class:`AsyncioBackend`."""
    try:
        transport = httpx.AsyncHTTPTransport(verify=context, limits=limits, proxy=proxy)
    except ImportError as exc:  # a socks5:// proxy without the socksio package
        raise ProviderError(
            f"{provider}: the proxy the environment names needs a package that is not "
            f"installed ({exc}); install it or unset the proxy variable"
        ) from None
    if proxy is None:
        # httpx builds the same pool with httpcore's anyio backend and has no argument for
        # another: the pool is replaced with one that differs only in its network backend.
        # (tests/http/test_transports.py fails if an httpx release moves the attribute.)
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=AsyncioBackend(),
        )
    return transport
