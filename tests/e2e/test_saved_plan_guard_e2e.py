"""Saved plans cannot be turned against the brand's rules or its systems: a hand-edited plan
(a delete added, the checksum recomputed) is refused with 0 writes, and a plan runs only where
it was made — a sandbox plan on the sandbox even without ``--sandbox``, a live plan never on the
sandbox nor on another host."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from omsform_akinon_oms import api

from omsform.contract.spec import fingerprint_of
from omsform.plan.model import Plan
from tests.e2e.conftest import Cli, Server

pytestmark = pytest.mark.slow


def recompute_checksum(doc: dict[str, Any]) -> dict[str, Any]:
    """The checksum as omsform computes it (its own model: what an attacker could run too)."""
    body = {k: v for k, v in doc.items() if k not in ("checksum", "drift")}
    return {**body, "checksum": Plan.model_validate(body).checksum()}


def tamper(plan_file: Path, edit: Any) -> None:
    doc = json.loads(plan_file.read_text())
    edit(doc)
    plan_file.write_text(json.dumps(recompute_checksum(doc), indent=2))


def store_row(server: Server, erp_code: str) -> dict[str, Any]:
    rows = server.http.get(api.STOCK_LOCATIONS, params={"erp_code": erp_code}).json()["results"]
    row: dict[str, Any] = next(r for r in rows if r["erp_code"] == erp_code)
    return row


def test_a_delete_of_a_protected_omnitron_store_added_by_hand_is_refused_without_a_write(
    cli: Cli, server: Server, tmp_path: Path
) -> None:
    assert cli("apply", "demo", "--auto-approve").code == 0
    assert cli("plan", "demo", "-o", "plan.json").code == 0
    store = store_row(server, "STORE-IST-01")  # copied from Omnitron, undeclared, protected

    def add_delete(doc: dict[str, Any]) -> None:
        doc["changes"].append(
            {
                "address": "oms_stock_location[STORE-IST-01]",
                "kind": "oms_stock_location",
                "key": "STORE-IST-01",
                "provider": "akinon_oms",
                "action": "-",
                "remote_id": store["id"],
                "fields": [],
                "reason": "cleanup",
                "precondition": fingerprint_of(store),
                "depends_on": [],
                "level": 0,
            }
        )
        doc["summary"]["delete"] += 1

    tamper(tmp_path / "plan.json", add_delete)
    server.reset_stats()
    refused = cli("apply", "plan.json", "--auto-approve")
    assert refused.code == 1, refused
    assert "rules forbid" in refused.stderr and "nothing was written" in refused.stderr
    assert "oms_stock_location[STORE-IST-01]" in refused.stderr
    assert "oms_stock_location is not in manage.prune" in refused.stderr
    assert server.writes() == {}
    assert store_row(server, "STORE-IST-01")["id"] == store["id"]


def test_an_update_turned_into_a_delete_of_a_declared_object_is_refused(
    cli: Cli, server: Server, tmp_path: Path
) -> None:
    assert cli("apply", "demo", "--auto-approve").code == 0
    hook = server.http.get("/_sandbox/objects/oms_hooks").json()[0]
    drift = server.http.patch(
        f"/_sandbox/objects/oms_hooks/{hook['id']}", json={"is_active": not hook["is_active"]}
    )
    drift.raise_for_status()
    assert cli("plan", "demo", "-o", "plan.json").code == 0

    def to_delete(doc: dict[str, Any]) -> None:
        (change,) = [c for c in doc["changes"] if c["remote_id"] == hook["id"]]
        change.update(action="-", fields=[])
        doc["summary"].update(update=doc["summary"]["update"] - 1, delete=1)

    tamper(tmp_path / "plan.json", to_delete)
    server.reset_stats()
    refused = cli("apply", "plan.json", "--auto-approve")
    assert refused.code == 1, refused
    assert "the YAML declares it" in refused.stderr, refused
    assert server.writes() == {}


def test_a_sandbox_plan_applies_to_the_sandbox_even_without_the_flag(
    cli: Cli, server: Server, tmp_path: Path
) -> None:
    made = cli("plan", "demo", "--sandbox", "-o", "plan.json")
    assert made.code == 0, made
    assert json.loads((tmp_path / "plan.json").read_text())["target"]["sandbox"].endswith(
        "sandbox.sqlite"
    )
    server.reset_stats()
    applied = cli("apply", "plan.json", "--auto-approve")  # the provider URLs are set, too
    assert applied.code == 0, applied
    assert "made against the embedded sandbox" in applied.stderr
    assert server.stats()["total"] == 0, "the live systems were never asked"
    assert cli("plan", "demo", "--sandbox", "--detailed-exitcode").code == 0


def test_a_live_plan_is_refused_on_the_sandbox(cli: Cli, server: Server, tmp_path: Path) -> None:
    assert cli("plan", "demo", "-o", "plan.json").code == 0
    hosts = json.loads((tmp_path / "plan.json").read_text())["target"]["hosts"]
    assert hosts["akinon_oms"] == server.base
    refused = cli("apply", "plan.json", "--auto-approve", "--sandbox")
    assert refused.code == 1, refused
    assert "made against the live systems" in refused.stderr
    assert not (cli.brand / ".omsform" / "sandbox.sqlite").exists()


def test_a_live_plan_is_refused_on_another_host_before_any_request(
    cli: Cli, server: Server, tmp_path: Path
) -> None:
    assert cli("plan", "demo", "-o", "plan.json").code == 0
    elsewhere = server.base.replace("127.0.0.1", "localhost")
    assert elsewhere != server.base
    moved = {name: elsewhere for name, value in cli.env.items() if value == server.base}
    server.reset_stats()
    refused = cli("apply", "plan.json", "--auto-approve", env=moved)
    assert refused.code == 1, refused
    assert f"akinon_oms: made against {server.base}, now {elsewhere}" in refused.stderr
    assert server.stats()["total"] == 0
