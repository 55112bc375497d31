"""``omsform plan`` starts the listings it is certain to send while the brand loads
(:mod:`omsform.engine.ahead`): the plan, the calls it makes and its errors are those of the
same plan read after loading (``OMSFORM_READ_AHEAD=0``).

The whole demo is read ahead for its plain files' bulk kinds; its setup steps and stock
integration (read one object at a time), channels (listed after the setup steps' reads),
stock locations (the same, and templated) and settings (templated) are read after loading.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

import pytest

from omsform.contract.provider import registry
from omsform.contract.rest import RestResource
from omsform.engine import ahead, ahead_since, gitdiff
from omsform.errors import OmsformError
from omsform.http.client import ClientOptions
from tests.e2e.conftest import Cli, Server, copy_demo, default_secrets, demo_env

pytestmark = pytest.mark.slow

AFTER_LOADING = {"OMSFORM_READ_AHEAD": "0"}
DEMO_AHEAD = {
    "ginesys_oms_app",
    "oms_cargo_integration",
    "oms_denial_reason",
    "oms_scenario",
    "oms_transition",
    "oms_webhook",
}
"""The demo's kinds listed ahead: every bulk kind of its plain files, and its pruned kinds."""
NOT_AHEAD = (  # the files of the kinds not read in one bulk listing, or read after setup steps
    "setup.yaml",
    "stock_integration.yaml",
    "settings.yaml",
    "stock_locations.yaml",
    "scenarios.yaml",
    "channels.yaml",
)
SECONDS = re.compile(r"\b\d+(?:\.\d+)?s\b")  # how long reading took differs from run to run


def shown(stderr: str) -> str:
    """``stderr`` with durations as ``Ns``."""
    return SECONDS.sub("Ns", stderr)


def kinds_ahead(
    brand: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, since: str | None = None
) -> set[str]:
    """The kinds whose listing :func:`ahead.start` starts for ``brand`` (none: no head start);
    ``since``: for ``plan --changed-since SINCE`` (git asked first, as plan does)."""
    narrow = None
    if since is not None:
        gitdiff.prefetch(brand, since)
        narrow = ahead_since.narrowing(brand, since)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reg = registry()
    by_key = {}
    for kind, resource in reg.resources().items():
        if isinstance(resource, RestResource):
            size, param = resource.endpoint.page_size()
            by_key[(reg.provider_of[kind], resource.endpoint.collection(), size, param)] = kind

    async def started() -> set[str]:
        head = ahead.start(brand, ClientOptions(), narrow)
        if head is None:
            return set()
        kinds = {by_key[key] for key in head.listings.tasks}
        await head.aclose()
        return kinds

    try:
        return asyncio.run(started())
    finally:
        if since is not None:
            with contextlib.suppress(OmsformError):
                gitdiff.BrandDiff(brand, since)  # takes git's answers: none outlive the test


def assert_same_plan_and_calls(cli: Cli, server: Server, expected_code: int) -> None:
    """A plan read ahead and one read after loading: the same requests by path, output and
    exit code, and nothing written."""
    server.reset_stats()
    after = cli("plan", "demo", "--detailed-exitcode", "--format", "json", env=AFTER_LOADING)
    calls_after = server.stats()["by_path"]
    server.reset_stats()
    ahead_run = cli("plan", "demo", "--detailed-exitcode", "--format", "json")
    assert (ahead_run.code, after.code) == (expected_code, expected_code), str(ahead_run)
    assert server.stats()["by_path"] == calls_after
    assert server.writes() == {}
    assert ahead_run.stdout == after.stdout
    assert shown(ahead_run.stderr) == shown(after.stderr)


def test_the_demo_is_read_ahead_for_its_certain_bulk_kinds(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert kinds_ahead(cli.brand, cli.env, monkeypatch) == DEMO_AHEAD


def test_the_demo_plan_read_ahead_makes_the_same_calls_and_plan(cli: Cli, server: Server) -> None:
    """Fresh sandbox (changes to plan, setup steps to run) and after apply (no-op)."""
    assert_same_plan_and_calls(cli, server, 2)
    assert cli("apply", "demo", "--auto-approve").code == 0
    assert_same_plan_and_calls(cli, server, 0)


def test_a_templated_file_is_read_after_loading_and_the_plain_ones_ahead(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cargo integration's file made a template: its kind waits for loading."""
    cargo = cli.brand / "cargo.yaml"
    cargo.write_text("{# rendered before it is read #}\n" + cargo.read_text())
    assert kinds_ahead(cli.brand, cli.env, monkeypatch) == DEMO_AHEAD - {"oms_cargo_integration"}
    assert_same_plan_and_calls(cli, server, 2)


def test_without_setup_steps_channels_are_read_ahead(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Channels list after the setup steps' reads only when the brand declares setup steps;
    without them, the fresh sandbox has none of the demo's channels: the same plan error."""
    (cli.brand / "setup.yaml").unlink()
    assert kinds_ahead(cli.brand, cli.env, monkeypatch) == DEMO_AHEAD | {"oms_channel"}
    assert_same_plan_and_calls(cli, server, 1)


@pytest.fixture
def bulk_cli(tmp_path: Path, server: Server) -> Cli:
    """The demo without the kinds not read ahead, against the server (every kind ahead)."""
    brand = copy_demo(tmp_path / "bulk" / "demo")
    for name in NOT_AHEAD:
        (brand / name).unlink()
    return Cli(brand, demo_env(brand, server, default_secrets(brand)))


def test_a_yaml_error_is_reported_as_without_reading_ahead(bulk_cli: Cli, server: Server) -> None:
    """An unknown field: exit 1 with file:line:col, and nothing written."""
    webhooks = bulk_cli.brand / "webhooks.yaml"
    text = webhooks.read_text().replace("event_type:", "no_such_field: 1\n    event_type:", 1)
    webhooks.write_text(text)
    server.reset_stats()
    failed = bulk_cli("plan", "demo", "--detailed-exitcode")
    assert failed.code == 1
    assert re.search(r"webhooks\.yaml:\d+:\d+", failed.stderr), failed.stderr
    assert "no_such_field" in failed.stderr
    assert server.writes() == {}
    assert failed.stderr == bulk_cli("plan", "demo", env=AFTER_LOADING).stderr


def test_a_refused_token_is_reported_as_without_reading_ahead(
    bulk_cli: Cli, server: Server
) -> None:
    """A token the OMS refuses: the same error, exit code and requests as when reading after
    loading (a listing that failed ahead is not sent again)."""
    bad = {name: "wrong-token" for name in bulk_cli.env if name.endswith("_TOKEN")}
    server.reset_stats()
    failed = bulk_cli("plan", "demo", env=bad)
    calls_ahead = server.stats()["by_path"]
    server.reset_stats()
    after = bulk_cli("plan", "demo", env=bad | AFTER_LOADING)
    assert server.stats()["by_path"] == calls_ahead
    assert failed.code == after.code == 1
    assert failed.stderr.strip().splitlines()[-1] == after.stderr.strip().splitlines()[-1]
    assert "wrong-token" not in failed.output


def test_the_bulk_brand_is_read_ahead_whole(bulk_cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the error tests above compare is a plan read ahead, for every kind it reads."""
    pruned = {"oms_webhook", "oms_transition", "oms_denial_reason"}
    assert (
        kinds_ahead(bulk_cli.brand, bulk_cli.env, monkeypatch)
        == DEMO_AHEAD - {"oms_scenario"} | pruned
    )
