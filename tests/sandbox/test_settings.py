"""Application settings as documented: list with key substring filter and page_size 10,
create, update answering 200 with an empty body, no delete, per-key validation and masked
secrets."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from omsform.sandbox import SandboxContext
from tests.sandbox.calls import created

SETTINGS = "/api/v1/oms/settings/application_settings/"
MASK = "********"

OMNITRON_CLIENT = {
    "auth": {"username": "oms", "password": "s3cret-pass"},
    "urls": {"base_url": "https://acme.omnitron.example/api/v1", "oms_url": "https://x/api/v1"},
    "timeouts": {"read": 6000, "connect": 6000},
    "endpoint_conf": [
        {"endpoint": "orders", "base_url": "https://sc.example", "auth": {"token": "tok-123456"}},
        {"endpoint": "cities"},
    ],
}


def create(client: TestClient, key: str, value: Any) -> dict[str, Any]:
    return created(client, SETTINGS, {"key": key, "json_value": value})


def test_create_returns_the_object(client: TestClient) -> None:
    made = create(client, "IS_TRADEIN_ENABLED", False)
    assert set(made) == {"id", "key", "json_value"}
    assert made["key"] == "IS_TRADEIN_ENABLED"
    assert made["json_value"] is False
    assert client.get(f"{SETTINGS}{made['id']}/").json() == made


def test_duplicate_key_is_400(client: TestClient) -> None:
    create(client, "IS_TRADEIN_ENABLED", False)
    answer = client.post(SETTINGS, json={"key": "IS_TRADEIN_ENABLED", "json_value": True})
    assert answer.status_code == 400
    assert list(answer.json()) == ["key"]
    assert client.get(SETTINGS).json()["count"] == 1


def test_key_outside_the_enum_is_400(client: TestClient) -> None:
    answer = client.post(SETTINGS, json={"key": "MY_OWN_KEY", "json_value": {}})
    assert answer.status_code == 400
    assert answer.json() == {"key": ['"MY_OWN_KEY" is not a valid choice.']}


@pytest.mark.usefixtures("strict_writes")
def test_create_needs_key_and_value_and_nothing_else(client: TestClient) -> None:
    assert client.post(SETTINGS, json={}).json() == {
        "key": ["This field is required."],
        "json_value": ["This field is required."],
    }
    extra = client.post(SETTINGS, json={"key": "ORDER_FILTERING", "json_value": {}, "id": 4})
    assert extra.status_code == 400
    assert extra.json() == {"id": ["Unknown field."]}


def test_seeded_rows_outside_the_enum_are_listed_and_updatable(
    client: TestClient, ctx: SandboxContext
) -> None:
    row = ctx.store.insert("application_settings", {"key": "test_count", "json_value": 1})
    assert client.get(SETTINGS, params={"key": "test_"}).json()["results"] == [
        {"id": row["id"], "key": "test_count", "json_value": 1}
    ]
    assert client.patch(f"{SETTINGS}{row['id']}/", json={"json_value": 2}).status_code == 200
    assert client.get(f"{SETTINGS}{row['id']}/").json()["json_value"] == 2


def test_key_filter_is_a_case_insensitive_substring(client: TestClient) -> None:
    create(client, "GEOCODE_PROVIDER_SETTINGS", {"provider": "google", "api_key": "k"})
    create(client, "GEOLOCATION_DISCOVERY", {"provider": "google"})
    create(client, "IS_TRADEIN_ENABLED", True)
    keys = [s["key"] for s in client.get(SETTINGS, params={"key": "geo"}).json()["results"]]
    assert keys == ["GEOCODE_PROVIDER_SETTINGS", "GEOLOCATION_DISCOVERY"]
    exact = client.get(SETTINGS, params={"key": "IS_TRADEIN_ENABLED"}).json()["results"]
    assert [s["key"] for s in exact] == ["IS_TRADEIN_ENABLED"]


def test_page_size_defaults_to_10_and_is_capped(client: TestClient, ctx: SandboxContext) -> None:
    for n in range(105):
        ctx.store.insert("application_settings", {"key": f"seeded_{n:03d}", "json_value": n})
    first = client.get(SETTINGS).json()
    assert first["count"] == 105
    assert len(first["results"]) == 10
    assert first["next"] == "http://testserver/api/v1/oms/settings/application_settings/?page=2"
    assert len(client.get(SETTINGS, params={"page_size": 500}).json()["results"]) == 100
    assert len(client.get(SETTINGS, params={"page_size": 3, "page": 35}).json()["results"]) == 3


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_update_is_200_with_an_empty_body(client: TestClient, method: str) -> None:
    made = create(client, "ORDER_FILTERING", {"channels": [1], "exclude": False})
    answer = client.request(
        method, f"{SETTINGS}{made['id']}/", json={"json_value": {"channels": []}}
    )
    assert answer.status_code == 200
    assert answer.content == b""
    assert client.get(f"{SETTINGS}{made['id']}/").json()["json_value"] == {"channels": []}


@pytest.mark.usefixtures("strict_writes")
def test_update_cannot_change_the_key(client: TestClient) -> None:
    made = create(client, "IS_TRADEIN_ENABLED", False)
    body = {"key": "ORDER_FILTERING", "json_value": True}
    answer = client.patch(f"{SETTINGS}{made['id']}/", json=body)
    assert answer.status_code == 400
    assert answer.json() == {"key": ["This field is read-only."]}
    assert client.get(f"{SETTINGS}{made['id']}/").json() == made


def test_update_needs_a_value(client: TestClient) -> None:
    made = create(client, "IS_TRADEIN_ENABLED", False)
    answer = client.patch(f"{SETTINGS}{made['id']}/", json={})
    assert answer.status_code == 400
    assert answer.json() == {"json_value": ["This field is required."]}


def test_unknown_setting_is_404(client: TestClient) -> None:
    assert client.get(f"{SETTINGS}999/").json() == {"detail": "Not found."}
    assert client.patch(f"{SETTINGS}999/", json={"json_value": 1}).status_code == 404


def test_settings_cannot_be_deleted(client: TestClient) -> None:
    made = create(client, "IS_TRADEIN_ENABLED", False)
    answer = client.delete(f"{SETTINGS}{made['id']}/")
    assert answer.status_code == 405
    assert answer.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert client.get(f"{SETTINGS}{made['id']}/").status_code == 200


@pytest.mark.parametrize(
    ("key", "value", "errors"),
    [
        (
            "OMNITRON_CLIENT_SETTINGS",
            {"auth": {"username": "u"}, "urls": {"base_url": "https://x"}},
            {"auth": {"password": ["This field is required."]}},
        ),
        (
            "OMNITRON_CLIENT_SETTINGS",
            {"auth": {"username": "u", "password": "p"}},
            {"urls": ["This field is required."]},
        ),
        ("OMNITRON_CLIENT_SETTINGS", "text", ["Expected a dictionary of items."]),
        (
            "GEOCODE_PROVIDER_SETTINGS",
            {"provider": "google"},
            {"api_key": ["This field is required."]},
        ),
        (
            "GEOCODE_PROVIDER_SETTINGS",
            {"api_key": "k", "provider": ""},
            {"provider": ["This field may not be blank."]},
        ),
        ("IS_TRADEIN_ENABLED", "yes", ["Must be a valid boolean."]),
        ("GEOLOCATION_DISCOVERY", [1], ["Expected a dictionary of items."]),
    ],
)
def test_values_are_validated_per_key(
    client: TestClient, key: str, value: Any, errors: Any
) -> None:
    answer = client.post(SETTINGS, json={"key": key, "json_value": value})
    assert answer.status_code == 400
    assert answer.json() == {"json_value": errors}
    assert client.get(SETTINGS).json()["count"] == 0


def test_updates_are_validated_too(client: TestClient) -> None:
    made = create(client, "IS_TRADEIN_ENABLED", False)
    answer = client.put(f"{SETTINGS}{made['id']}/", json={"json_value": "no"})
    assert answer.status_code == 400
    assert answer.json() == {"json_value": ["Must be a valid boolean."]}


def test_omnitron_client_secrets_are_masked_on_every_read(client: TestClient) -> None:
    made = create(client, "OMNITRON_CLIENT_SETTINGS", OMNITRON_CLIENT)
    reads = [
        made,
        client.get(f"{SETTINGS}{made['id']}/").json(),
        client.get(SETTINGS).json()["results"][0],
    ]
    for shown in reads:
        assert shown["json_value"]["auth"] == {"username": "oms", "password": MASK}
        assert shown["json_value"]["endpoint_conf"][0]["auth"] == {"token": MASK}
        assert shown["json_value"]["endpoint_conf"][1] == {"endpoint": "cities"}
        assert shown["json_value"]["urls"] == OMNITRON_CLIENT["urls"]
    for text in (client.get(SETTINGS).text, client.get(f"{SETTINGS}{made['id']}/").text):
        assert "s3cret-pass" not in text
        assert "tok-123456" not in text
    # the real values were stored, not the mask
    raw = client.get("/_sandbox/objects/application_settings").json()[0]
    assert raw["json_value"]["auth"]["password"] == "s3cret-pass"


@pytest.mark.parametrize(
    ("key", "value", "masked"),
    [
        (
            "GEOCODE_PROVIDER_SETTINGS",
            {"provider": "google", "api_key": "map-key-1", "url": "https://maps.example/geo"},
            {"provider": "google", "api_key": MASK, "url": "https://maps.example/geo"},
        ),
        (
            "GEOLOCATION_DISCOVERY",
            {"provider": "yandex", "api_key": "map-key-1"},
            {"provider": "yandex", "api_key": MASK},
        ),
        (
            "GEOLOCATION_DISCOVERY",
            {"conf": {"api_key": "map-key-1"}},
            {"conf": {"api_key": MASK}},
        ),
    ],
)
def test_map_api_keys_are_masked(client: TestClient, key: str, value: Any, masked: Any) -> None:
    made = create(client, key, value)
    assert made["json_value"] == masked
    detail = client.get(f"{SETTINGS}{made['id']}/")
    assert detail.json()["json_value"] == masked
    assert "map-key-1" not in detail.text
