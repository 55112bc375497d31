"""The ``akinon_oms`` block may give ``username``/``password`` instead of a token: omsform
logs in once per run (``POST /api/v1/auth/login/`` → ``{"key"}``) and uses the key."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from omsform.engine import run as engine
from omsform.errors import AuthError
from omsform.http.client import ClientOptions
from omsform.sandbox import transport
from tests.harness import BrandHarness


def _plan_with(h: BrandHarness, password: str) -> int:
    """Plan the brand logging in with ``password``; the number of changes."""

    async def run() -> int:
        brand = h.load()
        configs = {
            "akinon_oms": {"url": "http://sandbox", "username": "admin", "password": password}
        }
        options = ClientOptions(transport=transport(h.app), secrets=frozenset({password}))
        kinds = engine.kinds_to_read(brand)
        session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
        async with session:
            current = await engine.read(session, kinds)
            return len(
                engine.plan_from(
                    engine.plan_inputs(session, current), current, brand, force=True
                ).changes
            )

    return asyncio.run(run())


def test_logs_in_once_and_uses_the_key(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"s.yaml": "oms_setting:\n  IS_TRADEIN_ENABLED: {value: true}\n"})
    h.reset_stats()
    assert _plan_with(h, "sandbox-admin") == 1
    assert h.stats()["by_path"]["POST /api/v1/auth/login/"] == 1


def test_wrong_password_is_an_auth_error_naming_the_block(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"s.yaml": "oms_setting:\n  IS_TRADEIN_ENABLED: {value: true}\n"})
    with pytest.raises(AuthError) as err:
        _plan_with(h, "canary-wrong-password-81")
    message = str(err.value)
    assert "providers.akinon_oms" in message and "username" in message
    assert "canary-wrong-password-81" not in message
