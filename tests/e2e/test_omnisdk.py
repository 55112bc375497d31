"""Akinon's own Python client, ``omnisdk``, against the served sandbox: what a brand's existing
scripts do must work there as on a real Omnitron/OMS.

omnisdk logs in (``POST /api/v1/auth/login/``), or validates a given token with
``GET /api/v1/active_user/``; lists with ``?page=N`` until ``next`` is null; and updates by
retrieving an object, changing an attribute and PATCHing *every* attribute back (``id``,
``name``, dates ... included), which only a server as lenient as DRF (read-only and unknown
fields ignored) accepts. The OMS channels live under the Omnitron host at ``api/v1/oms/``, so
the endpoint is omnisdk's own ``OmnitronApiEndpoint`` with ``endpoint="oms/channels"``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from omsform.sandbox import DEFAULT_TOKEN
from tests.served import child_server, serve_in_python

omnisdk_client = pytest.importorskip("omnisdk.omnitron.client")
omnisdk_endpoints = pytest.importorskip("omnisdk.omnitron.endpoints")
omnisdk_models = pytest.importorskip("omnisdk.omnitron.models")

pytestmark = pytest.mark.slow

AUTH = {"Authorization": f"Token {DEFAULT_TOKEN}"}
CHANNELS = "/api/v1/oms/channels/"


class OmsChannelEndpoint(omnisdk_endpoints.OmnitronApiEndpoint):  # type: ignore[misc]
    """OMS sales channels, as an omnisdk endpoint (``{omnitron}/api/v1/oms/channels/``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, endpoint="oms/channels", model=omnisdk_models.Channel, **kwargs)


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    """A served sandbox whose OMS holds three channels copied from Omnitron."""
    db = tmp_path / "omnisdk.sqlite"
    with (
        child_server(
            lambda port: serve_in_python(port, db, token=DEFAULT_TOKEN, seed="demo"),
            start_seconds=15,
        ) as child,
        httpx.Client(base_url=child.base_url, headers=AUTH) as http,
    ):
        third = {"omnitron_id": 3, "name": "acme-app", "channel_type": "web"}
        assert http.post("/_sandbox/omnitron/channels/", json=third).status_code == 201
        assert http.post(CHANNELS + "execute/").status_code == 204
        for _ in range(200):  # the served step takes 0.05 s
            if http.get(CHANNELS + "get_async_status/").json()["result"] == "FINISHED":
                break
            time.sleep(0.05)
        assert http.get(CHANNELS).json()["count"] == 3
        yield child.base_url + "/"


def test_omnisdk_logs_in_pages_the_channels_and_patches_a_configuration(sandbox: str) -> None:
    api = omnisdk_client.OmnitronApiClient(
        base_url=sandbox, username="admin", password="sandbox-admin"
    )
    assert api.token == f"Token {DEFAULT_TOKEN}"  # from POST api/v1/auth/login/

    endpoint = OmsChannelEndpoint()
    first = endpoint.list(params={"page_size": 1})
    pages = [[c.name for c in first]]
    pages += [[c.name for c in page] for page in endpoint.iterator]
    assert sorted(name for page in pages for name in page) == [
        "acme-app",
        "acme-trendyol",
        "acme-web",
    ]
    assert [len(p) for p in pages] == [1, 1, 1]

    channel_id = _id_of(sandbox, "acme-web")
    channel = OmsChannelEndpoint().retrieve(channel_id)
    channel.configuration = {**channel.configuration, "stock_threshold": 5}
    updated = OmsChannelEndpoint().update(channel_id, channel)  # every attribute sent back
    assert updated.configuration == {"stock_threshold": 5}
    assert updated.name == "acme-web"  # the read-only fields it sent were ignored, not applied

    again = OmsChannelEndpoint().retrieve(channel_id)
    assert again.configuration == {"stock_threshold": 5}


def test_omnisdk_validates_a_given_token_with_active_user(sandbox: str) -> None:
    api = omnisdk_client.OmnitronApiClient(
        base_url=sandbox, username="", password="", token=f"Token {DEFAULT_TOKEN}"
    )
    user = omnisdk_endpoints.ActiveUserEndpoint().list()
    assert api.token == f"Token {DEFAULT_TOKEN}"
    assert user.username == "admin"
    with pytest.raises(Exception, match="Invalid token"):
        omnisdk_client.OmnitronApiClient(
            base_url=sandbox, username="", password="", token="Token not-the-token"
        )


def _id_of(base: str, name: str) -> int:
    with httpx.Client(base_url=base, headers=AUTH) as http:
        [row] = http.get(CHANNELS, params={"name": name}).json()["results"]
        return int(row["id"])
