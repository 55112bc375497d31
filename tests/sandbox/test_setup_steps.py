"""The Basic Setup copy jobs: is_required / execute / get_async_status for addresses, stock
locations and channels, copying the fake Omnitron into OMS."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from omsform.sandbox import DEFAULT_TOKEN, SandboxContext, build_app
from omsform.sandbox.knobs import Knobs
from omsform.sandbox.store import Store
from tests.clock import FakeClock

STEPS = {
    "addresses": "/api/v1/oms/setup/addresses/",
    "stock_locations": "/api/v1/oms/stock_locations/",
    "channels": "/api/v1/oms/channels/",
}


def wait_result(client: TestClient, step: str) -> str:
    """Poll get_async_status until the job leaves WORKING, moving the app's fake clock on by
    0.01 s between polls (bounded, not a timing assertion)."""
    for _ in range(500):
        result = client.get(STEPS[step] + "get_async_status/").json()["result"]
        if result != "WORKING":
            return str(result)
        tick(client)
    raise AssertionError(f"step {step} still WORKING")


def tick(client: TestClient, seconds: float = 0.01) -> None:
    """Move the fake clock of ``client``'s sandbox on."""
    clock = client.app.state.ctx.clock
    assert isinstance(clock, FakeClock)
    clock.advance(seconds)


def run(client: TestClient, step: str) -> str:
    """Execute a step and wait for its outcome."""
    assert client.post(STEPS[step] + "execute/").status_code == 204
    return wait_result(client, step)


def required(client: TestClient, step: str) -> bool:
    answer = client.get(STEPS[step] + "is_required/")
    assert answer.status_code == 200
    return bool(answer.json()["result"])


@pytest.mark.parametrize("step", STEPS)
def test_a_fresh_demo_needs_every_step_and_nothing_ran(client: TestClient, step: str) -> None:
    assert client.get(STEPS[step] + "is_required/").json() == {"result": True}
    assert client.get(STEPS[step] + "get_async_status/").json() == {"result": "READY"}


@pytest.mark.parametrize("step", STEPS)
def test_execute_is_204_then_finished_and_no_longer_required(client: TestClient, step: str) -> None:
    answer = client.post(STEPS[step] + "execute/")
    assert answer.status_code == 204
    assert answer.content == b""
    assert wait_result(client, step) == "FINISHED"
    assert required(client, step) is False
    # the outcome stays visible until the next run
    assert client.get(STEPS[step] + "get_async_status/").json() == {"result": "FINISHED"}


@pytest.mark.parametrize("step", STEPS)
def test_step_actions_accept_only_their_documented_methods(client: TestClient, step: str) -> None:
    assert client.get(STEPS[step] + "execute/").status_code == 405
    assert client.post(STEPS[step] + "is_required/").status_code == 405
    assert client.delete(STEPS[step] + "get_async_status/").status_code == 405


def test_job_is_working_and_a_second_execute_is_refused(
    client: TestClient, ctx: SandboxContext
) -> None:
    ctx.knobs.step_seconds = 3600
    assert client.post(STEPS["channels"] + "execute/").status_code == 204
    assert client.get(STEPS["channels"] + "get_async_status/").json() == {"result": "WORKING"}
    assert required(client, "channels") is True
    again = client.post(STEPS["channels"] + "execute/")
    assert again.status_code == 400
    assert again.json() == {"detail": "A task is already running."}
    assert client.get("/api/v1/oms/channels/").json()["count"] == 0  # nothing copied yet
    ctx.knobs.step_seconds = 0
    assert wait_result(client, "channels") == "FINISHED"
    assert client.get("/api/v1/oms/channels/").json()["count"] == 2


def test_channels_step_copies_omnitron_channels(client: TestClient) -> None:
    run(client, "channels")
    found = {c["name"]: c for c in client.get("/api/v1/oms/channels/").json()["results"]}
    assert set(found) == {"acme-web", "acme-trendyol"}
    assert found["acme-web"]["omnitron_id"] == 1
    assert found["acme-web"]["channel_type"] == "web"
    assert found["acme-trendyol"]["omnitron_id"] == 2
    assert found["acme-trendyol"]["channel_type"] == "trendyol"
    assert found["acme-web"]["is_active"] is True
    assert found["acme-web"]["configuration"] == {}


def test_stores_become_store_locations_with_their_addresses(client: TestClient) -> None:
    run(client, "addresses")
    run(client, "stock_locations")
    found = {s["erp_code"]: s for s in client.get("/api/v1/oms/stocklocations/").json()["results"]}
    assert set(found) == {"STORE-IST-01", "STORE-ANK-01"}
    ist = found["STORE-IST-01"]
    assert ist["omnitron_id"] == 101
    assert found["STORE-ANK-01"]["omnitron_id"] == 102
    assert ist["stock_location_type"] == "store"
    city = client.get("/api/v1/oms/cities/", params={"name": "Istanbul"}).json()["results"]
    assert ist["address"]["city"] == city[0]["pk"]
    assert ist["address"]["line"]


def test_addresses_step_copies_the_address_tree(client: TestClient) -> None:
    run(client, "addresses")
    countries = client.get("/api/v1/oms/countries/").json()["results"]
    assert [(c["name"], c["code"]) for c in countries] == [("Türkiye", "tr")]
    cities = client.get("/api/v1/oms/cities/").json()["results"]
    assert {c["name"] for c in cities} == {"Istanbul", "Ankara"}
    assert {c["country"] for c in cities} == {countries[0]["pk"]}
    ankara = next(c for c in cities if c["name"] == "Ankara")
    townships = client.get("/api/v1/oms/townships/", params={"city": ankara["pk"]}).json()
    assert [t["name"] for t in townships["results"]] == ["Çankaya"]
    districts = client.get("/api/v1/oms/districts/").json()["results"]
    assert set(districts[0]) == {
        "pk",
        "name",
        "city",
        "township",
        "is_active",
        "latitude",
        "longitude",
    }
    assert len(districts) == 4


