"""Sales channels: documented reads, the proposed PATCH of is_active/configuration, and 405s
for everything OMS cannot do to a channel."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.clock import FakeClock

CHANNELS = "/api/v1/oms/channels/"
FIELDS = {
    "id",
    "name",
    "omnitron_id",
    "channel_type",
    "configuration",
    "is_active",
    "created_date",
    "modified_date",
}


@pytest.fixture
def synced(client: TestClient, clock: FakeClock) -> TestClient:
    """A client whose OMS already ran the channels step."""
    assert client.post(CHANNELS + "execute/").status_code == 204
    for _ in range(500):
        if client.get(CHANNELS + "get_async_status/").json()["result"] == "FINISHED":
            return client
        clock.advance(0.01)
    raise AssertionError("channels step did not finish")


def web(client: TestClient) -> dict[str, Any]:
    found: dict[str, Any] = client.get(CHANNELS, params={"name": "acme-web"}).json()["results"][0]
    return found


def test_list_and_detail_carry_the_documented_fields(synced: TestClient) -> None:
    page = synced.get(CHANNELS).json()
    assert page["count"] == 2
    for channel in page["results"]:
        assert set(channel) == FIELDS
        assert channel["created_date"].endswith("Z")
        assert synced.get(f"{CHANNELS}{channel['id']}/").json() == channel


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"name": "acme-web"}, ["acme-web"]),
        ({"channel_type": "trendyol"}, ["acme-trendyol"]),
        ({"omnitron_id": "2"}, ["acme-trendyol"]),
        ({"is_active": "true"}, ["acme-web", "acme-trendyol"]),
        ({"is_active": "false"}, []),
        ({"name": "nope"}, []),
    ],
)
def test_list_filters(synced: TestClient, query: dict[str, str], names: list[str]) -> None:
    results = synced.get(CHANNELS, params=query).json()["results"]
    assert [c["name"] for c in results] == names


def test_unknown_channel_is_404(synced: TestClient) -> None:
    answer = synced.get(f"{CHANNELS}999/")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not found."}


def test_patch_changes_is_active_and_configuration(synced: TestClient) -> None:
    before = web(synced)
    body = {"is_active": False, "configuration": {"order_prefix": "WEB-"}}
    answer = synced.patch(f"{CHANNELS}{before['id']}/", json=body)
    assert answer.status_code == 200
    after = answer.json()
    assert after["is_active"] is False
    assert after["configuration"] == {"order_prefix": "WEB-"}
    assert after["name"] == before["name"]
    assert after["modified_date"] > before["modified_date"]
    assert synced.get(f"{CHANNELS}{before['id']}/").json() == after


@pytest.mark.usefixtures("strict_writes")
@pytest.mark.parametrize("field", ["name", "omnitron_id", "channel_type", "id", "created_date"])
def test_patch_of_an_omnitron_owned_field_is_400(synced: TestClient, field: str) -> None:
    channel = web(synced)
    answer = synced.patch(f"{CHANNELS}{channel['id']}/", json={field: channel[field]})
    assert answer.status_code == 400
    assert answer.json() == {field: ["This field is read-only."]}
    assert web(synced) == channel


@pytest.mark.usefixtures("strict_writes")
def test_patch_with_unknown_field_or_wrong_type_is_400(synced: TestClient) -> None:
    channel_id = web(synced)["id"]
    unknown = synced.patch(f"{CHANNELS}{channel_id}/", json={"colour": "red"})
    assert unknown.status_code == 400
    assert unknown.json() == {"colour": ["Unknown field."]}
    wrong = synced.patch(f"{CHANNELS}{channel_id}/", json={"is_active": "no", "configuration": []})
    assert wrong.status_code == 400
    assert wrong.json() == {
        "is_active": ["Must be a valid boolean."],
        "configuration": ["Expected a dictionary of items."],
    }


def test_patch_of_unknown_channel_is_404(synced: TestClient) -> None:
    assert synced.patch(f"{CHANNELS}999/", json={"is_active": False}).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", CHANNELS),
        ("PUT", CHANNELS + "1/"),
        ("DELETE", CHANNELS + "1/"),
        ("POST", CHANNELS + "1/"),
    ],
)
def test_channels_cannot_be_created_replaced_or_deleted(
    synced: TestClient, method: str, path: str
) -> None:
    answer = synced.request(method, path, json={"name": "x"})
    assert answer.status_code == 405
    assert answer.json() == {"detail": f'Method "{method}" not allowed.'}
    assert synced.get(CHANNELS).json()["count"] == 2
