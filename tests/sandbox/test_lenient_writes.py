"""The sandbox is as lenient as DRF where the docs are silent: unknown and read-only fields on
write are ignored, undocumented webhook event types and command classes are stored, optional
stock-integration credentials are accepted for engines that do not use them, and
``GEOCODE_PROVIDER_SETTINGS`` may nest its keys under ``conf``. The ``strict_writes`` knob (also
``POST /_sandbox/knobs``) brings each 400 back. Omnitron's ``GET /api/v1/active_user/`` answers
the token's user (omnisdk validates tokens with it)."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.clock import FakeClock

LOCATIONS = "/api/v1/oms/stocklocations/"
CHANNELS = "/api/v1/oms/channels/"
SETTINGS = "/api/v1/oms/settings/application_settings/"
STOCK_EXECUTE = "/api/v1/oms/setup/product-stock-integration/execute/"
WHISPERER = "/whisperer/hooks/"
LOCATION = {"name": "Lenient", "erp_code": "WH-LENIENT", "stock_location_type": "warehouse"}


def _strict(client: TestClient) -> None:
    assert client.post("/_sandbox/knobs", json={"strict_writes": True}).status_code == 200


def test_unknown_and_read_only_fields_are_ignored_on_create_and_update(client: TestClient) -> None:
    extra = {"colour": "red", "omnitron_id": 999, "id": 12345, "created_date": "1999-01-01"}
    made = client.post(LOCATIONS, json={**LOCATION, **extra})
    assert made.status_code == 201, made.text
    obj = made.json()
    assert "colour" not in obj and obj["omnitron_id"] is None and obj["id"] != 12345
    # retrieve → modify → send everything back (what omnisdk does)
    back = client.patch(f"{LOCATIONS}{obj['id']}/", json={**obj, "name": "Renamed"})
    assert back.status_code == 200, back.text
    assert back.json()["name"] == "Renamed" and back.json()["id"] == obj["id"]


def test_strict_writes_keeps_the_400s(client: TestClient) -> None:
    _strict(client)
    made = client.post(LOCATIONS, json={**LOCATION, "colour": "red", "omnitron_id": 9})
    assert made.status_code == 400
    assert made.json() == {
        "colour": ["Unknown field."],
        "omnitron_id": ["This field is read-only."],
    }


def test_a_channel_patched_with_every_field_it_read_changes_only_what_is_writable(
    client: TestClient, clock: FakeClock
) -> None:
    assert client.post(CHANNELS + "execute/").status_code == 204
    clock.advance(1.0)  # the copy job's time is up
    assert client.get(CHANNELS + "get_async_status/").json()["result"] == "FINISHED"
    channel: dict[str, Any] = client.get(CHANNELS, params={"name": "acme-web"}).json()["results"][0]
    body = {**channel, "name": "renamed", "configuration": {"stock_threshold": 5}}
    answer = client.patch(f"{CHANNELS}{channel['id']}/", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == "acme-web"  # Omnitron owns it: ignored
    assert answer.json()["configuration"] == {"stock_threshold": 5}


def test_a_setting_update_that_repeats_its_key_is_accepted(client: TestClient) -> None:
    made = client.post(SETTINGS, json={"key": "IS_TRADEIN_ENABLED", "json_value": False}).json()
    url = f"{SETTINGS}{made['id']}/"
    answer = client.patch(url, json={"key": "ORDER_FILTERING", "json_value": True})
    assert answer.status_code == 200
    assert client.get(url).json() == {
        "id": made["id"],
        "key": "IS_TRADEIN_ENABLED",
        "json_value": True,
    }


def test_geocode_settings_may_nest_their_keys_under_conf(client: TestClient) -> None:
    value = {"conf": {"provider": "google", "api_key": "k-123", "url": "https://maps.example"}}
    made = client.post(SETTINGS, json={"key": "GEOCODE_PROVIDER_SETTINGS", "json_value": value})
    assert made.status_code == 201, made.text
    assert made.json()["json_value"]["conf"]["api_key"] == "********"
    missing = {"conf": {"provider": "google"}}
    refused = client.patch(f"{SETTINGS}{made.json()['id']}/", json={"json_value": missing})
    assert refused.status_code == 400
    assert refused.json() == {"json_value": {"api_key": ["This field is required."]}}


def test_an_anonymous_engine_accepts_unused_credentials_unless_strict(client: TestClient) -> None:
    body = {
        "url": "https://stock.example/api/",
        "stock_engine_type": "anonymous",
        "username": "u",
        "password": "p",
    }
    assert client.post(STOCK_EXECUTE, json=body).status_code == 204
    _strict(client)
    answer = client.post(STOCK_EXECUTE, json=body)
    assert answer.status_code == 400
    assert answer.json()["username"] == ["Not used by anonymous engines."]


def test_undocumented_event_types_are_stored_unless_strict(client: TestClient) -> None:
    body = {"event_type": "package-created", "target_url": "https://erp.example/hook"}
    made = client.post(WHISPERER, json=body)
    assert made.status_code == 201 and made.json()["event_type"] == "package-created"
    _strict(client)
    assert client.post(WHISPERER, json=body).status_code == 400


def test_active_user_answers_the_tokens_user(client: TestClient, anon: TestClient) -> None:
    answer = client.get("/api/v1/active_user/")
    assert answer.status_code == 200 and answer.json()["username"] == "admin"
    assert anon.get("/api/v1/active_user/").status_code == 401
    wrong = anon.get("/api/v1/active_user/", headers={"Authorization": "Token nope"})
    assert wrong.status_code == 401 and wrong.json() == {"detail": "Invalid token."}
