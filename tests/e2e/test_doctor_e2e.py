"""``omsform doctor`` end to end: the demo against the embedded sandbox passes every check, and
against a server that moved one collection it names the collection, the path it tried and the
``api:`` override — with which doctor passes and plan → apply → plan converges."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from omsform.sandbox import new_token
from tests.e2e.conftest import Cli, Server, copy_demo, default_secrets, demo_env
from tests.fixtures import moved_api
from tests.served import child_server

OVERRIDE = f"api: {{STOCK_LOCATIONS: {moved_api.NEW}}}"


@pytest.fixture
def moved_server(tmp_path: Path) -> Iterator[Server]:
    """The demo-seeded sandbox with stock locations moved (see ``tests/fixtures/moved_api``)."""
    token = new_token()
    script = str(Path(moved_api.__file__))

    def command(port: int) -> list[str]:
        return [sys.executable, script, str(port), str(tmp_path / "moved.sqlite"), token]

    auth = {"Authorization": f"Token {token}"}
    with (
        child_server(command, start_seconds=30) as child,
        httpx.Client(base_url=child.base_url, headers=auth, timeout=30) as http,
    ):
        yield Server(base=child.base_url, token=token, http=http)


def test_doctor_passes_on_the_demo_sandbox(tmp_path: Path) -> None:
    brand = copy_demo(tmp_path / "demo")
    cli = Cli(brand, demo_env(brand, _no_server(), default_secrets(brand)))
    result = cli("doctor", str(brand), "--sandbox")
    assert result.code == 0, str(result)
    assert "Doctor: every check ok." in result.stdout
    assert "differs" not in result.stdout and "missing" not in result.stdout
    # it never writes, even to the embedded sandbox
    as_json = cli("doctor", str(brand), "--sandbox", "--format", "json", "--show-api")
    report = json.loads(as_json.stdout)
    assert report["ok"] is True
    assert report["api"]["akinon_oms"]["STOCK_LOCATIONS"] == "/api/v1/oms/stocklocations/"


def test_doctor_names_the_moved_collection_and_the_override_converges(
    tmp_path: Path, moved_server: Server
) -> None:
    brand = copy_demo(tmp_path / "demo")
    cli = Cli(brand, demo_env(brand, moved_server, default_secrets(brand)))
    moved_server.reset_stats()

    found = cli("doctor", str(brand))
    assert found.code == 1, str(found)
    line = next(x for x in found.stdout.splitlines() if "list stock locations" in x)
    assert line.startswith("missing") and moved_api.OLD in line
    assert f"fix: {OVERRIDE}" in found.stdout
    assert moved_server.writes() == {}, "doctor wrote to the server"

    config = brand / "omsform.yaml"
    text = config.read_text().replace(
        "    token: ${secret.DEMO_OMS_TOKEN}\n",
        f"    token: ${{secret.DEMO_OMS_TOKEN}}\n    {OVERRIDE}\n",
    )
    config.write_text(text)
    assert cli("validate", str(brand)).code == 0
    fixed = cli("doctor", str(brand), "--show-api")
    assert fixed.code == 0, str(fixed)
    assert f"STOCK_LOCATIONS: '{moved_api.NEW}'" in fixed.stdout

    assert cli("plan", str(brand), "--detailed-exitcode").code == 2
    applied = cli("apply", str(brand), "--auto-approve")
    assert applied.code == 0, str(applied)
    again = cli("plan", str(brand), "--detailed-exitcode")
    assert again.code == 0, str(again)


def test_an_unknown_api_entry_is_a_located_error_with_a_hint(tmp_path: Path) -> None:
    brand = copy_demo(tmp_path / "demo")
    config = brand / "omsform.yaml"
    config.write_text(
        config.read_text().replace(
            "    token: ${secret.DEMO_OMS_TOKEN}\n",
            "    token: ${secret.DEMO_OMS_TOKEN}\n"
            "    api: {STOCK_LOCATONS: /x/, PAGE_SIZE: many, WEBHOOK_EVENT_TYPES: [a]}\n",
        )
    )
    cli = Cli(brand, demo_env(brand, _no_server(), default_secrets(brand)))
    result = cli("validate", str(brand))
    assert result.code == 1
    assert "omsform.yaml:9" in result.stderr
    assert "did you mean 'STOCK_LOCATIONS'?" in result.stderr
    assert "PAGE_SIZE" in result.stderr
    assert "cannot be overridden per brand" in result.stderr


def _no_server() -> Server:
    """A stand-in for tests that use only the embedded sandbox (no URL is contacted)."""
    return Server(base="http://127.0.0.1:9", token="unused-token-0000", http=httpx.Client())
