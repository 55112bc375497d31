"""Contract tests for ``oms_scenario`` against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from omsform.errors import ConfigError, PlanError
from tests.harness import BrandHarness, actions
from tests.providers.test_transition import FLOW

BASE = """\
    oms_setup_step: {channels: {}, stock_locations: {}}
    oms_channel:
      web: {name: acme-web}
    oms_stock_location:
      wh: {erp_code: WH-1, name: Warehouse, stock_location_type: warehouse, priority: 5}
    """
HEAD = """\
    oms_scenario:
      web-default:
        priority: 10
        channel_condition: static
        channels: ["${oms_channel.web}"]
        default_stock_location: ${oms_stock_location.wh}
        initial_status: waiting_remote_action
        rules:
"""
WAREHOUSE_FIRST = """\
          - name: warehouse-first
            conditions: {select_by_location: ["${oms_stock_location.wh}"]}
            sorting: [{stock: desc}]
"""
STORES_THEN = """\
          - name: stores-then
            is_transferable: true
            conditions:
              select_by_type: store
              exclude_location: [STORE-ANK-01]
              select_by_quota: true
            sorting: [{field: priority, direction: desc}, {stock: desc}]
"""
SCENARIO = HEAD + WAREHOUSE_FIRST + STORES_THEN
ADDRESS = "oms_scenario.web-default"


def _ready(tmp_path: Path, **kwargs: Any) -> BrandHarness:
    """A sandbox whose channels and stores were copied in, and a declared warehouse."""
    h = BrandHarness(tmp_path, **kwargs)
    h.write({"base.yaml": BASE})
    h.converge()
    return h


def _stored(h: BrandHarness, name: str = "web-default") -> dict[str, Any]:
    found: dict[str, Any] = h.raw.get("/api/v1/oms/scenarios/", params={"name": name}).json()
    first: dict[str, Any] = found["results"][0]
    return first


def _ids(h: BrandHarness, path: str, field: str) -> dict[str, int]:
    rows = h.raw.get(path, params={"limit": 100}).json()["results"]
    return {row[field]: row["id"] for row in rows}


def test_create_update_delete_round_trip(tmp_path: Path) -> None:
    h = _ready(tmp_path)
    h.config(prune=("oms_scenario",))
    h.write({"base.yaml": BASE, "scenarios.yaml": SCENARIO})
    assert actions(h.plan()) == {ADDRESS: "+"}
    h.converge()
    stored = _stored(h)
    locations = _ids(h, "/api/v1/oms/stocklocations/", "erp_code")
    channels = _ids(h, "/api/v1/oms/channels/", "name")
    states = _ids(h, "/api/v1/oms/states/?enum_class=PackageStatus", "name")
    assert stored["channels"] == [channels["acme-web"]]
    assert stored["default_stock_location"] == locations["WH-1"]
    assert stored["initial_status"] == states["Waiting Remote Action"]
    assert [r["name"] for r in stored["rules"]] == ["warehouse-first", "stores-then"]
    assert stored["rules"][1]["stock_location_conditions"] == [
        {"type": "EXCLUDE_LOCATION", "value": [locations["STORE-ANK-01"]]},
        {"type": "SELECT_BY_TYPE", "value": "store"},
        {"type": "SELECT_BY_QUOTA", "value": None},
    ]

    h.write({"base.yaml": BASE, "scenarios.yaml": SCENARIO.replace("priority: 10", "priority: 20")})
    plan = h.plan()
    assert actions(plan) == {ADDRESS: "~"}
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [("priority", 10, 20)]
    h.converge()

    h.write({"base.yaml": BASE})
    assert actions(h.plan()) == {ADDRESS: "-"}
    h.converge()
    assert h.raw.get("/api/v1/oms/scenarios/").json()["count"] == 0


def test_rule_order_is_an_update_of_the_whole_list(tmp_path: Path) -> None:
    h = _ready(tmp_path)
    h.write({"base.yaml": BASE, "scenarios.yaml": SCENARIO})
    h.converge()
    swapped = HEAD + STORES_THEN + WAREHOUSE_FIRST
    h.write({"base.yaml": BASE, "scenarios.yaml": swapped})
    plan = h.plan()
    assert actions(plan) == {ADDRESS: "~"}
    assert {f.path.split("[")[0] for f in plan.changes[0].fields} == {"rules"}
    h.converge()
    assert [r["name"] for r in _stored(h)["rules"]] == ["stores-then", "warehouse-first"]


def test_conditions_and_sets_compare_without_noise(tmp_path: Path) -> None:
    """A person re-saving the same rules in another condition order is not drift."""
    h = _ready(tmp_path)
    h.write({"base.yaml": BASE, "scenarios.yaml": SCENARIO})
    h.converge()
    stored = _stored(h)
    rules = stored["rules"]
    rules[1]["stock_location_conditions"].reverse()
    h.raw.patch(f"/api/v1/oms/scenarios/{stored['id']}/", json={"rules": rules})
    assert not h.plan().has_changes
    # …but a real change inside a rule is
    rules[1]["is_transferable"] = False
    h.raw.patch(f"/api/v1/oms/scenarios/{stored['id']}/", json={"rules": rules})
    plan = h.plan()
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("rules[1].is_transferable", False, True)
    ]
    h.converge()


def test_plain_keys_reference_unmanaged_objects(tmp_path: Path) -> None:
    h = _ready(tmp_path)
    plain = """\
        oms_scenario:
          trendyol:
            channel_condition: static
            channels: [acme-trendyol]
            default_stock_location: STORE-IST-01
            rules: [{name: stores, conditions: {select_by_location: [STORE-IST-01, STORE-ANK-01]}}]
        """
    h.write({"base.yaml": BASE, "scenarios.yaml": plain})
    h.converge()
    channels = _ids(h, "/api/v1/oms/channels/", "name")
    assert _stored(h, "trendyol")["channels"] == [channels["acme-trendyol"]]

    h.write({"base.yaml": BASE, "scenarios.yaml": plain.replace("STORE-IST-01,", "STORE-XX-99,")})
    with pytest.raises(PlanError) as err:
        h.plan()
    assert "references oms_stock_location 'STORE-XX-99'" in str(err.value)
    h.write({"base.yaml": BASE, "scenarios.yaml": plain.replace("[acme-trendyol]", "[acme-app]")})
    with pytest.raises(PlanError) as err:
        h.plan()
    assert "references oms_channel 'acme-app'" in str(err.value)


def test_everything_from_an_empty_oms_in_one_apply(tmp_path: Path) -> None:
    """Steps, channel, warehouse and scenario in one apply: ids are known only after earlier
    changes land, so the order comes from the references."""
    h = BrandHarness(tmp_path)
    # (a plain key of a store the stock_locations step has yet to copy would be a plan error)
    scenario = SCENARIO.replace("              exclude_location: [STORE-ANK-01]\n", "")
    h.write({"base.yaml": BASE, "scenarios.yaml": scenario})
    plan = h.converge()
    order = [c.address for c in plan.changes]
    assert order.index("oms_stock_location.wh") < order.index(ADDRESS)
    assert order.index("oms_channel.web") < order.index(ADDRESS)


def test_type_change_replaces(tmp_path: Path) -> None:
    h = _ready(tmp_path)
    h.write({"base.yaml": BASE, "scenarios.yaml": SCENARIO})
    h.converge()
    h.write(
        {"base.yaml": BASE, "scenarios.yaml": SCENARIO.replace("priority: 10", "type: transfer")}
    )
    plan = h.plan()
    assert actions(plan) == {ADDRESS: "-/+"}
    assert "type" in plan.changes[0].reason
    h.converge()
    assert _stored(h)["type"] == "transfer"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('channels: ["${oms_channel.web}"]', "channels: []", "channel_condition is static"),
        ("channel_condition: static", "channel_condition: dynamic", "channels are only used"),
        ("- name: stores-then", "- name: warehouse-first", "rule names must be unique"),
        ("sorting: [{stock: desc}]", "sorting: [{stock: desc}, {stock: asc}]", "once"),
        ("select_by_type: store", "select_by_type: shop", "select_by_type"),
    ],
)
def test_invalid_scenarios_are_refused(tmp_path: Path, old: str, new: str, message: str) -> None:
    h = BrandHarness(tmp_path)
    h.write({"base.yaml": BASE, "scenarios.yaml": SCENARIO.replace(old, new)})
    with pytest.raises(ConfigError) as err:
        h.load()
    assert message in str(err.value.problems)


def test_geolocation_warning(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    geo = SCENARIO.replace(
        "select_by_quota: true", "select_by_quota: true\n              select_by_geo: [city]"
    )
    geo = geo.replace("sorting: [{stock: desc}]", "sorting: [{distance: asc}]")
    h.write({"base.yaml": BASE, "scenarios.yaml": geo})
    warnings = sorted(w.message for w in h.load().warnings)
    assert warnings == [
        "rule 'stores-then' uses a geo condition (city), which needs the GEOLOCATION_DISCOVERY "
        "setting; no oms_setting declares it",
        "rule 'warehouse-first' uses sorting by distance, which needs the GEOLOCATION_DISCOVERY "
        "setting; no oms_setting declares it",
    ]
    setting = (
        "oms_setting:\n  GEOLOCATION_DISCOVERY:\n    value: {provider: google, api_key: k-123456}\n"
    )
    h.write({"base.yaml": BASE, "scenarios.yaml": geo, "settings.yaml": setting})
    assert [w.message for w in h.load().warnings] == []
    # declared but failing (its secret is unset): the one error, no "no oms_setting declares it"
    unset = setting.replace("k-123456", '"${secret.UNSET_MAPS_KEY_X}"')
    h.write({"base.yaml": BASE, "scenarios.yaml": geo, "settings.yaml": unset})
    with pytest.raises(ConfigError) as err:
        h.load()
    [problem] = [str(p) for p in err.value.problems]
    assert "secret UNSET_MAPS_KEY_X is not set" in problem


def test_states_are_listed_once_for_scenarios_and_transitions(tmp_path: Path) -> None:
    h = _ready(tmp_path)
    h.write({"base.yaml": BASE, "scenarios.yaml": SCENARIO, "flow.yaml": FLOW})
    h.converge()
    h.reset_stats()
    assert not h.plan().has_changes
    by_path = h.stats()["by_path"]
    assert by_path["GET /api/v1/oms/states/"] == 1
    assert by_path["GET /api/v1/oms/scenarios/"] == 1
    assert by_path["GET /api/v1/oms/transitions/"] == 1


def test_states_are_not_listed_when_no_object_names_one(tmp_path: Path) -> None:
    h = _ready(tmp_path)
    without = SCENARIO.replace("        initial_status: waiting_remote_action\n", "")
    h.write({"base.yaml": BASE, "scenarios.yaml": without})
    h.converge()
    h.reset_stats()
    assert not h.plan().has_changes
    by_path = h.stats()["by_path"]
    assert by_path["GET /api/v1/oms/scenarios/"] == 1
    assert "GET /api/v1/oms/states/" not in by_path


def test_an_apply_lists_the_states_once_for_its_writes(tmp_path: Path) -> None:
    h = _ready(tmp_path)
    h.write({"base.yaml": BASE, "scenarios.yaml": SCENARIO, "flow.yaml": FLOW})
    h.reset_stats()
    h.apply()  # one listing, made by the plan's read and shared by the four creates
    assert h.stats()["by_path"]["GET /api/v1/oms/states/"] == 1


def test_an_initial_status_this_oms_lacks_is_a_plan_error(tmp_path: Path) -> None:
    h = _ready(tmp_path)
    h.write({"base.yaml": BASE, "scenarios.yaml": SCENARIO})
    h.converge()
    bogus = SCENARIO.replace(
        "initial_status: waiting_remote_action", "initial_status: waiting_remot"
    )
    h.write({"base.yaml": BASE, "scenarios.yaml": bogus})
    with pytest.raises(PlanError) as err:
        h.plan()
    message = str(err.value)
    assert f"{ADDRESS}: initial_status 'waiting_remot' is not a package state" in message
    assert "did you mean 'waiting_remote_action'?" in message
