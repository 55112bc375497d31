"""Package denial reasons: the documented list/create and the proposed detail endpoints."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.sandbox.calls import created

PATH = "/api/v1/oms/packages/package_denial_reason/"


def _create(client: TestClient, **fields: object) -> dict[str, object]:
    return created(client, PATH, {"title": "Missing item", **fields})


def test_create_returns_the_documented_object_with_defaults(client: TestClient) -> None:
    body = _create(client)
    assert body == {
        "id": body["id"],
        "title": "Missing item",
        "remote_id": None,
        "priority": None,
        "is_active": True,
    }


def test_list_is_a_drf_page_with_page_size_default_20_and_cap_100(client: TestClient) -> None:
    for i in range(25):
        _create(client, title=f"Reason {i}", priority=i)
    first = client.get(PATH).json()
    assert first["count"] == 25 and len(first["results"]) == 20
    assert first["next"].startswith("http://testserver" + PATH) and first["previous"] is None
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 5 and second["next"] is None
    assert len(client.get(PATH, params={"page_size": 500}).json()["results"]) == 25


def test_title_filter_is_a_case_insensitive_contains(client: TestClient) -> None:
    _create(client, title="Ürün Eksik")
    _create(client, title="Wrong product")
    _create(client, title="Product damaged", is_active=False)
    titles = [r["title"] for r in client.get(PATH, params={"title": "PRODUCT"}).json()["results"]]
    assert titles == ["Wrong product", "Product damaged"]
    active = client.get(PATH, params={"title": "product", "is_active": "false"}).json()
    assert [r["title"] for r in active["results"]] == ["Product damaged"]


def test_duplicate_title_is_a_400_naming_the_field(client: TestClient) -> None:
    _create(client)
    response = client.post(PATH, json={"title": "Missing item"})
    assert response.status_code == 400
    assert response.json() == {"title": ["package denial reason with this title already exists."]}


@pytest.mark.usefixtures("strict_writes")
def test_bad_bodies_are_drf_400s(client: TestClient) -> None:
    assert client.post(PATH, json={}).json() == {"title": ["This field is required."]}
    wrong = client.post(PATH, json={"title": "x", "priority": "high", "colour": "red"})
    assert wrong.status_code == 400
    assert wrong.json() == {
        "colour": ["Unknown field."],
        "priority": ["A valid integer is required."],
    }
    negative = client.post(PATH, json={"title": "x", "priority": -1})
    assert negative.json() == {"priority": ["Ensure this value is greater than or equal to 0."]}
    long_title = client.post(PATH, json={"title": "x" * 256})
    assert long_title.json() == {"title": ["Ensure this field has no more than 255 characters."]}
    malformed = client.post(
        PATH, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400 and malformed.json()["detail"].startswith(
        "JSON parse error"
    )


def test_detail_get_patch_put_delete(client: TestClient) -> None:
    reason = _create(client, remote_id="R1", priority=2)
    url = f"{PATH}{reason['id']}/"
    assert client.get(url).json() == reason
    patched = client.patch(url, json={"is_active": False})
    assert patched.status_code == 200 and patched.json() == {**reason, "is_active": False}
    put = client.put(url, json={"title": "Renamed"})
    assert put.status_code == 200
    assert put.json() == {**reason, "title": "Renamed", "is_active": False}
    assert client.put(url, json={"priority": 1}).json() == {"title": ["This field is required."]}
    assert client.delete(url).status_code == 204
    gone = client.get(url)
    assert gone.status_code == 404 and gone.json() == {"detail": "Not found."}


def test_patch_to_a_title_in_use_is_a_400(client: TestClient) -> None:
    _create(client, title="A")
    other = _create(client, title="B")
    response = client.patch(f"{PATH}{other['id']}/", json={"title": "A"})
    assert response.status_code == 400 and "title" in response.json()


def test_auth_and_methods(client: TestClient, anon: TestClient) -> None:
    missing = anon.get(PATH)
    assert missing.status_code == 401
    assert missing.json() == {"detail": "Authentication credentials were not provided."}
    wrong = anon.get(PATH, headers={"Authorization": "Token nope"})
    assert wrong.status_code == 401 and wrong.json() == {"detail": "Invalid token."}
    assert client.delete(PATH).status_code == 405
    assert client.get(PATH.rstrip("/")).status_code == 200
