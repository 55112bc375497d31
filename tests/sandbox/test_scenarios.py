"""Scenarios (proposed ``/api/v1/oms/scenarios/``): nested ordered rules and their validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from omsform.sandbox import DEFAULT_TOKEN, SandboxContext, build_app
from omsform.sandbox.store import Store

PATH = "/api/v1/oms/scenarios/"


@pytest.fixture
def places(ctx: SandboxContext) -> dict[str, int]:
    """Two stock locations and one channel, inserted directly."""
    ids = {}
    for code, kind in (("WH-1", "warehouse"), ("ST-1", "store")):
        doc = {"name": code, "erp_code": code, "stock_location_type": kind}
        ids[code] = ctx.store.insert("stock_locations", doc)["id"]
    channel = {"name": "acme-web", "channel_type": "web", "omnitron_id": 1, "is_active": True}
    ids["web"] = ctx.store.insert("channels", channel)["id"]
    return ids


def _body(places: dict[str, int], **fields: Any) -> dict[str, Any]:
    return {"name": "web-default", "default_stock_location": places["WH-1"], **fields}


def _rule(**fields: Any) -> dict[str, Any]:
    return {"name": "stores-first", **fields}


def test_minimal_scenario_gets_every_server_default(
    client: TestClient, places: dict[str, int]
) -> None:
    response = client.post(PATH, json=_body(places))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "web-default",
        "type": "distribution",
        "description": "",
        "is_active": True,
        "priority": 0,
        "channel_condition_type": "dynamic",
        "channels": None,
        "shipping_condition_type": "dynamic",
        "shipping_companies": None,
        "payment_condition_type": "dynamic",
        "payment_types": None,
        "customer_type": None,
        "default_stock_location": places["WH-1"],
        "initial_status": None,
        "rules": [],
        "created_date": body["created_date"],
        "modified_date": body["modified_date"],
    }


def test_rules_keep_their_order_and_get_defaults(
    client: TestClient, places: dict[str, int]
) -> None:
    rules = [
        _rule(
            stock_location_conditions=[
                {"type": "SELECT_BY_TYPE", "value": "store"},
                {"type": "EXCLUDE_LOCATION", "value": [places["WH-1"]]},
                {"type": "SELECT_BY_QUOTA"},
            ],
            sorting=[
                {"field": "stock", "direction": "desc"},
                {"field": "priority", "direction": "asc"},
            ],
        ),
        _rule(
            name="warehouse-fallback", is_transferable=True, location_prerequisites=[places["ST-1"]]
        ),
    ]
    body = _body(
        places,
        channel_condition_type="static",
        channels=[places["web"]],
        payment_condition_type="static",
        payment_types=["credit_card"],
        rules=rules,
    )
    created = client.post(PATH, json=body).json()
    read = client.get(f"{PATH}{created['id']}/").json()
    assert [r["name"] for r in read["rules"]] == ["stores-first", "warehouse-fallback"]
    first, second = read["rules"]
    assert first["stock_location_conditions"][2] == {"type": "SELECT_BY_QUOTA", "value": None}
    assert first["sorting"] == rules[0]["sorting"]
    assert first["product_prerequisite"] == {"type": "all_products"}
    assert second == {
        "name": "warehouse-fallback",
        "is_transferable": True,
        "location_prerequisites": [places["ST-1"]],
        "product_prerequisite": {"type": "all_products"},
        "stock_location_conditions": [],
        "sorting": [],
    }
    assert read["channels"] == [places["web"]] and read["payment_types"] == ["credit_card"]


def test_patch_replaces_rules_as_a_whole(client: TestClient, places: dict[str, int]) -> None:
    created = client.post(PATH, json=_body(places, rules=[_rule(), _rule(name="b")])).json()
    url = f"{PATH}{created['id']}/"
    patched = client.patch(url, json={"rules": [_rule(name="b")]})
    assert patched.status_code == 200
    assert [r["name"] for r in patched.json()["rules"]] == ["b"]
    assert patched.json()["rules"][0]["sorting"] == []
    assert client.patch(url, json={"description": "x"}).json()["rules"] == patched.json()["rules"]


def test_static_and_dynamic_condition_rules(client: TestClient, places: dict[str, int]) -> None:
    static_empty = client.post(PATH, json=_body(places, channel_condition_type="static"))
    assert static_empty.json() == {
        "channels": ["This field is required when channel_condition_type is static."]
    }
    dynamic_with = client.post(PATH, json=_body(places, shipping_companies=["yurtici"]))
    assert dynamic_with.json() == {
        "shipping_companies": ["Must be null when shipping_condition_type is dynamic."]
    }
    unknown_channel = client.post(
        PATH, json=_body(places, channel_condition_type="static", channels=[999])
    )
    assert unknown_channel.json() == {"channels": ['Invalid pk "999" - object does not exist.']}
    bad_type = client.post(PATH, json=_body(places, payment_condition_type="sometimes"))
    assert bad_type.json() == {"payment_condition_type": ['"sometimes" is not a valid choice.']}


def test_default_stock_location_is_required_and_must_exist(
    client: TestClient, places: dict[str, int]
) -> None:
    missing = client.post(PATH, json={"name": "x"})
    assert missing.json() == {"default_stock_location": ["This field is required."]}
    unknown = client.post(PATH, json={"name": "x", "default_stock_location": 999})
    assert unknown.json() == {
        "default_stock_location": ['Invalid pk "999" - object does not exist.']
    }


def test_rule_errors_are_listed_per_rule(client: TestClient, places: dict[str, int]) -> None:
    rules = [
        _rule(),
        {"is_transferable": "no"},
        _rule(
            stock_location_conditions=[
                {"type": "SELECT_BY_QUOTA"},
                {"type": "SELECT_BY_LOCATION", "value": []},
            ]
        ),
        _rule(sorting=[{"field": "distance"}]),
        _rule(stock_location_conditions=[{"type": "SELECT_BY_TYPE", "value": "kiosk"}]),
    ]
    response = client.post(PATH, json=_body(places, rules=rules))
    assert response.status_code == 400
    assert response.json() == {
        "rules": [
            {},
            {"name": ["This field is required."], "is_transferable": ["Must be a valid boolean."]},
            {
                "stock_location_conditions": [
                    {},
                    {"value": ["Expected a non-empty list of stock location ids."]},
                ]
            },
            {"sorting": [{"direction": ["This field is required."]}]},
            {"stock_location_conditions": [{"value": ['Expected "store" or "warehouse".']}]},
        ]
    }


def test_rule_conditions_refer_to_real_locations_once_each(
    client: TestClient, places: dict[str, int]
) -> None:
    ghost = [{"type": "SELECT_BY_LOCATION", "value": [places["WH-1"], 999]}]
    response = client.post(PATH, json=_body(places, rules=[_rule(stock_location_conditions=ghost)]))
    assert response.json() == {
        "rules": [
            {
                "stock_location_conditions": [
                    {"value": ['Invalid pk "999" - object does not exist.']}
                ]
            }
        ]
    }
    twice = [{"type": "SELECT_BY_QUOTA"}, {"type": "SELECT_BY_QUOTA"}]
    again = client.post(PATH, json=_body(places, rules=[_rule(stock_location_conditions=twice)]))
    assert again.status_code == 400
    valued = [{"type": "SELECT_BY_GEO_CITY", "value": "Istanbul"}]
    assert (
        client.post(
            PATH, json=_body(places, rules=[_rule(stock_location_conditions=valued)])
        ).status_code
        == 400
    )


def test_name_unique_type_fixed_and_filters(client: TestClient, places: dict[str, int]) -> None:
    first = client.post(PATH, json=_body(places)).json()
    duplicate = client.post(PATH, json=_body(places, type="transfer"))
    assert duplicate.json() == {"name": ["scenario with this name already exists."]}
    client.post(PATH, json=_body(places, name="xfer", type="transfer"))
    transfer = client.get(PATH, params={"type": "transfer"}).json()
    assert [s["name"] for s in transfer["results"]] == ["xfer"]
    changed = client.patch(f"{PATH}{first['id']}/", json={"type": "transfer"})
    assert changed.json() == {"type": ["This field cannot be changed."]}


def test_initial_status_is_a_package_state(client: TestClient, places: dict[str, int]) -> None:
    states = client.get("/api/v1/oms/states/", params={"enum_value": "150"}).json()["results"]
    ok = client.post(PATH, json=_body(places, initial_status=states[0]["id"]))
    assert ok.status_code == 201 and ok.json()["initial_status"] == states[0]["id"]
    transfer_state = client.get("/api/v1/oms/states/", params={"enum_value": "in_transit"}).json()
    bad = client.post(
        PATH, json=_body(places, name="b", initial_status=transfer_state["results"][0]["id"])
    )
    assert bad.status_code == 400 and "initial_status" in bad.json()


def test_put_delete_auth_and_methods(
    client: TestClient, anon: TestClient, places: dict[str, int]
) -> None:
    created = client.post(PATH, json=_body(places, priority=3)).json()
    url = f"{PATH}{created['id']}/"
    put = client.put(url, json=_body(places, description="d"))
    assert put.status_code == 200 and put.json()["priority"] == 3  # omitted fields are kept
    assert client.put(url, json={"description": "d"}).status_code == 400
    assert anon.get(url).status_code == 401
    assert client.post(url, json={}).status_code == 405
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_large_seed_fills_these_kinds_through_their_apis(tmp_path: Path) -> None:
    app = build_app(Store(tmp_path / "large.sqlite"), seed="large:80")
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Token {DEFAULT_TOKEN}"
        for path in (
            PATH,
            "/api/v1/oms/transitions/",
            "/api/v1/oms/oms_hooks/",
            "/api/v1/oms/cargo_companies/",
            "/api/v1/oms/packages/package_denial_reason/",
        ):
            assert client.get(path).json()["count"] == 10, path
        scenario = client.get(PATH).json()["results"][0]
        location = client.get(f"/api/v1/oms/stocklocations/{scenario['default_stock_location']}/")
        assert location.json()["erp_code"] == "LARGE-WH-SCN"
        apps = client.get(
            "/ginesys/api/v1/connected-apps/oms", headers={"X-Api-Key": DEFAULT_TOKEN}
        )
        assert apps.json()["count"] == 10


def test_states_exist_even_in_an_empty_sandbox(tmp_path: Path) -> None:
    app = build_app(Store(tmp_path / "empty.sqlite"), seed="empty")
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Token {DEFAULT_TOKEN}"
        assert client.get("/api/v1/oms/states/").json()["count"] == 21
        assert client.get(PATH).json()["count"] == 0
