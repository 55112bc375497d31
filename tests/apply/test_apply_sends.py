"""Apply sends exactly the top-level fields the plan recorded (``Change.sends``), over HTTP to
the in-process sandbox, with values from the brand as loaded for the run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from omsform.apply.work import apply_input
from omsform.contract.provider import registry
from omsform.engine import run as engine
from omsform.errors import ApplyError, StalePlanError
from omsform.http.client import ClientOptions
from omsform.plan.model import Action, Change, FieldChange, Plan
from omsform.sandbox import DEFAULT_TOKEN, transport
from tests.clock import polling_on
from tests.harness import BrandHarness

PATH = "/api/v1/oms/packages/package_denial_reason/"
REASONS = """\
    oms_denial_reason:
      missing_item:
        title: Ürün eksik
        priority: 1
        remote_id: "12"
    """


class Recording(httpx.AsyncBaseTransport):
    """The sandbox's transport, keeping ``(method, path, JSON body)`` of every write."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.writes: list[tuple[str, str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            body = json.loads(request.content) if request.content else None
            self.writes.append((request.method, request.url.path, body))
        return await self.inner.handle_async_request(request)


def _apply(h: BrandHarness, plan: Plan, recording: Recording) -> None:
    """Apply ``plan`` as the CLI does, against the brand as it is on disk now."""

    async def run() -> None:
        brand = h.load()
        kinds = engine.kinds_to_read(brand)
        configs = {
            n: p.sandbox_config("http://sandbox", DEFAULT_TOKEN)
            for n, p in registry().providers.items()
        }
        options = ClientOptions(transport=recording)
        session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
        async with session:
            current = await engine.read(session, kinds)
            report = await engine.apply_brand(session, plan, current)
        assert report.ok, report

    with polling_on(h.clock):
        asyncio.run(run())


def test_an_update_planned_for_priority_sends_a_patch_of_priority_only(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"reasons.yaml": REASONS})
    h.converge()
    h.write({"reasons.yaml": REASONS.replace("priority: 1", "priority: 3")})
    plan = h.plan()
    (change,) = plan.changes
    assert (change.action, change.sends) == (Action.UPDATE, {"priority": 3})
    assert Plan.from_json(plan.to_json()).changes[0].sends == {"priority": 3}  # saved with it

    # the YAML moves on after planning: apply still sends only what the plan recorded
    h.write({"reasons.yaml": REASONS.replace("priority: 1", "priority: 3").replace("12", "99")})
    recording = Recording(transport(h.app))
    _apply(h, plan, recording)
    assert recording.writes == [("PATCH", f"{PATH}{change.remote_id}/", {"priority": 3})]
    rows = h.raw.get(PATH, params={"page_size": 100}).json()["results"]
    assert [(r["priority"], r["remote_id"]) for r in rows if r["title"] == "Ürün eksik"] == [
        (3, "12")
    ]


def test_a_plan_saved_before_sends_existed_is_refused_to_be_planned_again(
    tmp_path: Path,
) -> None:
    """An update that records no ``sends`` (an older omsform's file) is never guessed from its
    display paths: apply refuses it before any write and says to plan again."""
    h = BrandHarness(tmp_path)
    old = Change(
        address="oms_denial_reason.missing_item",
        kind="oms_denial_reason",
        key="Ürün eksik",
        provider="akinon_oms",
        action=Action.UPDATE,
        remote_id=1,
        fields=(FieldChange(path="priority", before=1, after=3),),
    )
    h.write({"reasons.yaml": REASONS})
    desired = h.load().desired
    resources = registry().resources()
    with pytest.raises(ApplyError, match=r"does not record what it sends.*Run plan again"):
        apply_input(Plan(brand="test", changes=(old,)), desired, resources, {"akinon_oms"})


def test_an_edited_plan_that_sends_a_field_the_kind_does_not_have_is_refused(
    tmp_path: Path,
) -> None:
    h = BrandHarness(tmp_path)
    h.write({"reasons.yaml": REASONS})
    edited = Change(
        address="oms_denial_reason.missing_item",
        kind="oms_denial_reason",
        key="Ürün eksik",
        provider="akinon_oms",
        action=Action.UPDATE,
        remote_id=1,
        sends={"priority": 3, "owner": "me"},
    )
    plan = Plan(brand="test", changes=(edited,))
    with pytest.raises(ApplyError, match="oms_denial_reason has no field owner to send"):
        apply_input(plan, h.load().desired, registry().resources(), {"akinon_oms"})


def test_a_plan_whose_sent_value_is_no_longer_the_brands_is_stale(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"reasons.yaml": REASONS})
    h.converge()
    h.write({"reasons.yaml": REASONS.replace("priority: 1", "priority: 3")})
    plan = Plan.from_json(h.plan().to_json())
    h.write({"reasons.yaml": REASONS.replace("priority: 1", "priority: 4")})
    with pytest.raises(StalePlanError) as caught:
        apply_input(plan, h.load().desired, registry().resources(), {"akinon_oms"})
    assert caught.value.moved == [
        "oms_denial_reason.missing_item: priority is not the value planned to be sent"
    ]
