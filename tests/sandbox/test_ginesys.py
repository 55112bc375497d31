"""Ginesys Connected Apps > OMS (proposed shape): create, real loopback tests, enable, rules."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.sandbox.calls import created
from tests.served import Received, free_port, loopback_receiver

BASE = "/ginesys/api/v1/connected-apps/oms"
SECRET = "whsec-123"
IMMUTABLE = "This field cannot be changed after creation."


@dataclass
class Receiver:
    """A tiny HTTP server on a free loopback port that records what it receives."""

    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running receiver answering ``receiver.status`` to every request."""
    state = Receiver()

    def answer(request: Received) -> int:
        state.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "headers": dict(request.headers),
                "body": request.body,
            }
        )
        return state.status

    with loopback_receiver(answer) as url:
        state.url = url
        yield state


def _body(webhook_url: str, api_url: str, **fields: Any) -> dict[str, Any]:
    return {
        "app_name": "Browntape OMS",
        "organization_unit_id": 1,
        "webhook": {"url": webhook_url, "secret": SECRET, "encryption_key": "enc-key"},
        "ginesys_api": {"url": api_url, "api_key": "gin-key"},
        **fields,
    }


def _create(ginesys: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    return created(ginesys, BASE, body)


def test_create_answers_a_masked_draft(ginesys: TestClient) -> None:
    app = _create(ginesys, _body("https://oms.example/hook", "https://erp.example/api"))
    assert app == {
        "id": app["id"],
        "app_name": "Browntape OMS",
        "organization_unit_id": 1,
        "webhook": {
            "url": "https://oms.example/hook",
            "secret": "********",
            "encryption_key": "********",
        },
        "ginesys_api": {"url": "https://erp.example/api", "api_key": "********"},
        "status": "draft",
        "last_tests": {"webhook": None, "ginesys_api": None},
        "created_at": app["created_at"],
        "updated_at": app["updated_at"],
    }
    assert ginesys.get(f"{BASE}/{app['id']}").json() == app
    listed = ginesys.get(BASE, params={"organization_unit_id": 1}).json()
    assert listed["count"] == 1 and listed["results"] == [app]
    assert ginesys.get(BASE, params={"organization_unit_id": 2}).json()["count"] == 0
    assert SECRET not in ginesys.get(BASE).text


def test_tests_call_the_real_receiver_then_enable(ginesys: TestClient, receiver: Receiver) -> None:
    app = _create(ginesys, _body(receiver.url + "/hook", receiver.url + "/api/"))
    url = f"{BASE}/{app['id']}"
    assert ginesys.post(f"{url}/enable").status_code == 409
    webhook = ginesys.post(f"{url}/test", json={"target": "webhook"})
    assert webhook.status_code == 200
    assert webhook.json()["ok"] is True and webhook.json()["http_status"] == 200
    assert webhook.json()["simulated"] is False
    ping = receiver.requests[0]
    assert ping["method"] == "POST" and ping["path"] == "/hook"
    assert json.loads(ping["body"])["event"] == "ping"
    expected = "sha256=" + hmac.new(SECRET.encode(), ping["body"], hashlib.sha256).hexdigest()
    assert ping["headers"]["X-Ginesys-Signature"] == expected
    assert ginesys.get(url).json()["status"] == "draft"
    api = ginesys.post(f"{url}/test", json={"target": "ginesys_api"}).json()
    assert api["ok"] is True
    health = receiver.requests[1]
    assert (health["method"], health["path"]) == ("GET", "/api/health")
    assert health["headers"]["X-Api-Key"] == "gin-key"
    tested = ginesys.get(url).json()
    assert tested["status"] == "tested" and tested["last_tests"]["ginesys_api"]["ok"] is True
    enabled = ginesys.post(f"{url}/enable")
    assert enabled.status_code == 200 and enabled.json()["status"] == "enabled"
    disabled = ginesys.post(f"{url}/disable")
    assert disabled.json()["status"] == "disabled"
    assert ginesys.patch(url, json={"status": "enabled"}).json()["status"] == "enabled"


def test_failing_receiver_fails_the_test_and_blocks_enable(
    ginesys: TestClient, receiver: Receiver
) -> None:
    receiver.status = 500
    app = _create(ginesys, _body(receiver.url + "/hook", receiver.url))
    url = f"{BASE}/{app['id']}"
    result = ginesys.post(f"{url}/test", json={"target": "webhook"}).json()
    assert result["ok"] is False and result["http_status"] == 500
    receiver.status = 204
    assert ginesys.post(f"{url}/test", json={"target": "ginesys_api"}).json()["ok"] is True
    refused = ginesys.post(f"{url}/enable")
    assert refused.status_code == 409 and "webhook" in refused.json()["detail"]
    assert ginesys.patch(url, json={"status": "enabled"}).status_code == 409
    assert ginesys.get(url).json()["status"] == "draft"


def test_unreachable_loopback_port_fails_without_status(ginesys: TestClient) -> None:
    port = free_port()
    app = _create(ginesys, _body(f"http://127.0.0.1:{port}/hook", f"http://localhost:{port}"))
    result = ginesys.post(f"{BASE}/{app['id']}/test", json={"target": "webhook"}).json()
    assert result["ok"] is False and result["http_status"] is None


def test_other_hosts_are_never_called_and_follow_the_knob(ginesys: TestClient) -> None:
    app = _create(ginesys, _body("https://oms.example/hook", "https://erp.example/api"))
    url = f"{BASE}/{app['id']}"
    passed = ginesys.post(f"{url}/test", json={"target": "webhook"}).json()
    assert passed["ok"] is True and passed["simulated"] is True
    knob = ginesys.post("/_sandbox/ginesys/test-outcome", json={"ginesys_api": False})
    assert knob.json() == {"webhook": True, "ginesys_api": False}
    failed = ginesys.post(f"{url}/test", json={"target": "ginesys_api"}).json()
    assert failed["ok"] is False and failed["simulated"] is True
    assert ginesys.post(f"{url}/enable").status_code == 409
    bad_knob = ginesys.post("/_sandbox/ginesys/test-outcome", json={"webhook": "yes"})
    assert bad_knob.status_code == 400


def test_immutable_fields_are_named_in_the_400(ginesys: TestClient) -> None:
    app = _create(ginesys, _body("https://oms.example/hook", "https://erp.example/api"))
    url = f"{BASE}/{app['id']}"
    moved = ginesys.patch(url, json={"organization_unit_id": 2})
    assert moved.status_code == 400
    assert moved.json() == {
        "organization_unit_id": ["This field cannot be changed after creation."]
    }
    secret = ginesys.patch(url, json={"webhook": {"secret": "new"}, "app_name": "Other"})
    assert secret.json() == {
        "webhook": {"secret": ["This field cannot be changed after creation."]},
        "app_name": ["This field cannot be changed after creation."],
    }
    # sending the stored value is refused too, so a guessed secret cannot be confirmed
    same = ginesys.patch(url, json={"app_name": "Browntape OMS", "webhook": {"secret": SECRET}})
    assert same.status_code == 400
    assert same.json() == secret.json()
    for body in ({"webhook": {"secret": SECRET}}, {"ginesys_api": {"api_key": "gin-key"}}):
        right, wrong = ginesys.patch(url, json=body), ginesys.patch(url, json=_guess(body))
        assert (right.status_code, right.json()) == (wrong.status_code, wrong.json())
        assert right.status_code == 400
    assert ginesys.patch(url, json={"organization_unit_id": 1}).status_code == 400
    assert ginesys.patch(url, json={"webhook": {}}).json() == {"webhook": [IMMUTABLE]}
    assert ginesys.get(url).json() == app
    assert ginesys.patch(url, json={"status": "tested"}).status_code == 400
    assert ginesys.patch(url, json={"colour": "red"}).json() == {"colour": ["Unknown field."]}


def _guess(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with its one nested value replaced by a wrong guess."""
    [(name, inner)] = body.items()
    return {name: {k: "wrong-guess" for k in inner}}


def test_one_app_per_organisation_unit(ginesys: TestClient) -> None:
    _create(ginesys, _body("https://a.example", "https://b.example"))
    second = ginesys.post(BASE, json=_body("https://c.example", "https://d.example"))
    assert second.status_code == 409 and "organization unit 1" in second.json()["detail"]
    _create(ginesys, _body("https://c.example", "https://d.example", organization_unit_id=2))


def test_create_validation(ginesys: TestClient) -> None:
    response = ginesys.post(BASE, json={"organization_unit_id": "one", "webhook": {"url": "x"}})
    assert response.status_code == 400
    assert response.json() == {
        "organization_unit_id": ["A valid integer is required."],
        "ginesys_api": ["This field is required."],
    }
    nested = ginesys.post(
        BASE, json=_body("ftp://x", "https://b.example", webhook={"url": "ftp://x"})
    )
    assert nested.json() == {
        "webhook": {"url": ["Enter a valid URL."], "secret": ["This field is required."]}
    }
    malformed = ginesys.post(BASE, content=b"{", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    bad_target = ginesys.post(f"{BASE}/1/test", json={"target": "fax"})
    assert bad_target.status_code == 404  # no app 1 yet


def test_auth_delete_and_missing(ginesys: TestClient, anon: TestClient, client: TestClient) -> None:
    app = _create(ginesys, _body("https://a.example", "https://b.example"))
    assert anon.get(BASE).status_code == 401
    assert client.get(BASE).status_code == 401  # a Token header is not an API key
    wrong = anon.get(BASE, headers={"X-Api-Key": "nope"})
    assert wrong.status_code == 401 and wrong.json() == {"detail": "Invalid API key."}
    assert ginesys.delete(f"{BASE}/{app['id']}").status_code == 405
    assert ginesys.put(f"{BASE}/{app['id']}", json={}).status_code == 405
    assert ginesys.get(f"{BASE}/999").json() == {"detail": "Not found."}
    bad_target = ginesys.post(f"{BASE}/{app['id']}/test", json={"target": "fax"})
    assert bad_target.json() == {"target": ['"fax" is not a valid choice.']}
