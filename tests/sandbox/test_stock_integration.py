"""Product stock integration: the engine list, execute (204) with its validation, and the
current configuration with the password masked."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

BASE = "/api/v1/oms/setup/product-stock-integration/"
ENGINES = BASE + "available-stock-engines/"
EXECUTE = BASE + "execute/"
BASIC = {
    "url": "https://stock.acme.example/api/query/",
    "stock_engine_type": "basic_auth",
    "username": "oms",
    "password": "stock-secret",
}


def test_one_engine_per_documented_auth_style(client: TestClient) -> None:
    engines = client.get(ENGINES).json()
    assert [e["auth_type"] for e in engines] == ["anonymous", "basic_auth", "token"]
    assert all(set(e) == {"value", "label", "auth_type"} for e in engines)


def test_nothing_is_configured_at_first(client: TestClient) -> None:
    assert client.get(BASE).json() == {
        "url": None,
        "stock_engine_type": None,
        "username": None,
        "password": None,
    }
    assert client.get(BASE + "is_required/").json() == {"result": True}
    assert client.get(BASE + "get_async_status/").json() == {"result": "READY"}


def test_execute_configures_and_masks_the_password(client: TestClient) -> None:
    answer = client.post(EXECUTE, json=BASIC)
    assert answer.status_code == 204
    assert answer.content == b""
    shown = client.get(BASE)
    assert shown.json() == {**BASIC, "password": "********"}
    assert "stock-secret" not in shown.text
    assert client.get(BASE + "is_required/").json() == {"result": False}
    assert client.get(BASE + "get_async_status/").json() == {"result": "FINISHED"}


def test_execute_again_replaces_the_configuration(client: TestClient) -> None:
    client.post(EXECUTE, json=BASIC)
    anonymous = {"url": "https://other.example/stock/", "stock_engine_type": "anonymous"}
    assert client.post(EXECUTE, json=anonymous).status_code == 204
    assert client.get(BASE).json() == {**anonymous, "username": None, "password": None}


def test_locations_point_at_the_configured_engine(client: TestClient) -> None:
    body = {"name": "W", "erp_code": "W-1", "stock_location_type": "warehouse"}
    made = client.post("/api/v1/oms/stocklocations/", json=body).json()
    assert made["engine"] is None
    client.post(EXECUTE, json={**BASIC, "stock_engine_type": "token"})
    engine = client.get(f"/api/v1/oms/stocklocations/{made['id']}/").json()["engine"]
    assert isinstance(engine, int)


@pytest.mark.usefixtures("strict_writes")
@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({**BASIC, "url": None}, {"url": ["This field may not be null."]}),
        ({k: v for k, v in BASIC.items() if k != "url"}, {"url": ["This field is required."]}),
        ({**BASIC, "url": "stock.acme.example"}, {"url": ["Enter a valid URL."]}),
        (
            {**BASIC, "stock_engine_type": "magic"},
            {"stock_engine_type": ['"magic" is not a valid choice.']},
        ),
        (
            {**BASIC, "password": None},
            {"password": ["This field is required for basic_auth engines."]},
        ),
        (
            {"url": BASIC["url"], "stock_engine_type": "token"},
            {
                "username": ["This field is required for token engines."],
                "password": ["This field is required for token engines."],
            },
        ),
        (
            {**BASIC, "stock_engine_type": "anonymous", "password": None},
            {"username": ["Not used by anonymous engines."]},
        ),
        ({**BASIC, "timeout": 5}, {"timeout": ["Unknown field."]}),
    ],
)
def test_bad_execute_bodies_are_400_and_change_nothing(
    client: TestClient, body: dict[str, Any], errors: dict[str, Any]
) -> None:
    answer = client.post(EXECUTE, json=body)
    assert answer.status_code == 400
    assert answer.json() == errors
    assert client.get(BASE).json()["url"] is None


def test_methods(client: TestClient) -> None:
    assert client.get(EXECUTE).status_code == 405
    assert client.post(ENGINES).status_code == 405
    assert client.post(BASE, json=BASIC).status_code == 405
