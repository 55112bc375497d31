"""Setup steps under the races and orders of real runs: a copy job finishing in the middle of a
plan, a job still WORKING after a killed apply, and the guide's order addresses →
stock_locations → channels (each to FINISHED before the next starts)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from tests.harness import BrandHarness, actions

CHANNELS = "/api/v1/oms/channels/"
STEPS = "oms_setup_step: {addresses: {}, stock_locations: {}, channels: {}}\n"


class FinishBetweenReads:
    """ASGI wrapper answering one request at a time; right after the first read of the
    channels (their list or the channels step's state) is answered, the running copy job is
    made to finish: exactly between that read and the next."""

    def __init__(self, app: ASGIApp, h: BrandHarness) -> None:
        self.app, self.h, self.fired = app, h, False
        self.lock: asyncio.Lock | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.lock = self.lock or asyncio.Lock()
        async with self.lock:
            await self.app(scope, receive, send)
            if not self.fired and scope["path"].startswith(CHANNELS):
                self.fired = True
                self.h.raw.post("/_sandbox/knobs", json={"step_seconds": 0})


def _events(h: BrandHarness) -> list[list[str]]:
    found: list[list[str]] = h.raw.get("/_sandbox/setup/events").json()["events"]
    return found


def _stores(h: BrandHarness) -> dict[str, dict[str, Any]]:
    rows = h.raw.get("/api/v1/oms/stocklocations/", params={"page_size": 100}).json()["results"]
    return {r["erp_code"]: r for r in rows if r.get("omnitron_id")}


def test_a_copy_job_finishing_between_the_plan_reads_never_fails_the_plan(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write(
        {"channels.yaml": "oms_setup_step: {channels: {}}\noms_channel: {web: {name: acme-web}}\n"}
    )
    # an apply killed after it started the channels job: the job is still running
    h.raw.post("/_sandbox/knobs", json={"step_seconds": 3600})
    assert h.raw.post(CHANNELS + "execute/").status_code == 204
    h.app = FinishBetweenReads(h.app, h)  # type: ignore[assignment]
    plan = h.plan()  # before: "no oms_channel 'acme-web' exists … create the channel in Omnitron"
    assert plan.has_changes
    h.app = h.app.app  # type: ignore[attr-defined]
    h.converge()  # the one re-apply converges


def test_a_job_still_working_at_plan_time_is_pending_and_waited_for(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"setup.yaml": "oms_setup_step: {channels: {}}\n"})
    h.converge()
    # a person (or a killed apply) started a job with nothing left to copy: the OMS may say
    # is_required false while it runs, but it is not done
    h.raw.post("/_sandbox/knobs", json={"step_seconds": 30})
    assert h.raw.post(CHANNELS + "execute/").status_code == 204
    assert actions(h.plan()) == {"oms_setup_step.channels": "»"}
    _, report = h.apply()
    assert report is not None and report.ok
    # waited for, not started twice (a second execute would be a 400 "already running")
    assert _events(h)[-2:] == [["channels", "execute"], ["channels", "FINISHED"]]
    assert sum(h.clock.slept) >= 30  # the polling paused through the injected sleep only
    assert not h.plan().has_changes


def test_setup_steps_run_in_the_guides_order_each_to_the_end(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"setup.yaml": STEPS})
    plan = h.plan()
    by_address = {c.address: c for c in plan.changes}
    assert by_address["oms_setup_step.stock_locations"].depends_on == ("oms_setup_step.addresses",)
    assert by_address["oms_setup_step.channels"].depends_on == (
        "oms_setup_step.addresses",
        "oms_setup_step.stock_locations",
    )
    h.converge()
    assert _events(h) == [
        ["addresses", "execute"],
        ["addresses", "FINISHED"],
        ["stock_locations", "execute"],
        ["stock_locations", "FINISHED"],
        ["channels", "execute"],
        ["channels", "FINISHED"],
    ]
    # stores copied after the addresses carry their address ids
    for store in _stores(h).values():
        address = store["address"]
        assert None not in (address["country"], address["city"], address["township"]), store


def test_stores_copied_before_the_addresses_make_the_stores_step_required_again(
    tmp_path: Path,
) -> None:
    h = BrandHarness(tmp_path)
    h.write({"setup.yaml": "oms_setup_step: {stock_locations: {}}\n"})
    h.converge()
    stores = _stores(h)
    assert stores and all(s["address"]["city"] is None for s in stores.values())
    # the addresses arrive later: the stores are out of sync, and the plan says so
    h.write({"setup.yaml": STEPS.replace(" channels: {}", "").replace(", }", "}")})
    assert actions(h.plan()) == {
        "oms_setup_step.addresses": "»",
        "oms_setup_step.stock_locations": "»",
    }
    h.converge()
    assert all(s["address"]["city"] is not None for s in _stores(h).values())
