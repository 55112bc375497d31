"""Bodies and queries a careless or hostile client may send: each is a DRF-shaped 4xx, never a
500, and a refused write stores nothing (later reads of the collection keep working)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from omsform.sandbox import DEFAULT_TOKEN, SandboxContext
from omsform.sandbox.store import Store
from tests.sandbox.calls import created

CHANNELS = "/api/v1/oms/channels/"
LOCATIONS = "/api/v1/oms/stocklocations/"
SETTINGS = "/api/v1/oms/settings/application_settings/"
SCENARIOS = "/api/v1/oms/scenarios/"
TRANSITIONS = "/api/v1/oms/transitions/"
STATES = "/api/v1/oms/states/"
GINESYS = "/ginesys/api/v1/connected-apps/oms"
HUGE = 99999999999999999999999
TOO_BIG = "Ensure this value is less than or equal to 9223372036854775807."
JSON = {"Content-Type": "application/json", "X-Api-Key": DEFAULT_TOKEN}


@pytest.fixture
def channels(ctx: SandboxContext) -> list[int]:
    """Channels whose ``configuration`` holds JSON values of every kind, inserted directly."""
    values: list[Any] = [{"x": 1}, None, 3, "text", [1], {"a": {"b": 2}}]
    return [
        ctx.store.insert(
            "channels",
            {"name": f"c{n}", "omnitron_id": n, "channel_type": "web", "configuration": value},
        )["id"]
        for n, value in enumerate(values)
    ]


def post_raw(client: TestClient, path: str, raw: str) -> Any:
    """POST a hand-written JSON text (httpx's ``json=`` would refuse or escape it)."""
    return client.post(path, content=raw.encode(), headers=JSON)


def warehouse_json(name: str) -> str:
    return '{"name": ' + name + ', "erp_code": "WH-HOSTILE", "stock_location_type": "warehouse"}'


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_a_parse_error_and_store_nothing(
    client: TestClient, channels: list[int], constant: str
) -> None:
    url = f"{CHANNELS}{channels[0]}/"
    before = client.get(url).json()
    answer = client.patch(url, content='{"configuration": {"x": ' + constant + "}}", headers=JSON)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("JSON parse error - ")
    assert client.get(url).json() == before
    assert client.get(CHANNELS).status_code == 200


def test_a_lone_surrogate_is_a_parse_error_and_stores_nothing(client: TestClient) -> None:
    before = client.get(LOCATIONS).json()["count"]
    answer = post_raw(client, LOCATIONS, warehouse_json('"bad \\ud83d name"'))
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("JSON parse error - ")
    listed = client.get(LOCATIONS)
    assert listed.status_code == 200 and listed.json()["count"] == before
    # a correctly paired surrogate is an ordinary character
    fine = post_raw(client, LOCATIONS, warehouse_json('"ok \\ud83d\\ude00"'))
    assert fine.status_code == 201 and fine.json()["name"] == "ok \U0001f600"


@pytest.mark.parametrize(
    "path",
    [
        LOCATIONS,
        "/api/v1/auth/login/",
        "/_sandbox/knobs",
        "/_sandbox/reset",
        GINESYS,
    ],
)
@pytest.mark.parametrize("depth", [200, 5000])
def test_deep_nesting_is_a_parse_error(client: TestClient, path: str, depth: int) -> None:
    raw = '{"name": ' + "[" * depth + "]" * depth + "}"
    answer = post_raw(client, path, raw)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("JSON parse error - ")


def test_ordinary_nesting_is_still_accepted(client: TestClient, channels: list[int]) -> None:
    nested: Any = "x"
    for _ in range(20):
        nested = {"a": nested}
    answer = client.patch(f"{CHANNELS}{channels[0]}/", json={"configuration": nested})
    assert answer.status_code == 200 and answer.json()["configuration"] == nested


@pytest.mark.parametrize(
    "path",
    [f"{CHANNELS}{HUGE}/", f"{LOCATIONS}{HUGE}/", f"{STATES}{HUGE}/", f"{GINESYS}/{HUGE}"],
)
def test_an_id_beyond_64_bits_is_not_found(
    client: TestClient, ginesys: TestClient, path: str
) -> None:
    who = ginesys if path.startswith(GINESYS) else client
    answer = who.get(path)
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not found."}


def test_deleting_and_commanding_ids_beyond_64_bits_is_not_found(
    client: TestClient, ginesys: TestClient
) -> None:
    assert client.delete(f"{LOCATIONS}{HUGE}/").status_code == 404
    assert client.post(f"/api/v1/oms/packages/{HUGE}/command/", json={}).status_code == 404
    tested = ginesys.post(f"{GINESYS}/{HUGE}/test", json={"target": "webhook"})
    assert tested.status_code == 404 and tested.json() == {"detail": "Not found."}


def test_integer_fields_refuse_values_beyond_64_bits(
    client: TestClient, ginesys: TestClient
) -> None:
    location = created(
        client, LOCATIONS, {"name": "W", "erp_code": "WH-1", "stock_location_type": "warehouse"}
    )
    scenario = {"name": "s", "default_stock_location": HUGE}
    answer = client.post(SCENARIOS, json=scenario)
    assert answer.status_code == 400
    assert answer.json() == {"default_stock_location": [TOO_BIG]}
    negative = client.post(SCENARIOS, json={**scenario, "default_stock_location": -HUGE})
    assert negative.json() == {
        "default_stock_location": [
            "Ensure this value is greater than or equal to -9223372036854775808."
        ]
    }
    app = {
        "organization_unit_id": HUGE,
        "webhook": {"url": "https://a.example", "secret": "s"},
        "ginesys_api": {"url": "https://b.example", "api_key": "k"},
    }
    refused = ginesys.post(GINESYS, json=app)
    assert refused.status_code == 400 and refused.json() == {"organization_unit_id": [TOO_BIG]}
    assert ginesys.get(GINESYS).json()["count"] == 0
    assert client.get(SCENARIOS).json()["count"] == 0
    assert location["id"] > 0


def test_related_ids_beyond_64_bits_are_invalid_pks(client: TestClient) -> None:
    location = created(
        client, LOCATIONS, {"name": "W", "erp_code": "WH-1", "stock_location_type": "warehouse"}
    )["id"]
    missing = f'Invalid pk "{HUGE}" - object does not exist.'
    static = {
        "name": "s",
        "default_stock_location": location,
        "channel_condition_type": "static",
        "channels": [HUGE],
    }
    answer = client.post(SCENARIOS, json=static)
    assert answer.status_code == 400 and answer.json() == {"channels": [missing]}
    by_location = {"type": "SELECT_BY_LOCATION", "value": [HUGE]}
    rule = {"name": "r", "stock_location_conditions": [by_location]}
    answer = client.post(
        SCENARIOS, json={"name": "s", "default_stock_location": location, "rules": [rule]}
    )
    assert answer.status_code == 400, answer.text
    assert missing in str(answer.json())
    transition = {
        "name": "n",
        "slug": "S",
        "source_state": HUGE,
        "target_state": HUGE,
        "command_class": "ShipThePackageCommand",
    }
    answer = client.post(TRANSITIONS, json=transition)
    assert answer.status_code == 400
    assert client.get(SCENARIOS).json()["count"] == 0
    assert client.get(TRANSITIONS).json()["count"] == 0


def test_a_package_command_naming_a_huge_transition_is_an_invalid_pk(
    client: TestClient,
) -> None:
    package = created(client, "/_sandbox/packages", {})
    answer = client.post(
        f"/api/v1/oms/packages/{package['id']}/command/", json={"transition": HUGE}
    )
    assert answer.status_code == 400
    assert answer.json() == {"transition": [f'Invalid pk "{HUGE}" - object does not exist.']}


def test_store_lookups_treat_unbindable_values_as_absent(ctx: SandboxContext) -> None:
    store: Store = ctx.store
    kept = store.insert("things", {"n": HUGE, "m": 1})
    assert store.get("things", HUGE) is None
    assert store.delete("things", HUGE) is False
    assert store.update("things", HUGE, {"m": 2}) is None
    # a huge value is still found by comparing in Python
    assert store.find("things", n=HUGE) == [kept]
    assert store.find("things", m=HUGE) == []


@pytest.mark.parametrize("field", ["configuration", "-configuration", "omnitron_id", "nothing"])
def test_sorting_on_any_field_answers(client: TestClient, channels: list[int], field: str) -> None:
    answer = client.get(CHANNELS, params={"sort": field})
    assert answer.status_code == 200
    assert sorted(c["id"] for c in answer.json()["results"]) == channels


def test_sorting_json_values_is_numbers_text_objects_then_nulls(
    client: TestClient, channels: list[int]
) -> None:
    page = client.get(CHANNELS, params={"sort": "configuration"}).json()["results"]
    assert [c["name"] for c in page] == ["c2", "c3", "c4", "c5", "c0", "c1"]


@pytest.mark.parametrize("size", ["abc", "0", "-5", ""])
def test_an_invalid_page_size_falls_back_to_the_default(client: TestClient, size: str) -> None:
    for n in range(25):
        created(
            client,
            LOCATIONS,
            {"name": f"W{n}", "erp_code": f"WH-P{n:02d}", "stock_location_type": "store"},
        )
    for name in ("page_size", "limit"):
        answer = client.get(LOCATIONS, params={name: size})
        assert answer.status_code == 200
        assert len(answer.json()["results"]) == 20


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999"])
def test_an_invalid_page_is_still_404(client: TestClient, page: str) -> None:
    answer = client.get(LOCATIONS, params={"page": page})
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Invalid page."}
