"""``plan --changed-since REF`` starts ahead the listings its partial plan certainly sends
(:mod:`omsform.engine.ahead_since`): the plan, the calls it makes, its output and its errors are
those of the same plan read after loading (``OMSFORM_READ_AHEAD=0``).

Certain before loading: the changed kinds the brand declares in plain files (or prunes), or
every kind a full plan lists ahead when ``omsform.yaml`` changed; nothing when git fails or
nothing changed.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Cli, Server
from tests.e2e.test_changed_since_e2e import applied_repo, edit
from tests.e2e.test_read_ahead_e2e import AFTER_LOADING, DEMO_AHEAD, kinds_ahead, shown

pytestmark = pytest.mark.slow


def assert_same_partial_plan(cli: Cli, server: Server, ref: str, expected_code: int) -> str:
    """``plan --changed-since REF`` read ahead and read after loading: the same requests by
    path, output and exit code, and nothing written; the stderr of the run read ahead."""
    args = ("plan", "demo", "--changed-since", ref, "--detailed-exitcode", "--format", "json")
    server.reset_stats()
    after = cli(*args, env=AFTER_LOADING)
    calls_after = server.stats()["by_path"]
    server.reset_stats()
    ahead_run = cli(*args)
    assert (ahead_run.code, after.code) == (expected_code, expected_code), str(ahead_run)
    assert server.stats()["by_path"] == calls_after
    assert server.writes() == {}
    assert ahead_run.stdout == after.stdout
    assert shown(ahead_run.stderr) == shown(after.stderr)
    return ahead_run.stderr


def test_one_changed_kind_is_read_ahead_alone(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied_repo(cli)
    edit(cli.brand / "webhooks.yaml", "max_retries: 5", "max_retries: 7")
    assert kinds_ahead(cli.brand, cli.env, monkeypatch, since="HEAD") == {"oms_webhook"}
    stderr = assert_same_partial_plan(cli, server, "HEAD", 2)
    assert "changed oms_webhook" in stderr


def test_a_change_reaching_other_kinds_reads_them_after_loading(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scenarios reference stock locations and channels: only the scenarios, certain, start
    ahead; what their objects reference is read once the brand is loaded."""
    applied_repo(cli)
    edit(cli.brand / "scenarios.yaml", "priority: 10", "priority: 11")
    assert kinds_ahead(cli.brand, cli.env, monkeypatch, since="HEAD") == {"oms_scenario"}
    assert_same_partial_plan(cli, server, "HEAD", 2)


def test_a_changed_config_reads_ahead_as_a_full_plan(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied_repo(cli)
    config = cli.brand / "omsform.yaml"
    config.write_text(config.read_text() + "\n# reviewed\n")
    assert kinds_ahead(cli.brand, cli.env, monkeypatch, since="HEAD") == DEMO_AHEAD
    stderr = assert_same_partial_plan(cli, server, "HEAD", 0)
    assert "a full plan" in stderr


def test_a_changed_templated_file_is_read_after_loading(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings' file is a template: its kind is not known for certain before loading."""
    applied_repo(cli)
    settings = cli.brand / "settings.yaml"
    settings.write_text(settings.read_text() + "\n# reviewed\n")
    assert kinds_ahead(cli.brand, cli.env, monkeypatch, since="HEAD") == set()
    assert_same_partial_plan(cli, server, "HEAD", 0)


def test_nothing_changed_starts_nothing(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied_repo(cli)
    assert kinds_ahead(cli.brand, cli.env, monkeypatch, since="HEAD") == set()
    assert_same_partial_plan(cli, server, "HEAD", 0)
    assert server.stats()["by_path"] == {}


def test_a_bad_ref_fails_as_without_reading_ahead_and_sends_nothing(
    cli: Cli, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied_repo(cli)
    assert kinds_ahead(cli.brand, cli.env, monkeypatch, since="no-such-ref") == set()
    server.reset_stats()
    failed = cli("plan", "demo", "--changed-since", "no-such-ref")
    after = cli("plan", "demo", "--changed-since", "no-such-ref", env=AFTER_LOADING)
    assert failed.code == after.code == 1
    assert failed.stderr == after.stderr
    assert "not a commit" in failed.stderr
    assert server.stats()["by_path"] == {}
