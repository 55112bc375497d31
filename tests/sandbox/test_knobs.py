"""The test and benchmark knobs around the Akinon endpoints: latency, injected faults,
commit-then-drop, stats and reset. Dropped connections are checked through the in-process
httpx transport, which surfaces them exactly as a real server's cut connection."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from omsform.sandbox import DEFAULT_TOKEN, SandboxContext, transport
from tests.clock import FakeClock

LOCATIONS = "/api/v1/oms/stocklocations/"
CHANNELS = "/api/v1/oms/channels/"
WAREHOUSE = {"name": "W", "erp_code": "WH-KNOB", "stock_location_type": "warehouse"}


def send(app: Starlette, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request through the in-process httpx transport."""

    async def go() -> httpx.Response:
        headers = {"Authorization": f"Token {DEFAULT_TOKEN}"}
        async with httpx.AsyncClient(
            transport=transport(app), base_url="http://testserver", headers=headers
        ) as http:
            return await http.request(method, path, **kwargs)

    return asyncio.run(go())


def knobs(client: TestClient, **values: Any) -> dict[str, Any]:
    answer = client.post("/_sandbox/knobs", json=values)
    assert answer.status_code == 200
    found: dict[str, Any] = answer.json()
    return found


def test_latency_delays_but_answers(client: TestClient) -> None:
    assert knobs(client, latency_ms=20, jitter_ms=5)["latency_ms"] == 20
    assert client.get(CHANNELS).status_code == 200


def test_fail_next_503_then_recovers(client: TestClient) -> None:
    knobs(client, fail_next=1, faults=["503"])
    failed = client.get(CHANNELS)
    assert failed.status_code == 503
    assert "detail" in failed.json()
    assert client.get(CHANNELS).status_code == 200


def test_429_carries_retry_after(client: TestClient) -> None:
    knobs(client, fail_next=1, faults=["429"], retry_after_s=7)
    answer = client.post(LOCATIONS, json=WAREHOUSE)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert answer.json() == {"detail": "Request was throttled. Expected available in 7 seconds."}
    # the refused write did nothing
    assert client.get(LOCATIONS).json()["count"] == 0


def test_drop_cuts_the_connection_and_does_nothing(app: Starlette, client: TestClient) -> None:
    knobs(client, fail_next=1, faults=["drop"])
    with pytest.raises(httpx.RemoteProtocolError):
        send(app, "POST", LOCATIONS, json=WAREHOUSE)
    assert client.get(LOCATIONS).json()["count"] == 0


def test_commit_drop_stores_the_object_then_drops(app: Starlette, client: TestClient) -> None:
    knobs(client, fail_next=1, faults=["commit_drop"])
    with pytest.raises(httpx.RemoteProtocolError):
        send(app, "POST", LOCATIONS, json=WAREHOUSE)
    found = client.get(LOCATIONS, params={"erp_code": "WH-KNOB"}).json()
    assert found["count"] == 1


def test_commit_drop_of_a_setup_execute_starts_the_job(app: Starlette, client: TestClient) -> None:
    knobs(client, fail_next=1, faults=["commit_drop"], step_seconds=3600)
    with pytest.raises(httpx.RemoteProtocolError):
        send(app, "POST", CHANNELS + "execute/")
    assert client.get(CHANNELS + "get_async_status/").json() == {"result": "WORKING"}


def test_fault_path_limits_faults(client: TestClient) -> None:
    knobs(client, fail_next=1, faults=["503"], fault_path="/api/v1/oms/settings/")
    assert client.get(CHANNELS).status_code == 200
    assert client.get("/api/v1/oms/settings/application_settings/").status_code == 503


def test_unknown_knob_is_400(client: TestClient) -> None:
    answer = client.post("/_sandbox/knobs", json={"speed": "fast"})
    assert answer.status_code == 400
    assert answer.json() == {"speed": ["Unknown knob."]}


def test_throttled_message_says_one_second_in_the_singular(client: TestClient) -> None:
    knobs(client, fail_next=1, faults=["429"], retry_after_s=1)
    answer = client.get(CHANNELS)
    assert answer.status_code == 429
    assert answer.json() == {"detail": "Request was throttled. Expected available in 1 second."}


