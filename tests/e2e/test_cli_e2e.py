"""The ``omsform`` CLI against the uvicorn-served sandbox, as a user runs it: plan → apply → plan
shows nothing (through the installed console script, in a child process); drift made through
the raw API is found and repaired; saved plans are refused once anything they touch moved,
applied once only (made and applied by child processes under different hash seeds), and bound
by checksum.

Assertions are about properties (exit codes, every planned field shown, no write on refusal),
not about the exact list of demo changes, which grows as kinds are added.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from omsform_akinon_oms import api

from omsform.lang.load import load_brand
from tests.e2e.conftest import Cli, Server

pytestmark = pytest.mark.slow


def managed_warehouse(cli: Cli, server: Server) -> tuple[str, dict[str, Any]]:
    """A stock location the demo declares: its address and its object as the API has it."""
    brand = load_brand(cli.brand, environ=cli.env)
    declared = next(d for d in brand.desired.values() if d.kind == "oms_stock_location")
    key = declared.spec.erp_code
    page = server.http.get(api.STOCK_LOCATIONS, params={"erp_code": key, "limit": 100})
    obj = next(row for row in page.json()["results"] if row["erp_code"] == key)
    return declared.address, obj


def edit_priority(server: Server, obj: dict[str, Any], priority: int) -> None:
    """Change a location's priority through the raw API, as another tool or a person would."""
    path = api.detail(api.STOCK_LOCATIONS, obj["id"])
    server.http.patch(path, json={"priority": priority}).raise_for_status()


def priority_of(server: Server, obj: dict[str, Any]) -> int:
    """The location's priority as the API has it now."""
    found = server.http.get(api.STOCK_LOCATIONS, params={"erp_code": obj["erp_code"]}).json()
    return int(next(r for r in found["results"] if r["id"] == obj["id"])["priority"])


def applied(cli: Cli) -> None:
    """Apply the demo and check the next plan is empty."""
    assert cli("apply", "demo", "--auto-approve").code == 0
    assert cli("plan", "demo", "--detailed-exitcode").code == 0


def drifted(cli: Cli, server: Server) -> tuple[str, dict[str, Any], int]:
    """Apply, then move one managed warehouse's priority: (address, object, declared priority)."""
    applied(cli)
    address, obj = managed_warehouse(cli, server)
    edit_priority(server, obj, obj["priority"] + 7)
    return address, obj, obj["priority"]


def test_plan_apply_plan_converges_with_field_level_changes(cli: Cli, server: Server) -> None:
    cli.console_script = True  # the installed entry point, end to end
    first = cli("plan", "demo", "--detailed-exitcode")
    assert first.code == 2, first
    as_json = cli("plan", "demo", "--format", "json")
    changes = json.loads(as_json.stdout)["changes"]
    assert changes and any(c["fields"] for c in changes)
    for change in changes:
        assert f"{change['action']} {change['address']}" in first.stdout
        for fld in change["fields"]:
            # `path: value`, or `path:` above an indented block for a nested value
            shown = re.search(rf"^ +{re.escape(fld['path'])}:( |$)", first.stdout, re.MULTILINE)
            assert shown, (change["address"], fld["path"])
    assert "Plan: " in first.stdout and " to create" in first.stdout

    done = cli("apply", "demo", "--auto-approve")
    assert done.code == 0, done
    assert "0 failed, 0 skipped" in done.stdout

    again = cli("plan", "demo", "--detailed-exitcode")
    assert again.code == 0, again
    assert "No changes" in again.stdout

    server.reset_stats()
    assert cli("apply", "demo", "--auto-approve").code == 0
    assert server.writes() == {}, "a second apply must write nothing"


def test_drift_through_the_raw_api_is_reported_and_repaired(cli: Cli, server: Server) -> None:
    address, obj, declared = drifted(cli, server)
    plan = cli("plan", "demo", "--detailed-exitcode")
    assert plan.code == 2, plan
    assert f"~ {address}" in plan.stdout
    assert f"priority: {declared + 7} → {declared}" in plan.stdout

    server.reset_stats()
    assert cli("apply", "demo", "--auto-approve").code == 0
    assert server.writes() == {f"PATCH {api.detail(api.STOCK_LOCATIONS, obj['id'])}": 1}
    assert priority_of(server, obj) == declared
    assert cli("plan", "demo", "--detailed-exitcode").code == 0


