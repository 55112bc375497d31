"""Seeded package states and the proposed ``/api/v1/oms/transitions/`` CRUD."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.sandbox.calls import created

STATES = "/api/v1/oms/states/"
PATH = "/api/v1/oms/transitions/"


def state_id(client: TestClient, enum_value: str, enum_class: str = "PackageStatus") -> int:
    """The id of a seeded state."""
    page = client.get(STATES, params={"enum_class": enum_class, "enum_value": enum_value}).json()
    assert page["count"] == 1
    return int(page["results"][0]["id"])


def make_transition(client: TestClient, **fields: Any) -> dict[str, Any]:
    """Create Waiting → Preparing (or as overridden) and return it."""
    body = {
        "name": "Start preparing",
        "slug": "START_PREPARING",
        "source_state": state_id(client, "100"),
        "target_state": state_id(client, "200"),
        "command_class": "PackageStateTransitionCommand",
        **fields,
    }
    return created(client, PATH, body)


def test_states_are_seeded_with_the_documented_shape(client: TestClient) -> None:
    page = client.get(STATES, params={"enum_class": "PackageStatus", "page_size": 100}).json()
    values = [s["enum_value"] for s in page["results"]]
    assert {"100", "200", "400", "500", "920", "1100"} <= set(values)
    assert all(isinstance(v, str) for v in values)
    waiting = page["results"][0]
    assert waiting["name"] == "Waiting"
    assert set(waiting) == {
        *("id", "name", "config", "enum_class", "enum_value", "content_type"),
        *("created_date", "modified_date"),
    }
    named = {s["enum_value"]: s["name"] for s in page["results"]}
    assert named["920"] == "Contains out of stock products"
    transfer = client.get(STATES, params={"enum_class": "TransferStatus"}).json()
    assert "in_transit" in {s["enum_value"] for s in transfer["results"]}
    assert client.get(f"{STATES}{waiting['id']}/").json() == waiting


def test_states_are_read_only(client: TestClient, anon: TestClient) -> None:
    assert client.post(STATES, json={"name": "New"}).status_code == 405
    assert client.delete(f"{STATES}1/").status_code == 405
    assert anon.get(STATES).status_code == 401
    assert client.get(f"{STATES}999/").json() == {"detail": "Not found."}


def test_create_and_read_a_transition(client: TestClient) -> None:
    created = make_transition(client)
    assert created["is_visible"] is True and created["config"] == {}
    assert client.get(f"{PATH}{created['id']}/").json() == created
    found = client.get(PATH, params={"slug": "START_PREPARING"}).json()
    assert found["count"] == 1 and found["results"][0] == created


def test_slug_is_unique_and_slug_shaped(client: TestClient) -> None:
    make_transition(client)
    duplicate = client.post(PATH, json={**_body(client), "slug": "START_PREPARING"})
    assert duplicate.json() == {"slug": ["transition with this slug already exists."]}
    spaced = client.post(PATH, json={**_body(client), "slug": "has space"})
    assert spaced.status_code == 400 and "slug" in spaced.json()


def _body(client: TestClient) -> dict[str, Any]:
    return {
        "name": "n",
        "slug": "S",
        "source_state": state_id(client, "500"),
        "target_state": state_id(client, "600"),
        "command_class": "ShipThePackageCommand",
    }


@pytest.mark.usefixtures("strict_writes")
def test_command_class_must_be_documented(client: TestClient) -> None:
    response = client.post(PATH, json={**_body(client), "command_class": "LaunchRocketCommand"})
    assert response.status_code == 400
    assert response.json() == {"command_class": ['"LaunchRocketCommand" is not a valid choice.']}


def test_states_must_exist_and_share_an_enum_class(client: TestClient) -> None:
    missing = client.post(PATH, json={**_body(client), "target_state": 9999})
    assert missing.json() == {"target_state": ['Invalid pk "9999" - object does not exist.']}
    mixed = client.post(
        PATH,
        json={**_body(client), "target_state": state_id(client, "in_transit", "TransferStatus")},
    )
    assert mixed.status_code == 400 and "non_field_errors" in mixed.json()


def test_remote_invoice_call_auth_values_are_masked(client: TestClient) -> None:
    auth = {"request_type": "basic_auth", "username": "inv", "password": "p4ss"}
    config = {"remote_invoice_call": {"auth": auth, "remote_url": "https://inv.example"}}
    created = make_transition(client, config={**config, "generate_invoice_number": True})
    read = client.get(f"{PATH}{created['id']}/").json()["config"]
    assert read["remote_invoice_call"] == {
        "auth": {"request_type": "basic_auth", "username": "********", "password": "********"},
        "remote_url": "https://inv.example",
    }
    assert read["generate_invoice_number"] is True
    assert "p4ss" not in client.get(PATH).text
    bad = {"remote_invoice_call": {"auth": {"request_type": "magic"}}}
    assert client.post(PATH, json={**_body(client), "config": bad}).status_code == 400


def test_update_and_delete(client: TestClient) -> None:
    created = make_transition(client)
    url = f"{PATH}{created['id']}/"
    hidden = client.patch(url, json={"is_visible": False, "name": "Prepare"})
    assert hidden.status_code == 200
    assert hidden.json() == {
        **created,
        "is_visible": False,
        "name": "Prepare",
        "modified_date": hidden.json()["modified_date"],
    }
    assert client.patch(url, json={"source_state": "waiting"}).json() == {
        "source_state": ["A valid integer is required."]
    }
    assert client.put(url, json={"name": "x"}).status_code == 400
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


@pytest.mark.usefixtures("strict_writes")
def test_auth_and_bad_json(client: TestClient, anon: TestClient) -> None:
    assert anon.post(PATH, json={}).status_code == 401
    bad = client.post(PATH, content=b"{", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and "JSON parse error" in bad.json()["detail"]
    assert client.post(PATH, json={**_body(client), "colour": 1}).json() == {
        "colour": ["Unknown field."]
    }
