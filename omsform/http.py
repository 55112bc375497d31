"""The one HTTP client every provider uses (httpx.AsyncClient underneath).

:class:`ApiClient` is read-only (plan gets only this); :class:`WriteClient` adds the write
methods (apply). Both share: base URL and auth headers, timeouts, TLS verification (plain
``http://`` refused except for loopback unless ``insecure``), at most ``concurrency`` requests in
flight (≤ 16), DRF pagination with listing checks, retries of reads on 429/5xx/connection errors
with full-jitter exponential backoff honouring ``Retry-After``, translation of error statuses to
:mod:`omsform.errors`, and a debug log (``-v``) in which header values and secrets are redacted.

STATUS: interface fixed; implementation owned by the runtime work (see issue 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx


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


class ApiClient:
    """Read-only access to one provider's API."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        options: ClientOptions,
        *,
        provider: str,
    ) -> None:
        raise NotImplementedError

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``path`` (relative to the base URL) and return the decoded JSON (None if empty)."""
        raise NotImplementedError

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
        raise NotImplementedError

    async def aclose(self) -> None:
        """Close the underlying connection pool."""
        raise NotImplementedError


class WriteClient(ApiClient):
    """Read and write access. Writes are never retried blindly (see ``apply``)."""

    async def post(self, path: str, json: Any = None) -> Any:
        """POST and return the decoded JSON body (None for 204/empty)."""
        raise NotImplementedError

    async def patch(self, path: str, json: Any) -> Any:
        """PATCH and return the decoded JSON body (None for an empty body)."""
        raise NotImplementedError

    async def put(self, path: str, json: Any) -> Any:
        """PUT and return the decoded JSON body (None for an empty body)."""
        raise NotImplementedError

    async def delete(self, path: str) -> None:
        """DELETE; a 404 counts as already deleted."""
        raise NotImplementedError

    def read_only(self) -> ApiClient:
        """A view of this client without write methods (what plan code receives)."""
        raise NotImplementedError
