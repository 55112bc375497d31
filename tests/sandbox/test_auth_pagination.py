"""Cross-cutting DRF behaviour of the Akinon sandbox: token auth, login, pagination, trailing
slashes, malformed bodies and persistence across a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from omsform.sandbox import DEFAULT_TOKEN, build_app
from omsform.sandbox.store import Store

LOCATIONS = "/api/v1/oms/stocklocations/"

PROTECTED_GETS = [
    "/api/v1/oms/channels/",
    "/api/v1/oms/channels/1/",
    "/api/v1/oms/stocklocations/",
    "/api/v1/oms/stocklocations/list-simple/",
    "/api/v1/oms/stocklocations/1/",
    "/api/v1/oms/settings/application_settings/",
    "/api/v1/oms/settings/application_settings/1/",
    "/api/v1/oms/setup/addresses/is_required/",
    "/api/v1/oms/setup/addresses/get_async_status/",
    "/api/v1/oms/stock_locations/is_required/",
    "/api/v1/oms/channels/get_async_status/",
    "/api/v1/oms/setup/product-stock-integration/",
    "/api/v1/oms/setup/product-stock-integration/available-stock-engines/",
    "/api/v1/oms/districts/",
]

PROTECTED_POSTS = [
    "/api/v1/oms/setup/addresses/execute/",
    "/api/v1/oms/stock_locations/execute/",
    "/api/v1/oms/channels/execute/",
    "/api/v1/oms/stocklocations/",
    "/api/v1/oms/settings/application_settings/",
    "/api/v1/oms/setup/product-stock-integration/execute/",
]


def warehouse(n: int) -> dict[str, object]:
    """A minimal valid warehouse body."""
    return {
        "name": f"Warehouse {n}",
        "erp_code": f"WH-T{n:04d}",
        "stock_location_type": "warehouse",
    }


@pytest.mark.parametrize("path", PROTECTED_GETS)
def test_reads_without_a_token_are_401(anon: TestClient, path: str) -> None:
    answer = anon.get(path)
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("path", PROTECTED_GETS)
def test_reads_with_a_wrong_token_are_401(anon: TestClient, path: str) -> None:
    answer = anon.get(path, headers={"Authorization": "Token not-the-token"})
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Invalid token."}


@pytest.mark.parametrize("path", PROTECTED_POSTS)
def test_writes_without_a_token_are_401_and_change_nothing(
    anon: TestClient, client: TestClient, path: str
) -> None:
    before = client.get(LOCATIONS).json()["count"]
    answer = anon.post(path, json=warehouse(1))
    assert answer.status_code == 401
    assert client.get(LOCATIONS).json()["count"] == before


def test_401_names_the_token_scheme(anon: TestClient) -> None:
    for headers in ({}, {"Authorization": "Token not-the-token"}):
        answer = anon.get("/api/v1/oms/channels/", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/v1/oms/channels/"),
        ("PUT", "/api/v1/oms/channels/1/"),
        ("POST", "/api/v1/oms/states/"),
        ("GET", "/api/v1/oms/channels/execute/"),
        ("TRACE", "/api/v1/oms/stocklocations/"),
        ("DELETE", "/api/v1/oms/scenarios/"),
    ],
)
def test_a_wrong_method_is_401_before_405(
    anon: TestClient, client: TestClient, method: str, path: str
) -> None:
    anonymous = anon.request(method, path)
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "Authentication credentials were not provided."}
    assert anonymous.headers["WWW-Authenticate"] == "Token"
    signed_in = client.request(method, path)
    assert signed_in.status_code == 405
    assert signed_in.json() == {"detail": f'Method "{method}" not allowed.'}


def test_ginesys_checks_its_key_before_the_method(anon: TestClient) -> None:
    answer = anon.delete("/ginesys/api/v1/connected-apps/oms")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "X-Api-Key"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/oms/channels/abc/",
        "/api/v1/oms/stocklocations/-1/",
        "/api/v1/oms/stocklocations/1.5/",
        "/api/v1/oms/no-such-thing/",
        "/ginesys/api/v1/connected-apps/oms/abc",
        "/_sandbox/objects/channels/abc",
        "/",
    ],
)
def test_unmatched_paths_are_drf_json_404s(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {"detail": "Not found."}


def test_bearer_scheme_is_accepted(anon: TestClient) -> None:
    answer = anon.get("/api/v1/oms/channels/", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
    assert answer.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/auth/login/", "/api/i1/auth/login/"])
def test_login_returns_a_key_that_authenticates(anon: TestClient, path: str) -> None:
    answer = anon.post(path, json={"username": "admin", "password": "sandbox-admin"})
    assert answer.status_code == 200
    key = answer.json()["key"]
    assert anon.get(LOCATIONS, headers={"Authorization": f"Token {key}"}).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/auth/login/", "/api/i1/auth/login/"])
def test_login_with_bad_credentials_is_400(anon: TestClient, path: str) -> None:
    answer = anon.post(path, json={"username": "admin", "password": "wrong"})
    assert answer.status_code == 400
    assert answer.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_login_without_fields_names_them(anon: TestClient) -> None:
    answer = anon.post("/api/v1/auth/login/", json={})
    assert answer.status_code == 400
    assert answer.json() == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }


def test_login_is_post_only(anon: TestClient) -> None:
    assert anon.get("/api/v1/auth/login/").status_code == 405


@pytest.fixture
def many(client: TestClient) -> TestClient:
    """105 warehouses (more than one maximal page)."""
    for n in range(105):
        assert client.post(LOCATIONS, json=warehouse(n)).status_code == 201
    return client


def test_default_page_has_20_and_absolute_links(many: TestClient) -> None:
    page = many.get(LOCATIONS).json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 105
    assert len(page["results"]) == 20
    assert page["previous"] is None
    assert page["next"] == "http://testserver/api/v1/oms/stocklocations/?page=2"


def test_page_size_is_capped_at_100(many: TestClient) -> None:
    first = many.get(LOCATIONS, params={"page_size": 1000}).json()
    assert len(first["results"]) == 100
    second = many.get(first["next"]).json()
    assert len(second["results"]) == 5
    assert second["next"] is None
    assert second["previous"].startswith("http://testserver/api/v1/oms/stocklocations/?")
    assert "page_size=1000" in second["previous"]
    codes = [r["erp_code"] for r in first["results"] + second["results"]]
    assert len(set(codes)) == 105


def test_limit_is_an_alias_of_page_size(many: TestClient) -> None:
    page = many.get(LOCATIONS, params={"limit": 7, "page": 3}).json()
    assert [r["erp_code"] for r in page["results"]] == [f"WH-T{n:04d}" for n in range(14, 21)]
    assert "limit=7" in page["next"]
    assert "page=4" in page["next"]


@pytest.mark.parametrize("page", ["99", "0", "abc"])
def test_invalid_page_is_404(many: TestClient, page: str) -> None:
    answer = many.get(LOCATIONS, params={"page": page})
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Invalid page."}


def test_an_empty_list_is_one_empty_page(client: TestClient) -> None:
    page = client.get("/api/v1/oms/settings/application_settings/").json()
    assert page == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/oms/channels", "/api/v1/oms/stocklocations/list-simple", "/api/v1/oms/districts"],
)
def test_paths_work_without_the_trailing_slash(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert "results" in answer.json()


def test_detail_and_actions_work_without_the_trailing_slash(client: TestClient) -> None:
    created = client.post(LOCATIONS.rstrip("/"), json=warehouse(1))
    assert created.status_code == 201
    assert client.get(f"{LOCATIONS}{created.json()['id']}").status_code == 200
    assert client.post("/api/v1/oms/channels/execute").status_code == 204


def test_malformed_json_is_400_not_500(client: TestClient) -> None:
    answer = client.post(
        LOCATIONS, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("JSON parse error")


def test_a_json_list_body_is_400(client: TestClient) -> None:
    answer = client.post("/api/v1/oms/settings/application_settings/", json=[1, 2])
    assert answer.status_code == 400
    assert "non_field_errors" in answer.json()


def test_unknown_paths_are_404(client: TestClient) -> None:
    assert client.get("/api/v1/oms/no-such-thing/").status_code == 404


def test_data_survives_a_restart(app: Starlette, client: TestClient, db_path: Path) -> None:
    created = client.post(LOCATIONS, json=warehouse(7)).json()
    client.post("/_sandbox/omnitron/channels", json={"name": "acme-new", "channel_type": "web"})
    again = build_app(Store(db_path), seed="demo")
    with TestClient(again, base_url="http://testserver") as second:
        second.headers["Authorization"] = f"Token {DEFAULT_TOKEN}"
        assert second.get(f"{LOCATIONS}{created['id']}/").json() == created
        # the store was not re-seeded: the Omnitron change is still there
        names = [c["name"] for c in second.get("/_sandbox/omnitron/channels").json()]
        assert "acme-new" in names


def test_list_simple_pages_cover_every_object_once_after_deletes(many: TestClient) -> None:
    first = many.get(LOCATIONS, params={"page_size": 100}).json()["results"]
    for doomed in (first[0], first[50]):
        assert many.delete(f"{LOCATIONS}{doomed['id']}/").status_code == 204
    simple = f"{LOCATIONS}list-simple/"
    page1 = many.get(simple, params={"page_size": 50}).json()
    page3 = many.get(simple, params={"page_size": 50, "page": 3}).json()
    assert page1["count"] == 103
    assert page3["next"] is None
    codes = [
        r["erp_code"]
        for n in (1, 2, 3)
        for r in many.get(simple, params={"page_size": 50, "page": n}).json()["results"]
    ]
    assert codes == [f"WH-T{n:04d}" for n in range(105) if n not in (0, 50)]
