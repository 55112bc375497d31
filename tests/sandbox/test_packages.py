"""Packages and package commands, end to end through the seeded states and real transitions."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from omsform.sandbox import SandboxContext
from tests.sandbox.calls import created
from tests.sandbox.test_transitions import make_transition, state_id

PACKAGES = "/api/v1/oms/packages/"


def _package(client: TestClient, **body: Any) -> dict[str, Any]:
    return created(client, "/_sandbox/packages", body)


def _flow(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    prepare = make_transition(client)
    pack = make_transition(
        client,
        name="Pack",
        slug="PACK",
        source_state=state_id(client, "200"),
        target_state=state_id(client, "500"),
        command_class="CompletePackingWithoutShipmentCommand",
    )
    return prepare, pack


def test_new_package_waits_and_lists_its_commands(client: TestClient) -> None:
    prepare, _ = _flow(client)
    package = _package(client, number="PKG-1")
    assert package["state"]["enum_value"] == "100" and package["state"]["name"] == "Waiting"
    assert package["commands"] == [
        {
            "id": prepare["id"],
            "name": "Start preparing",
            "slug": "START_PREPARING",
            "command_class": "PackageStateTransitionCommand",
            "target_state": prepare["target_state"],
        }
    ]
    assert client.get(f"{PACKAGES}{package['id']}/").json() == package


def test_command_flow_by_id_then_by_slug(client: TestClient) -> None:
    prepare, pack = _flow(client)
    package = _package(client)
    url = f"{PACKAGES}{package['id']}/command/"
    response = client.post(url, json={"transition": prepare["id"], "package": package["id"]})
    assert response.status_code == 204 and response.content == b""
    preparing = client.get(f"{PACKAGES}{package['id']}/").json()
    assert preparing["state"]["enum_value"] == "200"
    assert [c["slug"] for c in preparing["commands"]] == ["PACK"]
    assert client.post(url.rstrip("/"), json={"slug": pack["slug"]}).status_code == 204
    packed = client.get(f"{PACKAGES}{package['id']}/").json()
    assert packed["state"]["enum_value"] == "500" and packed["commands"] == []
    listed = client.get(PACKAGES, params={"state__enum_value": "500"}).json()
    assert [p["id"] for p in listed["results"]] == [package["id"]]


def test_command_from_the_wrong_state_is_a_400(client: TestClient) -> None:
    _flow(client)
    package = _package(client)
    response = client.post(f"{PACKAGES}{package['id']}/command/", json={"slug": "PACK"})
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Transition is not allowed for current state."]}
    still = client.get(f"{PACKAGES}{package['id']}/").json()
    assert still["state"]["enum_value"] == "100"


def test_command_body_errors(client: TestClient) -> None:
    prepare, _ = _flow(client)
    url = f"{PACKAGES}{_package(client)['id']}/command/"
    assert client.post(url, json={}).json() == {
        "non_field_errors": ["Either transition or slug is required."]
    }
    assert client.post(url, json={"transition": 999}).json() == {
        "transition": ['Invalid pk "999" - object does not exist.']
    }
    assert client.post(url, json={"slug": "NOPE"}).json() == {
        "slug": ["Object with slug=NOPE does not exist."]
    }
    mismatch = client.post(url, json={"transition": prepare["id"], "slug": "PACK"})
    assert mismatch.status_code == 400
    assert client.post(f"{PACKAGES}999/command/", json={"slug": "PACK"}).status_code == 404
    assert client.get(url).status_code == 405


def test_package_at_a_stock_location(client: TestClient, ctx: SandboxContext) -> None:
    location = ctx.store.insert(
        "stock_locations", {"name": "WH", "erp_code": "WH-1", "stock_location_type": "warehouse"}
    )
    package = _package(client, stock_location="WH-1")
    assert package["stock_location"] == location["id"]
    assert client.post("/_sandbox/packages", json={"stock_location": "NOPE"}).status_code == 400


def test_packages_need_a_token(client: TestClient, anon: TestClient) -> None:
    package = _package(client)
    assert anon.get(PACKAGES).status_code == 401
    assert anon.get(f"{PACKAGES}{package['id']}/").status_code == 401
    assert anon.post(f"{PACKAGES}{package['id']}/command/", json={"slug": "X"}).status_code == 401
    assert client.post(PACKAGES, json={}).status_code == 405
