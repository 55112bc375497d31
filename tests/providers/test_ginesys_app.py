"""``ginesys_oms_app`` against the Ginesys sandbox: the contract round trip through the engine,
and the user-facing rules (manual immutable changes, failed connection tests, no secrets in
any output) through the real command line."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from starlette.testclient import TestClient

from omsform.cli.main import main
from omsform.sandbox import DEFAULT_TOKEN, build_app
from omsform.sandbox.store import Store
from tests.harness import CONFIG, BrandHarness, actions
from tests.served import Received, loopback_receiver

APPS = "/ginesys/api/v1/connected-apps/oms"
SECRETS = {
    "GIN_WEBHOOK_SECRET": "canary-webhook-secret-5e1d",
    "GIN_API_KEY": "canary-ginesys-key-a0c4",
    "GIN_ENCRYPTION_KEY": "canary-encryption-key-77b2",
}
APP = """\
    ginesys_oms_app:
      main:
        organization_unit: 1
        app_name: Browntape OMS
        webhook_url: {webhook_url}
        webhook_secret: ${{secret.GIN_WEBHOOK_SECRET}}
        encryption_key: ${{secret.GIN_ENCRYPTION_KEY}}
        api_url: {api_url}
        api_key: ${{secret.GIN_API_KEY}}
        enabled: {enabled}
    """
REMOTE_URLS = {"webhook_url": "https://oms.example.com/hook", "api_url": "https://erp.example.com"}
SETTING = "oms_setting:\n  IS_TRADEIN_ENABLED: {value: %s}\n"


def app_yaml(enabled: str = "true", **urls: str) -> str:
    """The app's YAML with ``urls`` overriding the (non-loopback) defaults."""
    return textwrap.dedent(APP.format(enabled=enabled, **{**REMOTE_URLS, **urls}))


def apps(raw: TestClient) -> list[dict[str, Any]]:
    """Every app as the Ginesys sandbox lists it."""
    results: list[dict[str, Any]] = raw.get(APPS).json()["results"]
    return results


# --- the contract, through the engine ----------------------------------------------------------
def test_create_then_toggle_enabled_converges(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"ginesys.yaml": app_yaml()})
    assert actions(h.converge()) == {"ginesys_oms_app.main": "+"}
    [app] = apps(h.raw)
    assert app["status"] == "enabled"
    assert app["webhook"]["encryption_key"] == "********"  # sent, and masked on read
    assert {t: r["ok"] for t, r in app["last_tests"].items()} == {
        "webhook": True,
        "ginesys_api": True,
    }

    h.write({"ginesys.yaml": app_yaml(enabled="false")})
    plan = h.plan()
    assert actions(plan) == {"ginesys_oms_app.main": "~"}
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("enabled", True, False)
    ]
    h.converge()
    assert apps(h.raw)[0]["status"] == "disabled"

    h.write({"ginesys.yaml": app_yaml(enabled="true")})
    assert actions(h.plan()) == {"ginesys_oms_app.main": "~"}
    h.converge()
    assert apps(h.raw)[0]["status"] == "enabled"


def test_create_disabled_is_one_write_and_leaves_a_draft(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"ginesys.yaml": app_yaml(enabled="false")})
    h.reset_stats()
    h.apply()
    writes = {m: n for m, n in h.stats()["by_method"].items() if m != "GET"}
    assert writes == {"POST": 1}
    assert apps(h.raw)[0]["status"] == "draft"
    assert not h.plan().has_changes


def test_undeclared_app_is_listed_never_deleted(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"ginesys.yaml": app_yaml()})
    h.converge()
    h.write({"ginesys.yaml": app_yaml().replace("organization_unit: 1", "organization_unit: 2")})
    plan = h.plan()
    assert actions(plan) == {"ginesys_oms_app.main": "+"}  # OU 2 is another app
    kept = [n.message for n in plan.notes if n.category == "unmanaged"]
    assert len(kept) == 1 and "omsform never deletes ginesys_oms_app" in kept[0]
    assert "prune" not in kept[0] and kept[0].endswith(": 1")


# --- the command line ------------------------------------------------------------------------
@dataclass
class Cli:
    """A brand directory with both provider blocks, run through ``omsform … --sandbox``."""

    path: Path
    runner: CliRunner = field(default_factory=CliRunner)
    outputs: list[str] = field(default_factory=list)

    def write(self, name: str, text: str) -> None:
        """Write one resource file."""
        (self.path / name).write_text(text)

    def run(self, *args: str) -> Result:
        """``omsform ARGS`` with the brand's secrets in the environment (output kept)."""
        result = self.runner.invoke(main, list(args), env=SECRETS, catch_exceptions=False)
        self.outputs.append(result.output)
        return result

    def plan(self, *extra: str) -> Result:
        """``omsform plan BRAND --sandbox --detailed-exitcode``."""
        return self.run("plan", str(self.path), "--sandbox", "--detailed-exitcode", *extra)

    def apply(self, *extra: str) -> Result:
        """``omsform apply BRAND --sandbox --auto-approve``."""
        return self.run("apply", str(self.path), "--sandbox", "--auto-approve", *extra)

    def raw(self) -> TestClient:
        """An authenticated client on the brand's embedded sandbox database."""
        app = build_app(Store(self.path / ".omsform" / "sandbox.sqlite"))
        return TestClient(app, base_url="http://sandbox", headers={"X-Api-Key": DEFAULT_TOKEN})

    def assert_no_secret_anywhere(self) -> None:
        """No canary value in any output so far, nor in the files omsform wrote."""
        written = [p.read_text() for p in (self.path / ".omsform").glob("*.json*")]
        for text in [*self.outputs, *written]:
            for value in SECRETS.values():
                assert value not in text


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    path = tmp_path / "brand"
    path.mkdir()
    (path / "omsform.yaml").write_text(CONFIG % {"prune": [], "protect": [], "fraction": 1.0})
    return Cli(path)


