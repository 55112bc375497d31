"""Webhook subscriptions: documented whisperer create/delete and proposed ``oms_hooks`` CRUD."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.sandbox.calls import created

HOOKS = "/api/v1/oms/oms_hooks/"
WHISPERER = "/whisperer/hooks/"
BODY = {"event_type": "package.created", "target_url": "https://acme.example/hooks/packages"}


def _subscribe(client: TestClient, **fields: Any) -> dict[str, Any]:
    return created(client, WHISPERER, {**BODY, **fields})


def test_whisperer_create_answers_201_with_defaults(client: TestClient) -> None:
    body = _subscribe(client)
    assert body == {
        **BODY,
        "id": body["id"],
        "secret_key": None,
        "additional_headers": {},
        "retry_countdown_config": None,
        "callback": None,
        "config": {},
        "is_active": True,
        "created_date": body["created_date"],
        "modified_date": body["modified_date"],
    }


def test_secret_key_and_header_values_are_masked_on_read(client: TestClient) -> None:
    created = _subscribe(
        client,
        secret_key="s3cr3t",
        additional_headers={"Authorization": "Token abc", "X-Empty": ""},
    )
    masked = {"Authorization": "********", "X-Empty": ""}
    assert created["secret_key"] == "********" and created["additional_headers"] == masked
    listed = client.get(HOOKS).json()["results"][0]
    assert listed["secret_key"] == "********" and listed["additional_headers"] == masked
    assert "s3cr3t" not in client.get(f"{HOOKS}{created['id']}/").text


def test_whisperer_delete_and_its_other_methods(client: TestClient) -> None:
    created = _subscribe(client)
    assert client.get(WHISPERER).status_code == 405
    assert client.delete(f"{WHISPERER}{created['id']}/").status_code == 204
    assert client.delete(f"{WHISPERER}{created['id']}/").status_code == 404
    assert client.get(HOOKS).json()["count"] == 0


@pytest.mark.usefixtures("strict_writes")
def test_unknown_event_types_are_refused(client: TestClient) -> None:
    for event in ("package-created", "package.exploded"):
        response = client.post(WHISPERER, json={**BODY, "event_type": event})
        assert response.status_code == 400
        assert response.json() == {"event_type": [f'"{event}" is not a valid choice.']}


@pytest.mark.parametrize(
    "config",
    [
        {"type": "fixed", "countdown": 60, "max_retries": 5, "max_countdown": 3600},
        {"type": "exponential"},
        {"type": "random", "max_retries": 0},
    ],
)
def test_retry_countdown_config_round_trips(client: TestClient, config: dict[str, Any]) -> None:
    created = _subscribe(client, retry_countdown_config=config)
    assert client.get(f"{HOOKS}{created['id']}/").json()["retry_countdown_config"] == config


@pytest.mark.usefixtures("strict_writes")
def test_bad_retry_countdown_config_gives_nested_errors(client: TestClient) -> None:
    response = client.post(
        HOOKS, json={**BODY, "retry_countdown_config": {"type": "sometimes", "delay": 3}}
    )
    assert response.status_code == 400
    assert response.json() == {
        "retry_countdown_config": {
            "delay": ["Unknown field."],
            "type": ['"sometimes" is not a valid choice.'],
        }
    }
    negative = client.post(
        HOOKS, json={**BODY, "retry_countdown_config": {"type": "fixed", "countdown": -1}}
    )
    assert negative.json() == {
        "retry_countdown_config": {
            "countdown": ["Ensure this value is greater than or equal to 0."]
        }
    }


def test_oms_hooks_list_filters_and_pagination(client: TestClient) -> None:
    for i in range(3):
        _subscribe(client, target_url=f"https://acme.example/{i}")
    _subscribe(client, event_type="shipment.created", is_active=False)
    page = client.get(HOOKS, params={"event_type": "package.created", "limit": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and "page=2" in page["next"]
    inactive = client.get(HOOKS, params={"is_active": "false"}).json()["results"]
    assert [h["event_type"] for h in inactive] == ["shipment.created"]


def test_patch_put_and_delete_on_oms_hooks(client: TestClient) -> None:
    created = _subscribe(client, secret_key="old", config={"channel_id": 1})
    url = f"{HOOKS}{created['id']}/"
    patched = client.patch(url, json={"is_active": False, "additional_headers": {"X-A": "1"}})
    assert patched.status_code == 200
    assert patched.json()["is_active"] is False
    assert patched.json()["additional_headers"] == {"X-A": "********"}
    assert patched.json()["config"] == {"channel_id": 1}
    put = client.put(
        url, json={"event_type": "shipment.cancelled", "target_url": "http://b.example"}
    )
    assert put.status_code == 200 and put.json()["event_type"] == "shipment.cancelled"
    partial_put = client.put(url, json={"event_type": "shipment.cancelled"})
    assert partial_put.json() == {"target_url": ["This field is required."]}
    assert client.delete(url).status_code == 204


@pytest.mark.usefixtures("strict_writes")
def test_bad_bodies_and_auth(client: TestClient, anon: TestClient) -> None:
    response = client.post(HOOKS, json={"event_type": "package.created", "target_url": "ftp://x"})
    assert response.json() == {"target_url": ["Enter a valid URL."]}
    headers = client.post(HOOKS, json={**BODY, "additional_headers": {"X-N": 1}})
    assert headers.status_code == 400 and "additional_headers" in headers.json()
    read_only = client.post(HOOKS, json={**BODY, "id": 5})
    assert read_only.json() == {"id": ["This field is read-only."]}
    assert (
        client.post(
            WHISPERER, content=b"[", headers={"Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert anon.post(WHISPERER, json=BODY).status_code == 401
    assert anon.delete(f"{WHISPERER}1/").status_code == 401
    assert anon.get(HOOKS).status_code == 401


def test_seller_center_status_events_are_accepted(client: TestClient) -> None:
    for event in ("package.status.preparing", "package.status.delivered"):
        response = client.post(WHISPERER, json={**BODY, "event_type": event})
        assert response.status_code == 201, response.text
        assert response.json()["event_type"] == event