def test_running_again_copies_nothing_twice(client: TestClient) -> None:
    for _ in range(2):
        assert run(client, "channels") == "FINISHED"
        assert run(client, "stock_locations") == "FINISHED"
        assert run(client, "addresses") == "FINISHED"
    assert client.get("/api/v1/oms/channels/").json()["count"] == 2
    assert client.get("/api/v1/oms/stocklocations/").json()["count"] == 2
    assert client.get("/api/v1/oms/districts/").json()["count"] == 4


def test_a_new_omnitron_channel_makes_the_step_required_and_keeps_oms_edits(
    client: TestClient,
) -> None:
    run(client, "channels")
    web = client.get("/api/v1/oms/channels/", params={"name": "acme-web"}).json()["results"][0]
    client.patch(f"/api/v1/oms/channels/{web['id']}/", json={"is_active": False})
    added = client.post(
        "/_sandbox/omnitron/channels", json={"name": "acme-hepsiburada", "channel_type": "hb"}
    )
    assert added.status_code == 201
    assert added.json()["omnitron_id"] == 3
    assert required(client, "channels") is True
    run(client, "channels")
    assert required(client, "channels") is False
    names = {c["name"] for c in client.get("/api/v1/oms/channels/").json()["results"]}
    assert names == {"acme-web", "acme-trendyol", "acme-hepsiburada"}
    assert client.get(f"/api/v1/oms/channels/{web['id']}/").json()["is_active"] is False


def test_an_omnitron_store_change_is_copied_by_omnitron_id(client: TestClient) -> None:
    run(client, "stock_locations")
    changed = client.post(
        "/_sandbox/omnitron/stores",
        json={"omnitron_id": 101, "name": "Acme Kadıköy Renamed", "erp_code": "STORE-IST-01"},
    )
    assert changed.status_code == 200
    assert required(client, "stock_locations") is True
    run(client, "stock_locations")
    found = client.get("/api/v1/oms/stocklocations/", params={"omnitron_id": 101}).json()
    assert found["count"] == 1
    assert found["results"][0]["name"] == "Acme Kadıköy Renamed"


def test_a_deleted_copy_makes_the_step_required_again(client: TestClient) -> None:
    run(client, "stock_locations")
    store = client.get("/api/v1/oms/stocklocations/", params={"omnitron_id": 102}).json()
    assert (
        client.delete(f"/api/v1/oms/stocklocations/{store['results'][0]['id']}/").status_code == 204
    )
    assert required(client, "stock_locations") is True
    run(client, "stock_locations")
    assert (
        client.get("/api/v1/oms/stocklocations/", params={"omnitron_id": 102}).json()["count"] == 1
    )


@pytest.mark.parametrize("outcome", ["FAILED", "ABORTED"])
def test_outcome_hook_makes_the_next_run_fail_without_copying(
    client: TestClient, outcome: str
) -> None:
    hook = client.post("/_sandbox/setup/channels/outcome", json={"result": outcome})
    assert hook.status_code == 200
    assert run(client, "channels") == outcome
    assert client.get("/api/v1/oms/channels/").json()["count"] == 0
    assert required(client, "channels") is True
    # only the next run: the one after finishes
    assert run(client, "channels") == "FINISHED"
    assert client.get("/api/v1/oms/channels/").json()["count"] == 2


def test_outcome_hook_rejects_unknown_steps_and_results(client: TestClient) -> None:
    assert client.post("/_sandbox/setup/nope/outcome", json={"result": "FAILED"}).status_code == 404
    bad = client.post("/_sandbox/setup/channels/outcome", json={"result": "EXPLODED"})
    assert bad.status_code == 400
    assert "result" in bad.json()


def test_fake_omnitron_admin_validates_records(client: TestClient) -> None:
    bad = client.post("/_sandbox/omnitron/stores", json={"name": "No code"})
    assert bad.status_code == 400
    assert bad.json() == {"erp_code": ["This field is required."]}
    assert client.post("/_sandbox/omnitron/planets", json={}).status_code == 404


def test_an_empty_omnitron_needs_no_step(tmp_path: Path) -> None:
    app = build_app(Store(tmp_path / "empty.sqlite"), seed="empty")
    with TestClient(app, base_url="http://testserver") as client:
        client.headers["Authorization"] = f"Token {DEFAULT_TOKEN}"
        for step in STEPS:
            assert required(client, step) is False


def test_a_running_job_survives_a_restart(
    db_path: Path, client: TestClient, ctx: SandboxContext, clock: FakeClock
) -> None:
    ctx.knobs.step_seconds = 3600
    assert client.post(STEPS["addresses"] + "execute/").status_code == 204
    again = build_app(Store(db_path), knobs=Knobs(step_seconds=3600), clock=clock)
    with TestClient(again, base_url="http://testserver") as second:
        second.headers["Authorization"] = f"Token {DEFAULT_TOKEN}"
        assert second.get(STEPS["addresses"] + "get_async_status/").json() == {"result": "WORKING"}
        again.state.ctx.knobs.step_seconds = 0
        assert wait_result(second, "addresses") == "FINISHED"
    # the first process sees the same outcome and the copied data
    assert client.get(STEPS["addresses"] + "get_async_status/").json() == {"result": "FINISHED"}
    assert client.get("/api/v1/oms/countries/").json()["count"] == 1
