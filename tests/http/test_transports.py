"""Which clients check TLS certificates: every ``https://`` one unless ``--insecure``; none
where no TLS is spoken (a plain ``http://`` base or the in-process sandbox), so no run loads
the CA bundle for nothing."""

from __future__ import annotations

import ssl

import httpx
import pytest

from omsform.http.client import ClientOptions
from omsform.http.pace import Pacer
from omsform.http.pool import ClientCore


def _context(base_url: str, options: ClientOptions) -> ssl.SSLContext:
    core = ClientCore(base_url, {}, options, "akinon_oms", Pacer())
    transport = core.transports[0]
    assert isinstance(transport, httpx.AsyncHTTPTransport)
    context: ssl.SSLContext = transport._pool._ssl_context  # type: ignore[attr-defined]
    return context


def test_an_https_api_has_its_certificate_and_host_name_checked() -> None:
    context = _context("https://oms.example.com", ClientOptions())
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.parametrize(
    ("base_url", "options"),
    [
        ("https://oms.example.com", ClientOptions(insecure=True)),
        ("http://127.0.0.1:8700", ClientOptions()),
    ],
)
def test_no_certificate_is_checked_where_none_is_wanted(
    base_url: str, options: ClientOptions
) -> None:
    assert _context(base_url, options).verify_mode is ssl.CERT_NONE