def test_immutable_change_is_manual_and_blocks_apply_unless_excluded(cli: Cli) -> None:
    cli.write("ginesys.yaml", app_yaml())
    cli.write("settings.yaml", SETTING % "false")
    assert cli.apply("-v").exit_code == 0  # -v: the HTTP log must not show secrets either
    assert cli.plan().exit_code == 0

    cli.write("ginesys.yaml", app_yaml(webhook_url="https://new-oms.example.com/hook"))
    cli.write("settings.yaml", SETTING % "true")
    planned = cli.plan()
    assert planned.exit_code == 2
    assert "! ginesys_oms_app.main" in planned.output
    assert "immutable field 'webhook_url' changed" in planned.output
    assert "ask Ginesys support to reset it" in planned.output
    assert (
        'webhook_url: "https://oms.example.com/hook" → "https://new-oms.example.com/hook"'
        "  # immutable" in planned.output
    )
    assert "forces replacement" not in planned.output
    assert "1 to update" in planned.output and "1 manual" in planned.output
    shown = cli.plan("--format", "json").output
    as_json = json.loads(shown[shown.index("{\n") :])
    manual = [c for c in as_json["changes"] if c["action"] == "!"]
    assert [c["address"] for c in manual] == ["ginesys_oms_app.main"]

    refused = cli.apply()
    assert refused.exit_code == 1
    assert "manual changes" in refused.output and "ginesys_oms_app.main" in refused.output
    assert "~ oms_setting.IS_TRADEIN_ENABLED" in cli.plan().output  # nothing was applied

    assert cli.apply("--exclude", "ginesys_oms_app.*").exit_code == 0
    after = cli.plan()
    assert after.exit_code == 2  # only the manual change is left
    assert "oms_setting" not in after.output and "1 manual" in after.output
    assert apps(cli.raw())[0]["webhook"]["url"] == "https://oms.example.com/hook"
    cli.assert_no_secret_anywhere()


def test_rotated_secret_is_manual_without_showing_it(cli: Cli) -> None:
    cli.write("ginesys.yaml", app_yaml())
    assert cli.apply().exit_code == 0
    rotated = {**SECRETS, "GIN_API_KEY": "canary-rotated-key-19ff"}
    result = cli.runner.invoke(
        main, ["plan", str(cli.path), "--sandbox", "--detailed-exitcode"], env=rotated
    )
    assert result.exit_code == 2
    assert "immutable field 'api_key' changed" in result.output
    assert "api_key: (sensitive value changed)" in result.output
    assert "canary-rotated-key-19ff" not in result.output
    cli.outputs.append(result.output)
    cli.assert_no_secret_anywhere()


@dataclass
class Receiver:
    """A loopback HTTP server: the webhook path answers ``webhook_status``, anything else 200."""

    webhook_status: int = 500
    url: str = ""
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, event header


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    def answer(request: Received) -> int:
        event = request.headers.get("X-Ginesys-Event") or ""
        state.seen.append((request.method, request.path, event))
        return state.webhook_status if request.path == "/hook" else 200

    with loopback_receiver(answer) as url:
        state.url = url
        yield state


def test_failed_webhook_test_fails_the_create_and_leaves_the_app_not_enabled(
    cli: Cli, receiver: Receiver
) -> None:
    urls = {"webhook_url": receiver.url + "/hook", "api_url": receiver.url + "/api"}
    cli.write("ginesys.yaml", app_yaml(**urls))
    applied = cli.apply()
    assert applied.exit_code == 1
    assert "failed" in applied.output and "ginesys_oms_app.main" in applied.output
    assert "connection test 'webhook' failed (HTTP status 500)" in applied.output
    assert "answered HTTP 500" in applied.output  # the test's own message
    assert "ginesys_api" not in applied.output  # the API test passed
    assert ("POST", "/hook", "ping") in receiver.seen and (
        "GET",
        "/api/health",
        "",
    ) in receiver.seen
    [app] = apps(cli.raw())
    assert app["status"] != "enabled"

    # the app was recorded (no unverified secrets): the next plan only wants to enable it
    again = cli.plan()
    assert again.exit_code == 2
    assert "~ ginesys_oms_app.main" in again.output and "enabled: false → true" in again.output
    assert "Unverified" not in again.output

    receiver.webhook_status = 204
    assert cli.apply().exit_code == 0
    assert apps(cli.raw())[0]["status"] == "enabled"
    assert cli.plan().exit_code == 0
    cli.assert_no_secret_anywhere()


def test_failed_test_when_enabling_a_disabled_app_keeps_it_disabled(
    cli: Cli, receiver: Receiver
) -> None:
    receiver.webhook_status = 200
    urls = {"webhook_url": receiver.url + "/hook", "api_url": receiver.url + "/api"}
    cli.write("ginesys.yaml", app_yaml(enabled="false", **urls))
    assert cli.apply().exit_code == 0
    receiver.webhook_status = 503
    cli.write("ginesys.yaml", app_yaml(enabled="true", **urls))
    applied = cli.apply()
    assert applied.exit_code == 1
    assert "connection test 'webhook' failed (HTTP status 503)" in applied.output
    assert apps(cli.raw())[0]["status"] != "enabled"
    cli.assert_no_secret_anywhere()