@pytest.mark.parametrize(
    "values",
    [
        {"latency_ms": "abc"},
        {"jitter_ms": -1},
        {"fail_rate": 2},
        {"fail_rate": True},
        {"faults": "503"},
        {"faults": ["explode"]},
        {"fail_next": 1.5},
        {"retry_after_s": "7"},
        {"rate_limit_per_s": None},
        {"step_seconds": [1]},
        {"fault_path": 3},
        {"seed": "x"},
        {"fail_next": 1, "latency_ms": "abc"},
        {"fail_next": 1, "speed": "fast"},
    ],
)
def test_invalid_knobs_are_400_and_change_nothing(
    client: TestClient, values: dict[str, Any]
) -> None:
    before = client.get("/_sandbox/knobs").json()
    answer = client.post("/_sandbox/knobs", json=values)
    assert answer.status_code == 400
    bad = [k for k in values if not (k == "fail_next" and values[k] == 1)]
    assert sorted(answer.json()) == sorted(bad)
    assert client.get("/_sandbox/knobs").json() == before
    # the API keeps answering normally
    assert client.get(CHANNELS).status_code == 200


def test_stats_count_by_method_and_path_and_reset(client: TestClient) -> None:
    client.post("/_sandbox/stats/reset")
    client.get(CHANNELS)
    client.get(CHANNELS)
    client.post(LOCATIONS, json=WAREHOUSE)
    client.get("/_sandbox/objects/channels")  # admin calls are not counted
    stats = client.get("/_sandbox/stats").json()
    assert stats["total"] == 3
    assert stats["by_method"] == {"GET": 2, "POST": 1}
    assert stats["by_path"] == {f"GET {CHANNELS}": 2, f"POST {LOCATIONS}": 1}
    assert client.post("/_sandbox/stats/reset").status_code == 204
    assert client.get("/_sandbox/stats").json()["total"] == 0


def test_the_rate_limit_refuses_with_retry_after_beyond_the_limit_and_counts_refusals(
    client: TestClient, clock: FakeClock
) -> None:
    knobs(client, rate_limit_per_s=2, retry_after_s=1)
    client.post("/_sandbox/stats/reset")
    statuses = [client.get(CHANNELS).status_code for _ in range(3)]
    refused = client.get(CHANNELS)
    clock.advance(1.0)
    assert statuses == [200, 200, 429]
    assert refused.headers["Retry-After"] == "1"
    assert client.get(CHANNELS).status_code == 200  # a second later there is room again
    stats = client.get("/_sandbox/stats").json()
    assert (stats["total"], stats["throttled"]) == (5, 2)
    client.post("/_sandbox/stats/reset")
    assert client.get("/_sandbox/stats").json()["throttled"] == 0


def test_reset_reseeds(client: TestClient, ctx: SandboxContext) -> None:
    client.post(LOCATIONS, json=WAREHOUSE)
    client.post("/_sandbox/omnitron/channels", json={"name": "acme-extra", "channel_type": "web"})
    ctx.knobs.step_seconds = 0
    client.post(CHANNELS + "execute/")
    assert client.get(CHANNELS + "get_async_status/").json() == {"result": "FINISHED"}
    answer = client.post("/_sandbox/reset")
    assert answer.status_code == 200
    assert answer.json() == {"seed": "demo"}
    assert client.get(LOCATIONS).json()["count"] == 0
    assert client.get(CHANNELS).json()["count"] == 0
    assert len(client.get("/_sandbox/omnitron/channels").json()) == 2
    assert client.get(CHANNELS + "get_async_status/").json() == {"result": "READY"}
    assert client.get(CHANNELS + "is_required/").json() == {"result": True}


def test_reset_to_empty_leaves_no_omnitron(client: TestClient) -> None:
    assert client.post("/_sandbox/reset", json={"seed": "empty"}).json() == {"seed": "empty"}
    assert client.get("/_sandbox/omnitron/stores").json() == []
    assert client.get("/api/v1/oms/stock_locations/is_required/").json() == {"result": False}
    bad = client.post("/_sandbox/reset", json={"seed": "huge"})
    assert bad.status_code == 400
    assert "seed" in bad.json()


def test_ui_edit_creates_drift_visible_through_the_api(client: TestClient) -> None:
    made = client.post(LOCATIONS, json=WAREHOUSE).json()
    edit = client.patch(f"/_sandbox/objects/stock_locations/{made['id']}", json={"priority": 9})
    assert edit.status_code == 200
    after = client.get(f"{LOCATIONS}{made['id']}/").json()
    assert after["priority"] == 9
    assert after["modified_date"] > made["modified_date"]


