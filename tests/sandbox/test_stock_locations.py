"""Stock locations: the documented list-simple and the proposed CRUD with server defaults,
unique erp_code, type choices, strict bodies and the address object."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from omsform.sandbox import DEFAULT_TOKEN, build_app
from omsform.sandbox.store import Store
from tests.clock import FakeClock

LOCATIONS = "/api/v1/oms/stocklocations/"
SIMPLE = LOCATIONS + "list-simple/"
FLAGS = (
    "is_fulfillment_center",
    "is_pickup_location",
    "is_delivery_location",
    "is_fast_delivery_available",
    "is_return_available",
)
DOCUMENTED = {
    "id",
    "created_date",
    "modified_date",
    "omnitron_id",
    "name",
    "stock_location_type",
    "fax_number",
    "erp_code",
    "address",
    "is_active",
    "priority",
    *FLAGS,
}


def minimal(code: str = "WH-01") -> dict[str, Any]:
    return {"name": "Main warehouse", "erp_code": code, "stock_location_type": "warehouse"}


@pytest.fixture
def geo(client: TestClient, clock: FakeClock) -> dict[str, int]:
    """Run the addresses step; the OMS pks of Türkiye, Istanbul, Kadikoy (township) and Moda."""
    client.post("/api/v1/oms/setup/addresses/execute/")
    for _ in range(500):
        if (
            client.get("/api/v1/oms/setup/addresses/get_async_status/").json()["result"]
            != "WORKING"
        ):
            break
        clock.advance(0.01)

    def pk(kind: str, name: str) -> int:
        found = client.get(f"/api/v1/oms/{kind}/", params={"name": name}).json()["results"]
        return int(found[0]["pk"])

    return {
        "country": pk("countries", "Türkiye"),
        "city": pk("cities", "Istanbul"),
        "township": pk("townships", "Kadıköy"),
        "district": pk("districts", "Moda"),
    }


def an_address(geo: dict[str, int]) -> dict[str, Any]:
    return {
        "title": "Depot",
        "line": "Moda Cad. 5",
        "postcode": "34710",
        "notes": "",
        "latitude": 40.98,
        "longitude": 29.02,
        **geo,
    }


def test_create_fills_server_defaults(client: TestClient) -> None:
    answer = client.post(LOCATIONS, json=minimal())
    assert answer.status_code == 201
    made = answer.json()
    assert made["is_active"] is True
    assert all(made[flag] is False for flag in FLAGS)
    assert made["priority"] == 0
    assert made["max_quota"] is None
    assert made["tags"] == []
    assert made["address"] is None
    assert made["omnitron_id"] is None
    assert made["quota"] == 0
    assert made["created_date"] == made["modified_date"]
    assert client.get(f"{LOCATIONS}{made['id']}/").json() == made


def test_list_simple_has_the_documented_fields_with_address_as_id(
    client: TestClient, geo: dict[str, int]
) -> None:
    made = client.post(LOCATIONS, json={**minimal(), "address": an_address(geo)}).json()
    row = client.get(SIMPLE).json()["results"][0]
    assert set(row) >= DOCUMENTED
    assert isinstance(row["address"], int)
    assert row["erp_code"] == made["erp_code"]
    assert isinstance(made["address"], dict)


def test_address_reads_back_as_written(client: TestClient, geo: dict[str, int]) -> None:
    address = an_address(geo)
    made = client.post(LOCATIONS, json={**minimal(), "address": address}).json()
    assert made["address"] == address
    assert client.get(f"{LOCATIONS}{made['id']}/").json()["address"] == address
    listed = client.get(LOCATIONS, params={"erp_code": "WH-01"}).json()["results"][0]
    assert listed["address"] == address


def test_address_fills_defaults_and_can_be_replaced_or_removed(
    client: TestClient, geo: dict[str, int]
) -> None:
    made = client.post(LOCATIONS, json={**minimal(), "address": {"line": "Somewhere 1"}}).json()
    assert made["address"] == {
        "title": "",
        "line": "Somewhere 1",
        "postcode": "",
        "notes": "",
        "latitude": None,
        "longitude": None,
        "country": None,
        "city": None,
        "township": None,
        "district": None,
    }
    replaced = client.patch(f"{LOCATIONS}{made['id']}/", json={"address": an_address(geo)})
    assert replaced.json()["address"] == an_address(geo)
    removed = client.patch(f"{LOCATIONS}{made['id']}/", json={"address": None})
    assert removed.json()["address"] is None
    assert client.get(SIMPLE).json()["results"][0]["address"] is None


def test_address_errors_are_nested(client: TestClient) -> None:
    missing_line = client.post(LOCATIONS, json={**minimal(), "address": {"postcode": "1"}})
    assert missing_line.status_code == 400
    assert missing_line.json() == {"address": {"line": ["This field is required."]}}
    bad_pk = client.post(LOCATIONS, json={**minimal(), "address": {"line": "x", "city": 999}})
    assert bad_pk.status_code == 400
    assert bad_pk.json() == {"address": {"city": ['Invalid pk "999" - object does not exist.']}}
    assert client.get(LOCATIONS).json()["count"] == 0


def test_duplicate_erp_code_is_400(client: TestClient) -> None:
    client.post(LOCATIONS, json=minimal())
    answer = client.post(LOCATIONS, json={**minimal(), "name": "Other"})
    assert answer.status_code == 400
    assert answer.json() == {"erp_code": ["stock location with this erp code already exists."]}
    assert client.get(LOCATIONS).json()["count"] == 1


def test_unknown_type_is_400(client: TestClient) -> None:
    answer = client.post(LOCATIONS, json={**minimal(), "stock_location_type": "depot"})
    assert answer.status_code == 400
    assert answer.json() == {"stock_location_type": ['"depot" is not a valid choice.']}


def test_missing_required_fields_are_named(client: TestClient) -> None:
    answer = client.post(LOCATIONS, json={})
    assert answer.status_code == 400
    assert set(answer.json()) == {"name", "erp_code", "stock_location_type"}
    assert answer.json()["name"] == ["This field is required."]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("priority", "high", "A valid integer is required."),
        ("is_active", "yes", "Must be a valid boolean."),
        ("max_quota", -1, "Ensure this value is greater than or equal to 0."),
        ("tags", [1], "Not a valid string."),
        ("tags", "a,b", "Expected a list of items."),
        ("name", "  ", "This field may not be blank."),
        ("email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_wrong_types_are_400(client: TestClient, field: str, value: Any, message: str) -> None:
    answer = client.post(LOCATIONS, json={**minimal(), field: value})
    assert answer.status_code == 400
    assert answer.json() == {field: [message]}


@pytest.mark.usefixtures("strict_writes")
@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("colour", "Unknown field."),
        ("omnitron_id", "This field is read-only."),
        ("quota", "This field is read-only."),
    ],
)
def test_unknown_and_read_only_fields_are_400(client: TestClient, field: str, message: str) -> None:
    answer = client.post(LOCATIONS, json={**minimal(), field: 5})
    assert answer.status_code == 400
    assert answer.json() == {field: [message]}


def test_patch_changes_only_what_is_sent(client: TestClient) -> None:
    made = client.post(LOCATIONS, json={**minimal(), "priority": 3, "tags": ["a"]}).json()
    answer = client.patch(
        f"{LOCATIONS}{made['id']}/", json={"max_quota": 50, "is_pickup_location": True}
    )
    assert answer.status_code == 200
    after = answer.json()
    assert after["max_quota"] == 50
    assert after["is_pickup_location"] is True
    assert after["priority"] == 3
    assert after["tags"] == ["a"]
    assert after["modified_date"] > made["modified_date"]
    assert after["created_date"] == made["created_date"]


def test_put_replaces_and_resets_omitted_fields(client: TestClient) -> None:
    made = client.post(LOCATIONS, json={**minimal(), "priority": 3, "tags": ["a"]}).json()
    answer = client.put(f"{LOCATIONS}{made['id']}/", json={**minimal(), "name": "Renamed"})
    assert answer.status_code == 200
    assert answer.json()["name"] == "Renamed"
    assert answer.json()["priority"] == 0
    assert answer.json()["tags"] == []
    incomplete = client.put(f"{LOCATIONS}{made['id']}/", json={"name": "Only a name"})
    assert incomplete.status_code == 400
    assert set(incomplete.json()) == {"erp_code", "stock_location_type"}


def test_changing_erp_code_to_a_taken_one_is_400(client: TestClient) -> None:
    client.post(LOCATIONS, json=minimal("WH-01"))
    other = client.post(LOCATIONS, json=minimal("WH-02")).json()
    answer = client.patch(f"{LOCATIONS}{other['id']}/", json={"erp_code": "WH-01"})
    assert answer.status_code == 400
    assert "erp_code" in answer.json()
    same = client.patch(f"{LOCATIONS}{other['id']}/", json={"erp_code": "WH-02"})
    assert same.status_code == 200


def test_delete_is_204_then_404(client: TestClient) -> None:
    made = client.post(LOCATIONS, json=minimal()).json()
    answer = client.delete(f"{LOCATIONS}{made['id']}/")
    assert answer.status_code == 204
    assert answer.content == b""
    assert client.get(f"{LOCATIONS}{made['id']}/").status_code == 404
    assert client.delete(f"{LOCATIONS}{made['id']}/").status_code == 404
    # ids are not reused, and the erp_code is free again
    again = client.post(LOCATIONS, json=minimal()).json()
    assert again["id"] != made["id"]


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({"erp_code": "WH-02"}, ["WH-02"]),
        ({"erp_code__in": "WH-01,WH-03"}, ["WH-01", "WH-03"]),
        ({"name__icontains": "NORTH"}, ["WH-03"]),
        ({"is_active": "false"}, ["WH-02"]),
        ({"stock_location_type": "store"}, []),
        ({"sort": "-erp_code"}, ["WH-03", "WH-02", "WH-01"]),
    ],
)
def test_list_filters(client: TestClient, query: dict[str, str], codes: list[str]) -> None:
    client.post(LOCATIONS, json=minimal("WH-01"))
    client.post(LOCATIONS, json={**minimal("WH-02"), "is_active": False})
    client.post(LOCATIONS, json={**minimal("WH-03"), "name": "North depot"})
    results = client.get(LOCATIONS, params=query).json()["results"]
    assert [r["erp_code"] for r in results] == codes


def test_list_simple_is_read_only(client: TestClient) -> None:
    assert client.post(SIMPLE, json=minimal()).status_code == 405
    assert client.delete(f"{LOCATIONS}").status_code == 405


def test_large_seed_generates_warehouses(tmp_path: Path) -> None:
    app = build_app(Store(tmp_path / "large.sqlite"), seed="large:200")
    with TestClient(app, base_url="http://testserver") as client:
        client.headers["Authorization"] = f"Token {DEFAULT_TOKEN}"
        query = {"name__icontains": "generated warehouse", "stock_location_type": "warehouse"}
        page = client.get(LOCATIONS, params=query).json()
        assert page["count"] == 20
        assert page["results"][0]["erp_code"] == "WH-00001"
        # the demo's Omnitron is still there to be copied
        assert client.get("/api/v1/oms/stock_locations/is_required/").json() == {"result": True}