def test_a_saved_plan_whose_object_moved_is_refused_without_a_write(
    cli: Cli, server: Server, tmp_path: Path
) -> None:
    address, obj, declared = drifted(cli, server)
    assert cli("plan", "demo", "-o", "plan.json").code == 0
    assert address in (tmp_path / "plan.json").read_text()
    edit_priority(server, obj, declared + 8)  # someone else moves it after the plan

    server.reset_stats()
    refused = cli("apply", "plan.json", "--auto-approve")
    assert refused.code == 1, refused
    assert "stale" in refused.stderr and address in refused.stderr
    # what changed, not only timestamps: the planned field, its planned 'before' and live value
    assert f"priority: planned from {declared + 7}, now {declared + 8}" in refused.stderr
    assert server.writes() == {}
    assert priority_of(server, obj) == declared + 8


def test_a_saved_plan_applies_once_from_anywhere(cli: Cli, server: Server, tmp_path: Path) -> None:
    address, obj, declared = drifted(cli, server)
    # made and applied under different hash seeds: nothing in a plan may depend on set order
    made = cli("plan", "demo", "-o", "plan.json", env={"PYTHONHASHSEED": "1"})
    assert made.code == 0, made
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plan_file = str(tmp_path / "plan.json")

    first = cli("apply", plan_file, "--auto-approve", cwd=elsewhere, env={"PYTHONHASHSEED": "2"})
    assert first.code == 0, first
    assert priority_of(server, obj) == declared

    server.reset_stats()
    second = cli("apply", plan_file, "--auto-approve", cwd=elsewhere)
    assert second.code == 1, second
    assert address in second.stderr
    assert "already applied" in second.stderr
    assert server.writes() == {}


def test_checksum_binds_the_approval_to_the_exact_plan(
    cli: Cli, server: Server, tmp_path: Path
) -> None:
    drifted(cli, server)
    assert cli("plan", "demo", "-o", "plan.json").code == 0
    checksum = json.loads((tmp_path / "plan.json").read_text())["checksum"]
    wrong = checksum[::-1]

    server.reset_stats()
    refused = cli("apply", "plan.json", "--auto-approve", "--checksum", wrong)
    assert refused.code == 1, refused
    assert "checksum" in refused.stderr and wrong in refused.stderr
    assert server.stats()["total"] == 0, "a wrong checksum is refused before any request"

    ok = cli("apply", "plan.json", "--auto-approve", "--checksum", checksum)
    assert ok.code == 0, ok


def test_show_and_the_three_formats(cli: Cli, server: Server, tmp_path: Path) -> None:
    saved = cli("plan", "demo", "-o", "plan.json", "--detailed-exitcode")
    assert saved.code == 2, saved
    plan_file = tmp_path / "plan.json"
    data = json.loads(plan_file.read_text())
    assert data["format_version"] == 1
    assert data["checksum"] in saved.stderr

    server.reset_stats()
    shown = cli("show", "plan.json")
    assert shown.code == 0, shown
    assert shown.stdout.strip() == saved.stdout.strip()
    assert json.loads(cli("show", "plan.json", "--format", "json").stdout) == data
    assert server.stats()["total"] == 0, "show reads the file, not the live systems"

    as_json = json.loads(cli("plan", "demo", "--format", "json").stdout)
    assert as_json["format_version"] == 1
    assert as_json["summary"] == data["summary"]
    assert [c["address"] for c in as_json["changes"]] == [c["address"] for c in data["changes"]]

    markdown = cli("plan", "demo", "--format", "markdown").stdout
    summary = data["summary"]
    header = "| " + " | ".join(summary_keys := list(_summary_order(summary))) + " |"
    assert header in markdown
    assert "| " + " | ".join(str(summary[k]) for k in summary_keys) + " |" in markdown
    for change in data["changes"]:
        assert change["address"] in markdown


def _summary_order(summary: dict[str, int]) -> list[str]:
    """The summary counts in the order the Markdown table shows them."""
    order = ["create", "update", "replace", "delete", "run", "manual", "unchanged"]
    assert set(summary) == set(order)
    return order
