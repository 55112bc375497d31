"""``omsform plan`` starts its listings while the brand loads (:mod:`omsform.engine.ahead`) when
every declared kind is one bulk listing: the plan, the calls it makes and its errors are those
of the same plan read after loading (``--verbose`` reads after loading: its debug lines would
otherwise come before the brand's warnings).

The brand is the demo without the files that declare setup steps, stock integrations or use
templates, its scenarios (they name the stock locations) and its channels (copied in by a
setup step); the package states its
transitions name are still looked up after loading, beside the listings read ahead.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path

import pytest

from omsform.engine import ahead
from omsform.http.client import ClientOptions
from tests.e2e.conftest import Cli, Server, copy_demo, default_secrets, demo_env

pytestmark = pytest.mark.slow

NOT_AHEAD = (
    "setup.yaml",
    "stock_integration.yaml",
    "settings.yaml",
    "stock_locations.yaml",
    "scenarios.yaml",
    "channels.yaml",
)
DEBUG_LINE = re.compile(r"^(?:→|←|GET|POST|PATCH|PUT|DELETE|\[).*$", re.MULTILINE)
SECONDS = re.compile(r"\b\d+(?:\.\d+)?s\b")  # how long reading took differs from run to run


def shown(stderr: str) -> list[str]:
    """The words of ``stderr`` without debug lines, durations as ``Ns``."""
    return SECONDS.sub("Ns", DEBUG_LINE.sub("", stderr)).split()


@pytest.fixture
def bulk_cli(tmp_path: Path, server: Server) -> Cli:
    """The demo without the kinds that are not read in one bulk listing, against the server."""
    brand = copy_demo(tmp_path / "bulk" / "demo")
    for name in NOT_AHEAD:
        (brand / name).unlink()
    return Cli(brand, demo_env(brand, server, default_secrets(brand)))


def gets(server: Server) -> Counter[str]:
    """GETs by path since the last reset."""
    by_path: dict[str, int] = server.stats()["by_path"]
    return Counter({k: n for k, n in by_path.items() if k.startswith("GET ")})


def test_plan_read_ahead_makes_the_same_calls_and_plan(bulk_cli: Cli, server: Server) -> None:
    """Fresh sandbox (changes to plan) and after apply (no-op): each listing is sent once,
    exactly as when reading after loading, and the plan is the same."""
    for expected_code in (2, 0):
        server.reset_stats()
        after = bulk_cli("plan", "demo", "--detailed-exitcode", "--format", "json", "--verbose")
        calls_after = gets(server)
        server.reset_stats()
        ahead = bulk_cli("plan", "demo", "--detailed-exitcode", "--format", "json")
        assert (ahead.code, after.code) == (expected_code, expected_code), str(ahead)
        assert gets(server) == calls_after
        assert server.writes() == {}
        assert ahead.stdout == after.stdout
        assert shown(after.stderr) == shown(ahead.stderr)
        if expected_code == 2:
            assert bulk_cli("apply", "demo", "--auto-approve").code == 0


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
    assert failed.stderr == bulk_cli("plan", "demo", "--verbose").stderr


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
    after = bulk_cli("plan", "demo", "--verbose", env=bad)
    assert server.stats()["by_path"] == calls_ahead
    assert failed.code == after.code == 1
    assert failed.stderr.strip().splitlines()[-1] == after.stderr.strip().splitlines()[-1]
    assert "wrong-token" not in failed.output


def test_the_bulk_brand_is_read_ahead_and_the_demo_is_not(
    bulk_cli: Cli, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the tests above compare is a plan read ahead; the whole demo (setup steps,
    templates) is read after loading."""
    for name, value in bulk_cli.env.items():
        monkeypatch.setenv(name, value)

    async def started(brand: Path) -> list[str] | None:
        head = ahead.start(brand, ClientOptions())
        if head is None:
            return None
        paths = sorted(key[1] for key in head.listings.tasks)
        await head.aclose()
        return paths

    listed = asyncio.run(started(bulk_cli.brand))
    assert listed is not None and len(listed) == 5, listed  # every kind the bulk brand declares
    assert asyncio.run(started(demo)) is None