def test_ui_edit_refuses_fields_the_object_does_not_have(
    client: TestClient, ctx: SandboxContext
) -> None:
    channel = ctx.store.insert(
        "channels", {"name": "c", "omnitron_id": 1, "channel_type": "web", "configuration": {}}
    )
    bogus = client.patch(f"/_sandbox/objects/channels/{channel['id']}", json={"bogus": 1})
    assert bogus.status_code == 400
    assert list(bogus.json()) == ["bogus"]
    assert "bogus" not in client.get(f"{CHANNELS}{channel['id']}/").json()
    made = client.post(LOCATIONS, json=WAREHOUSE).json()
    address = {"city": "Istanbul"}
    lost = client.patch(
        f"/_sandbox/objects/stock_locations/{made['id']}", json={"address": address}
    )
    assert lost.status_code == 400 and list(lost.json()) == ["address"]
    for name in ("id", "modified_date"):
        answer = client.patch(f"/_sandbox/objects/stock_locations/{made['id']}", json={name: 5})
        assert answer.status_code == 400 and list(answer.json()) == [name]
    assert client.get(f"{LOCATIONS}{made['id']}/").json() == made


def test_ui_edit_refuses_values_of_another_json_type(
    client: TestClient, ctx: SandboxContext
) -> None:
    setting = ctx.store.insert("application_settings", {"key": "ORDER_FILTERING", "json_value": 1})
    url = f"/_sandbox/objects/application_settings/{setting['id']}"
    answer = client.patch(url, json={"key": 5, "json_value": "text"})
    assert answer.status_code == 400
    assert sorted(answer.json()) == ["json_value", "key"]
    listed = client.get("/api/v1/oms/settings/application_settings/")
    assert listed.status_code == 200
    assert listed.json()["results"][0]["key"] == "ORDER_FILTERING"
    made = client.post(LOCATIONS, json=WAREHOUSE).json()
    url = f"/_sandbox/objects/stock_locations/{made['id']}"
    assert client.patch(url, json={"priority": "high"}).status_code == 400
    assert client.patch(url, json={"priority": True}).status_code == 400
    assert client.patch(url, json={"priority": None}).status_code == 400
    # a field stored as null takes a value, and the API shows it
    assert client.patch(url, json={"max_quota": 40}).status_code == 200
    assert client.get(f"{LOCATIONS}{made['id']}/").json()["max_quota"] == 40
    assert client.patch(f"/_sandbox/objects/stock_locations/{10**30}", json={}).status_code == 404


def _two_locations(client: TestClient) -> None:
    for code in ("WH-A", "WH-B"):
        created = client.post(LOCATIONS, json={**WAREHOUSE, "erp_code": code})
        assert created.status_code == 201


def test_listing_fault_no_count_no_next_serves_neither(client: TestClient) -> None:
    _two_locations(client)
    knobs(client, listing_fault="no_count_no_next")
    page = client.get(LOCATIONS).json()
    assert page == {"results": page["results"]} and len(page["results"]) == 2


def test_listing_fault_count_low_says_fewer_than_it_serves(client: TestClient) -> None:
    _two_locations(client)
    knobs(client, listing_fault="count_low")
    page = client.get(LOCATIONS).json()
    assert page["count"] == 1 and len(page["results"]) == 2


def test_listing_fault_repeat_id_serves_one_row_twice(client: TestClient) -> None:
    _two_locations(client)
    knobs(client, listing_fault="repeat_id")
    ids = [row["id"] for row in client.get(LOCATIONS).json()["results"]]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_listing_fault_next_fails_points_at_a_404_page(client: TestClient) -> None:
    _two_locations(client)
    knobs(client, listing_fault="next_fails")
    page = client.get(LOCATIONS).json()
    assert len(page["results"]) == 1 and page["count"] == 2
    assert client.get(page["next"]).status_code == 404


def test_listing_fault_only_under_fault_path_and_never_for_details(client: TestClient) -> None:
    _two_locations(client)
    knobs(client, listing_fault="count_low", fault_path=CHANNELS)
    assert client.get(LOCATIONS).json()["count"] == 2
    assert client.get(CHANNELS).json()["count"] == -1  # one lower than the 0 copied so far
    row = client.get(LOCATIONS).json()["results"][0]
    assert client.get(f"{LOCATIONS}{row['id']}/").json()["id"] == row["id"]


def test_an_unknown_listing_fault_is_refused(client: TestClient) -> None:
    answer = client.post("/_sandbox/knobs", json={"listing_fault": "half"})
    assert answer.status_code == 400 and "listing_fault" in answer.json()
