"""Contract tests for ``oms_transition`` against the sandbox: the package command flow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from omsform.errors import ConfigError, PlanError
from tests.harness import BrandHarness, actions

FLOW = """\
    oms_transition:
      START_PREPARING:
        name: Start preparing
        source_state: waiting
        target_state: preparing
        command_class: PackageStateTransitionCommand
      PACK:
        name: Pack
        source_state: preparing
        target_state: packed
        command_class: CompletePackingCommand
      SHIP:
        name: Ship
        source_state: packed
        target_state: shipped
        command_class: ShipThePackageCommand
    """
CANARY = "canary-invoice-token-5d1e"


def _warnings(h: BrandHarness) -> list[str]:
    return [w.message for w in h.load().warnings]


def test_create_update_delete_round_trip(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.config(prune=("oms_transition",))
    h.write({"flow.yaml": FLOW})
    assert set(actions(h.plan()).values()) == {"+"}
    h.converge()
    rows = h.raw.get("/api/v1/oms/transitions/", params={"slug": "SHIP"}).json()["results"]
    shipped = h.raw.get("/api/v1/oms/states/", params={"name": "Shipped"}).json()["results"]
    assert rows[0]["target_state"] == shipped[0]["id"]  # the word became the state's id

    renamed = FLOW.replace("name: Ship\n", "name: Ship it\n")
    h.write({"flow.yaml": renamed})
    plan = h.plan()
    assert actions(plan) == {"oms_transition.SHIP": "~"}
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("name", "Ship", "Ship it")
    ]
    h.converge()

    h.write({"flow.yaml": renamed.replace("target_state: shipped", "target_state: delivered")})
    assert [f.path for f in h.plan().changes[0].fields] == ["target_state"]
    h.converge()

    h.write({})
    assert set(actions(h.plan()).values()) == {"-"}
    h.converge()
    assert h.raw.get("/api/v1/oms/transitions/").json()["count"] == 0


def test_applied_flow_moves_a_package(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"flow.yaml": FLOW})
    h.converge()
    package = h.raw.post("/_sandbox/packages", json={"stock_location": None}).json()
    assert package["state"]["name"] == "Waiting"
    assert [c["slug"] for c in package["commands"]] == ["START_PREPARING"]

    def run(slug: str) -> Any:
        return h.raw.post(f"/api/v1/oms/packages/{package['id']}/command/", json={"slug": slug})

    # a command from the wrong state is refused; the applied flow takes the package through
    assert run("SHIP").status_code == 400
    for slug in ("START_PREPARING", "PACK", "SHIP"):
        assert run(slug).status_code == 204
    final = h.raw.get(f"/api/v1/oms/packages/{package['id']}/").json()
    assert final["state"]["name"] == "Shipped"
    assert final["commands"] == []


def test_invoice_credentials_are_write_only(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env={"INVOICE_TOKEN": CANARY})
    flow = FLOW.replace(
        "command_class: CompletePackingCommand\n",
        "command_class: CompletePackingCommand\n"
        "        config:\n"
        "          remote_bill_fulfillment_call: true\n"
        "          remote_invoice_call:\n"
        "            remote_url: https://invoice.example.com\n"
        "            auth: {request_type: token, token: '${secret.INVOICE_TOKEN}'}\n",
    )
    h.write({"flow.yaml": flow})
    first = h.plan()
    assert CANARY not in first.to_json()
    h.converge()
    stored = h.raw.get("/api/v1/oms/transitions/", params={"slug": "PACK"}).json()["results"][0]
    assert stored["config"]["remote_invoice_call"]["auth"]["token"] == "********"

    h.env["INVOICE_TOKEN"] = "canary-rotated-token-77"
    plan = h.plan()
    assert [(c.address, [f.path for f in c.fields]) for c in plan.changes] == [
        ("oms_transition.PACK", ["config.remote_invoice_call.auth.token"])
    ]
    assert "canary" not in plan.to_json()
    h.converge()


def test_basic_auth_needs_both_credentials(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    flow = FLOW.replace(
        "command_class: CompletePackingCommand\n",
        "command_class: CompletePackingCommand\n"
        "        config: {remote_invoice_call: {auth: {request_type: basic_auth, username: u}}}\n",
    )
    h.write({"flow.yaml": flow})
    with pytest.raises(ConfigError) as err:
        h.load()
    assert "needs password" in str([p.message for p in err.value.problems])


def test_an_undocumented_command_class_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"flow.yaml": FLOW.replace("ShipThePackageCommand", "ShipThePackageCommnd")})
    text = str([str(w) for w in h.load().warnings])
    assert "command_class 'ShipThePackageCommnd' is not a documented command class" in text
    assert "did you mean 'ShipThePackageCommand'?" in text


def test_a_command_class_that_is_not_a_class_name_is_refused(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"flow.yaml": FLOW.replace("ShipThePackageCommand", "Ship the package")})
    with pytest.raises(ConfigError) as err:
        h.load()
    assert "command_class" in str(err.value.problems)


def test_warnings_for_unreachable_states_and_repeated_commands(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    extra = """\
      CANCEL_FROM_DELIVERED:
        name: Cancel
        source_state: delivered
        target_state: cancelled
        command_class: PackageStateTransitionCommand
      PREPARE_AGAIN:
        name: Prepare again
        source_state: waiting
        target_state: ready_for_packaging
        command_class: PackageStateTransitionCommand
    """
    h.write({"flow.yaml": FLOW.rstrip(" ") + extra})
    warnings = _warnings(h)
    unreachable = [w for w in warnings if "cannot be reached" in w]
    assert unreachable == [
        "package state 'cancelled' cannot be reached from 'waiting' with the declared transitions",
        "package state 'delivered' cannot be reached from 'waiting' with the declared transitions",
    ]
    assert any(
        "PREPARE_AGAIN" in w and "START_PREPARING" in w and "PackageStateTransitionCommand" in w
        for w in warnings
    )
    h.write({"flow.yaml": FLOW})
    assert _warnings(h) == []


def test_a_state_this_oms_lacks_is_a_plan_error_naming_address_and_field(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"flow.yaml": FLOW.replace("target_state: shipped", "target_state: shiped")})
    assert any("did you mean 'shipped'" in w.hint for w in h.load().warnings)
    with pytest.raises(PlanError) as err:
        h.plan()
    message = str(err.value)
    assert "oms_transition.SHIP: target_state 'shiped' is not a package state" in message
    assert "did you mean 'shipped'" in message
    assert "flow.yaml:" in message


def test_transfer_transitions_are_not_this_kind(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.config(prune=("oms_transition",))
    states = h.raw.get("/api/v1/oms/states/", params={"enum_class": "TransferStatus"}).json()
    ids = [s["id"] for s in states["results"]]
    body = {
        "name": "Dispatch transfer",
        "slug": "TRANSFER_DISPATCH",
        "source_state": ids[0],
        "target_state": ids[1],
        "command_class": "PackageStateTransitionCommand",
    }
    assert h.raw.post("/api/v1/oms/transitions/", json=body).status_code == 201
    h.write({"flow.yaml": FLOW})
    h.converge()  # the transfer transition is neither read nor pruned
    assert (
        h.raw.get("/api/v1/oms/transitions/", params={"slug": "TRANSFER_DISPATCH"}).json()["count"]
        == 1
    )
