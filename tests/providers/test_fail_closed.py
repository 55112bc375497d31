"""Fail closed on answers omsform cannot read: an ``is_required`` body of an unknown shape stops
the plan naming the body (never "not required"), and a create whose answer does not describe
the object (an empty body, ``201 {}``, a message such as the settings service's "created
successfully") is found by one lookup by natural key instead of being reported as failed.

The sandbox stays the server; an ASGI wrapper rewrites the one answer under test, as a real OMS
that answers in another shape would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omsform.errors import ProviderError
from tests.harness import BrandHarness, actions

CHANNELS_REQUIRED = "/api/v1/oms/channels/is_required/"


class Answer:
    """Answers requests ``method path`` with ``status`` and the raw ``body`` after the sandbox
    handled them (so a write still happens) and succeeded; every other request, and a refusal,
    passes through."""

    def __init__(self, app: ASGIApp, method: str, path: str, status: int, body: bytes) -> None:
        self.app, self.method, self.path = app, method, path
        self.status, self.body = status, body
        self.hits: list[bytes] = []  # what the sandbox had answered

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) != (self.method, self.path):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        await self.app(scope, receive, hold)
        if held[0]["status"] >= 300:
            for message in held:
                await send(message)
            return
        self.hits.append(b"".join(m.get("body", b"") for m in held[1:]))
        head = [(b"content-type", b"application/json")] if self.body else []
        head.append((b"content-length", str(len(self.body)).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": head})
        await send({"type": "http.response.body", "body": self.body})


def _answering(h: BrandHarness, method: str, path: str, status: int, body: Any) -> Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    wrapper = Answer(h.app, method, path, status, raw)
    h.app = wrapper  # type: ignore[assignment]
    return wrapper


# --- is_required ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "required"),
    [({"result": True}, True), ({"is_required": True}, True), (True, True), (False, False)],
)
def test_each_documented_is_required_shape_is_read(
    tmp_path: Path, body: Any, required: bool
) -> None:
    h = BrandHarness(tmp_path)
    h.write({"setup.yaml": "oms_setup_step: {channels: {}}\n"})
    _answering(h, "GET", CHANNELS_REQUIRED, 200, body)
    expected = {"oms_setup_step.channels": "»"} if required else {}
    assert actions(h.plan()) == expected


@pytest.mark.parametrize(
    "body",
    [
        "false",  # a string: bool("false") is True, it must be neither
        {"required": False},  # no key omsform reads
        {"result": "no"},
        {"result": None},
        {"result": True, "is_required": False},  # two keys that disagree
        0,
        None,
        [],
    ],
)
def test_an_is_required_answer_of_another_shape_stops_the_plan_naming_the_body(
    tmp_path: Path, body: Any
) -> None:
    h = BrandHarness(tmp_path)
    h.write({"setup.yaml": "oms_setup_step: {channels: {}}\n"})
    _answering(h, "GET", CHANNELS_REQUIRED, 200, body)
    with pytest.raises(ProviderError) as caught:
        h.plan()
    message = str(caught.value)
    assert "setup step channels" in message and CHANNELS_REQUIRED in message
    assert json.dumps(body) in message  # the body, as the server sent it
    assert "STEP_IS_REQUIRED_FIELD" in message  # what to change when the OMS names it otherwise


# --- creates whose answer holds no object ----------------------------------------------------

DENIAL = "oms_denial_reason: {damaged: {title: Damaged box, priority: 3}}\n"
DENIAL_PATH = "/api/v1/oms/packages/package_denial_reason/"
SETTING = "oms_setting: {IS_TRADEIN_ENABLED: {value: true}}\n"
SETTINGS_PATH = "/api/v1/oms/settings/application_settings/"


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (201, b""),
        (201, {}),
        (200, "created successfully"),
        (201, {"detail": "created successfully"}),
        (204, b""),
    ],
)
def test_a_create_answered_without_the_object_is_found_by_key_once(
    tmp_path: Path, status: int, body: Any
) -> None:
    h = BrandHarness(tmp_path)
    h.write({"denial.yaml": DENIAL})
    wrapper = _answering(h, "POST", DENIAL_PATH, status, body)
    h.reset_stats()
    _, report = h.apply()
    assert report is not None and report.ok, report
    assert report.applied == ("oms_denial_reason.damaged",)
    assert len(wrapper.hits) == 1  # created once
    made = json.loads(wrapper.hits[0])
    by_path = h.stats()["by_path"]
    assert by_path[f"POST {DENIAL_PATH}"] == 1
    # the plan's listing and exactly one lookup
    assert by_path[f"GET {DENIAL_PATH}"] == 2
    h.app = wrapper.app
    assert not h.plan().has_changes
    rows = h.raw.get(DENIAL_PATH).json()["results"]
    assert [r["id"] for r in rows if r["title"] == "Damaged box"] == [made["id"]]


def test_a_setting_created_successfully_is_applied_not_failed(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"settings.yaml": SETTING})
    _answering(h, "POST", SETTINGS_PATH, 201, {"message": "created successfully"})
    _, report = h.apply()
    assert report is not None and report.ok, report
    assert report.applied == ("oms_setting.IS_TRADEIN_ENABLED",)


def test_a_create_accepted_but_not_listed_says_so_and_is_not_sent_again(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"denial.yaml": DENIAL})
    wrapper = _answering(h, "POST", DENIAL_PATH, 201, {})
    # the object vanishes between the write and the lookup (deleted by a person)
    inner = wrapper.app

    async def delete_after_post(scope: Scope, receive: Receive, send: Send) -> None:
        await inner(scope, receive, send)
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == DENIAL_PATH:
            for row in h.raw.get(DENIAL_PATH).json()["results"]:
                h.raw.delete(f"{DENIAL_PATH}{row['id']}/")

    wrapper.app = delete_after_post
    _, report = h.apply()
    assert report is not None and not report.ok
    [(address, message)] = report.failed
    assert address == "oms_denial_reason.damaged"
    assert "accepted the create" in message and "not sent again" in message
    assert len(wrapper.hits) == 1
