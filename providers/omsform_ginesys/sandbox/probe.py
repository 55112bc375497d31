"""The Ginesys app's two connection tests, which really call loopback addresses only.

A URL whose host is ``localhost``, ``127.0.0.0/8`` or ``::1`` is called for real with a short
timeout, without proxies from the environment and without following redirects (so a test
can never reach another host). Any other host gets no request at all: the outcome comes from
the sandbox knob ``POST /_sandbox/ginesys/test-outcome`` (both pass by default).

The webhook test POSTs ``{"event": "ping", "event_id", "organization_unit_id", "occurred_at",
"data": {"app_id"}}`` with ``Content-Type: application/json``, ``X-Ginesys-Event: ping`` and
``X-Ginesys-Signature: sha256=<hex HMAC-SHA256(webhook secret, raw body)>``. The API test
sends ``GET {api_url}/health`` with ``X-Api-Key: <api key>``. Either passes on any 2xx.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(3.0)
TARGETS = ("webhook", "ginesys_api")
OUTCOME_KEY = "ginesys:test-outcome"

Result = dict[str, Any]


def now() -> str:
    """The current time as the OMS-style ISO string."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_loopback(url: str) -> bool:
    """True when ``url`` is http(s) to a loopback host (no DNS lookup is made)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return False
    if parsed.scheme not in ("http", "https"):
        return False
    if parsed.host == "localhost":
        return True
    try:
        return ipaddress.ip_address(parsed.host).is_loopback
    except ValueError:
        return False


def signature(secret: str, body: bytes) -> str:
    """The ``X-Ginesys-Signature`` value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def ping_body(organization_unit_id: int, app_id: int) -> bytes:
    """The raw JSON of a ``ping`` event."""
    event = {
        "event": "ping",
        "event_id": str(uuid.uuid4()),
        "organization_unit_id": organization_unit_id,
        "occurred_at": now(),
        "data": {"app_id": app_id},
    }
    return json.dumps(event, separators=(",", ":")).encode()


async def run(app: dict[str, Any], target: str, simulated_ok: bool) -> Result:
    """Run one test for a stored app; ``simulated_ok`` answers for non-loopback hosts."""
    if target == "webhook":
        url = app["webhook"]["url"]
        body = ping_body(app["organization_unit_id"], app["id"])
        headers = {
            "Content-Type": "application/json",
            "X-Ginesys-Event": "ping",
            "X-Ginesys-Signature": signature(app["webhook"]["secret"], body),
        }
        return await _call("POST", url, headers, body, simulated_ok)
    url = app["ginesys_api"]["url"].rstrip("/") + "/health"
    headers = {"X-Api-Key": app["ginesys_api"]["api_key"]}
    return await _call("GET", url, headers, None, simulated_ok)


async def _call(
    method: str, url: str, headers: dict[str, str], body: bytes | None, simulated_ok: bool
) -> Result:
    if not is_loopback(url):
        status = 200 if simulated_ok else 500
        message = "simulated: not a loopback host, so no request was sent"
        return _result(simulated_ok, status, message, simulated=True)
    try:
        async with httpx.AsyncClient(
            timeout=TIMEOUT, trust_env=False, follow_redirects=False
        ) as client:
            response = await client.request(method, url, headers=headers, content=body)
    except httpx.HTTPError as exc:
        return _result(False, None, f"request failed: {type(exc).__name__}")
    ok = 200 <= response.status_code < 300
    message = "passed" if ok else f"answered HTTP {response.status_code}"
    return _result(ok, response.status_code, message)


def _result(ok: bool, status: int | None, message: str, *, simulated: bool = False) -> Result:
    return {
        "ok": ok,
        "http_status": status,
        "message": message,
        "simulated": simulated,
        "at": now(),
    }
