"""What an :class:`~omsform.http.client.ApiClient` and its read-only views share: one connection
pool
(opened only for a URL that keeps the token safe), the limit on requests in flight, request
counters, the gate that sends the first request alone, and the secrets redacted from logs."""

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
    from omsform.http.client import ClientOptions
    from omsform.http.pace import Pacer

MAX_CONCURRENCY = MAXIMUM  # the most requests one client keeps in flight
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
        self.http = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers),
            timeout=options.timeout_s,
            verify=_verifies(base_url, options),
            transport=options.transport,
            limits=httpx.Limits(max_connections=fixed or MAXIMUM),
        )
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

    def redact(self, text: str) -> str:
        """``text`` without this client's secrets (:func:`omsform.secrets.mask.redact`)."""
        return redact(text, self.secrets)

    def log(self, line: str) -> None:
        """One redacted debug line (only when ``debug_log`` is set)."""
        if self.options.debug_log is not None:
            self.options.debug_log(self.redact(line))


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
