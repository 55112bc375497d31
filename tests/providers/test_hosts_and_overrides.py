"""The ``akinon_oms`` block's hosts (``omnitron_url`` logs in, ``hooks_url`` serves the
whisperer) and ``api:`` overrides applied for one run only: every request is sent to the
in-process sandbox through a transport that notes the host each one went to."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from omsform_akinon_oms import api

from omsform.contract import apimap
from omsform.engine import run as engine
from omsform.errors import ConfigError
from omsform.http.client import ClientOptions
from omsform.lang.load import load_brand
from omsform.sandbox import build_app, transport
from omsform.sandbox.knobs import Knobs
from omsform.sandbox.store import Store
from tests.e2e.conftest import copy_demo, default_secrets
from tests.fixtures import moved_api

BLOCK = """  akinon_oms:
    url: http://oms.test
    omnitron_url: http://omnitron.test
    hooks_url: http://hooks.test/
    username: admin
    password: ${secret.DEMO_OMS_PASSWORD}
    api: {STOCK_LOCATIONS: /api/v1/oms/stock-locations/}
"""


class NotingHosts(httpx.AsyncBaseTransport):
    """Passes every request to ``inner`` and notes ``(host, method, path)``."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.url.host, request.method, request.url.path))
        return await self.inner.handle_async_request(request)


def _brand(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    brand = copy_demo(tmp_path / "demo")
    config = brand / "omsform.yaml"
    text = config.read_text()
    start, end = text.index("  akinon_oms:\n"), text.index("  ginesys:\n")
    config.write_text(text[:start] + BLOCK + text[end:])
    env = {**os.environ, **default_secrets(brand), "DEMO_OMS_PASSWORD": "sandbox-admin"}
    env.update({"DEMO_GINESYS_URL": "http://erp.test", "DEMO_GINESYS_ADMIN_KEY": "k" * 40})
    return brand, env


async def _apply(brand_dir: Path, env: dict[str, str], hosts: NotingHosts) -> Any:
    brand = load_brand(brand_dir, environ=env)
    kinds = engine.kinds_to_read(brand)
    options = ClientOptions(transport=hosts, secrets=brand.secrets)
    configs = {"ginesys": {"url": "http://erp.test", "api_key": "sandbox-token-" + "0" * 28}}
    session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
    async with session:
        assert api.STOCK_LOCATIONS == moved_api.NEW  # overridden during the run
        current = await engine.read(session, kinds)
        plan = engine.plan_from(engine.plan_inputs(session, current), current, brand, force=True)
        return await engine.apply_brand(session, plan, current, parallelism=1)


def test_login_goes_to_omnitron_hooks_to_hooks_url_and_overrides_end_with_the_run(
    tmp_path: Path,
) -> None:
    brand, env = _brand(tmp_path)
    app = build_app(Store(tmp_path / "s.sqlite"), knobs=Knobs(step_seconds=0.0), seed="demo")
    hosts = NotingHosts(transport(moved_api.moved(app)))
    report = asyncio.run(_apply(brand, env, hosts))
    assert not report.failed, report
    logins = [c for c in hosts.calls if c[2].endswith("/auth/login/")]
    assert logins == [("omnitron.test", "POST", api.LOGIN)]
    hooks = {c for c in hosts.calls if c[2].startswith("/whisperer/")}
    assert hooks and {c[0] for c in hooks} == {"hooks.test"}
    assert any(c[2].startswith(moved_api.NEW) for c in hosts.calls)
    oms = {c[0] for c in hosts.calls if c[2].startswith(api.PREFIX)}
    assert oms == {"oms.test"}
    # restored after the run: the next brand in this process sees the defaults
    assert api.STOCK_LOCATIONS == "/api/v1/oms/stocklocations/"
    assert api.WHISPERER_HOOKS == "/whisperer/hooks/"


def test_overlapping_runs_with_different_overrides_are_refused() -> None:
    with apimap.overridden(api, {"STATES": "/api/v1/oms/package-states/"}):
        assert api.STATES == "/api/v1/oms/package-states/"
        with apimap.overridden(api, {"STATES": "/api/v1/oms/package-states/"}):
            pass  # the same overrides may overlap
        assert api.STATES == "/api/v1/oms/package-states/"
        with pytest.raises(ConfigError), apimap.overridden(api, {"STATES": "/x/"}):
            pass
    assert api.STATES == "/api/v1/oms/states/"


def test_only_entries_read_at_call_time_are_overridable() -> None:
    names = apimap.overridable(api)
    assert "STOCK_LOCATIONS" in names and "SETUP_STEPS" in names
    assert "STOCK_LOCATION_TAGS" not in names  # the kind copies it when imported
    assert "PREFIX" not in names  # only builds other entries
    merged = apimap.effective(api, {"SETUP_STEPS": {"channels": "/api/v1/oms/setup/channels/"}})
    assert merged["SETUP_STEPS"]["addresses"] == api.SETUP_STEPS["addresses"]


def test_an_endpoint_lambda_is_read_at_call_time_and_a_spec_field_is_fixed() -> None:
    """A ``RestResource``'s ``Endpoint(collection=lambda: api.NAME)`` follows overrides; a wire
    name that is a Spec field name (the Spec is dumped as it is) cannot be overridden."""
    names = apimap.overridable(api)
    assert {"DENIAL_REASONS", "DENIAL_REASONS_PAGE_SIZE_PARAM", "OMS_HOOKS"} <= set(names)
    assert "WHISPERER_HOOKS" in names  # an Endpoint's create_at/delete_at
    assert "STOCK_INTEGRATION_URL" in apimap.frozen_names(api)
