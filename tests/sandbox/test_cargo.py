"""Cargo integrations (proposed ``/api/v1/oms/cargo_companies/``): rules and masking."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.sandbox.calls import created

PATH = "/api/v1/oms/cargo_companies/"
DEMO: dict[str, Any] = {
    "name": "Demo cargo",
    "erp_code": "DEMO",
    "shipping_company": "demo",
    "is_demo_client": True,
    "conf": {"klass": "oms.shipments.clients.demo_client.DemoClient"},
}
REAL: dict[str, Any] = {
    "name": "Yurtiçi Kargo",
    "erp_code": "YK",
    "shipping_company": "yurtici",
    "conf": {
        "klass": "oms.shipments.clients.yurtici.Client",
        "username": "acme",
        "password": "hunter2",
        "nested": {"api_key": "k-123", "token": ""},
    },
}


def _create(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    return created(client, PATH, body)


def test_demo_client_created_with_server_defaults(client: TestClient) -> None:
    body = _create(client, DEMO)
    assert body["is_managed_by_oms"] is True and body["is_demo_client"] is True
    assert body["conf"] == DEMO["conf"]
    assert {"id", "created_date", "modified_date"} <= body.keys()


def test_credentials_in_conf_are_masked_on_every_read(client: TestClient) -> None:
    created = _create(client, REAL)
    expected_conf = {
        "klass": "oms.shipments.clients.yurtici.Client",
        "username": "acme",
        "password": "********",
        "nested": {"api_key": "********", "token": ""},
    }
    assert created["conf"] == expected_conf
    assert client.get(f"{PATH}{created['id']}/").json()["conf"] == expected_conf
    listed = client.get(PATH, params={"erp_code": "YK"}).json()
    assert listed["count"] == 1 and listed["results"][0]["conf"] == expected_conf
    assert "hunter2" not in client.get(PATH).text


def test_demo_client_rules(client: TestClient) -> None:
    no_klass = client.post(PATH, json={**DEMO, "conf": {}})
    assert no_klass.status_code == 400 and list(no_klass.json()) == ["conf"]
    wrong_klass = client.post(PATH, json={**DEMO, "conf": {"klass": "oms.other.Client"}})
    assert wrong_klass.status_code == 400
    with_password = {**DEMO, "conf": {**DEMO["conf"], "password": "x"}}
    assert client.post(PATH, json=with_password).status_code == 400
    demo_klass_not_demo = client.post(PATH, json={**DEMO, "is_demo_client": False})
    assert demo_klass_not_demo.status_code == 400


def test_managed_real_carrier_needs_credentials(client: TestClient) -> None:
    bare = {**REAL, "conf": {"klass": "oms.shipments.clients.yurtici.Client"}}
    response = client.post(PATH, json=bare)
    assert response.status_code == 400 and "credentials" in response.json()["conf"][0]
    unmanaged = _create(client, {**bare, "is_managed_by_oms": False})
    assert unmanaged["is_managed_by_oms"] is False


def test_erp_code_is_unique(client: TestClient) -> None:
    _create(client, DEMO)
    response = client.post(PATH, json={**DEMO, "name": "Other"})
    assert response.status_code == 400
    assert response.json() == {"erp_code": ["cargo company with this erp_code already exists."]}


def test_patch_checks_the_rules_against_the_whole_object(client: TestClient) -> None:
    demo = _create(client, DEMO)
    url = f"{PATH}{demo['id']}/"
    assert client.patch(url, json={"is_demo_client": False}).status_code == 400
    renamed = client.patch(url, json={"name": "Demo 2"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Demo 2"
    assert renamed.json()["modified_date"] > demo["modified_date"]
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_bad_bodies_and_auth(client: TestClient, anon: TestClient) -> None:
    response = client.post(PATH, json={**DEMO, "conf": "klass", "is_demo_client": "yes"})
    assert response.json() == {
        "is_demo_client": ["Must be a valid boolean."],
        "conf": ["Expected a dictionary of items."],
    }
    assert client.post(PATH, json=["x"]).status_code == 400
    assert anon.get(PATH).status_code == 401
    assert client.post(f"{PATH}1/").status_code == 405
