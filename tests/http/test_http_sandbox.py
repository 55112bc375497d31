"""The HTTP client layer against the sandbox: every incomplete-listing shape (``listing_fault``
knob) stops the apply before any write, and an apply under ``rate_limit_per_s: 5`` finishes
(the sandbox's limiter and the client's pacer share one fake clock: no real pauses)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from starlette.types import Receive, Scope, Send

from omsform.contract.provider import registry
from omsform.engine import run as engine
from omsform.errors import ProviderError
from omsform.http.client import ClientOptions
from omsform.sandbox import DEFAULT_TOKEN, build_app, transport
from omsform.sandbox.knobs import LISTING_FAULTS, Knobs
from omsform.sandbox.store import Store
from tests.harness import BrandHarness
from tests.http.test_http import FakeClock

SECRETS = {"HOOK_SECRET": "canary-hook-secret-4b2a"}
HOOKS_PATH = "/api/v1/oms/oms_hooks/"


def _hooks(n: int) -> str:
    return "oms_webhook:\n" + "".join(
        f"  hook_{i}:\n"
        f"    event_type: package.status.packed\n"
        f"    target_url: https://erp.example.com/hooks/{i}\n"
        f"    secret_key: ${{secret.HOOK_SECRET}}\n"
        for i in range(n)
    )


async def _apply(h: BrandHarness, options: ClientOptions) -> int:
    """``omsform apply --sandbox --auto-approve`` with these client options; the changes."""
    brand = h.load()
    kinds = engine.kinds_to_read(brand)
    configs = registry().sandbox_configs("http://sandbox", DEFAULT_TOKEN)
    session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
    async with session:
        current = await engine.read(session, kinds)
        plan = engine.plan_from(engine.plan_inputs(session, current), current, brand, force=True)
        report = await engine.apply_brand(session, plan, current)
        assert report.ok, report
        return len(plan.changes)


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sandbox with 3 webhooks applied by the brand and 105 more made by hand (2 pages)."""
    tmp = tmp_path_factory.mktemp("listing")
    h = BrandHarness(tmp, env=SECRETS)
    h.write({"hooks.yaml": _hooks(3)})
    h.converge()
    for i in range(105):
        answer = h.raw.post(
            "/whisperer/hooks/",
            json={"event_type": "package.status.packed", "target_url": f"https://x.example/{i}"},
        )
        assert answer.status_code < 300, answer.text
    return tmp


@pytest.mark.parametrize("shape", sorted(set(LISTING_FAULTS) - {"no_count"}))
def test_every_incomplete_listing_shape_fails_the_apply_with_no_write(
    applied: Path, shape: str
) -> None:
    h = BrandHarness(applied, env=SECRETS)
    assert h.raw.post(
        "/_sandbox/knobs", json={"listing_fault": shape, "fault_path": HOOKS_PATH}
    ).is_success
    h.reset_stats()
    try:
        with pytest.raises(ProviderError) as caught:
            h.apply()
    finally:
        h.raw.post("/_sandbox/knobs", json={"listing_fault": "", "fault_path": ""})
    assert HOOKS_PATH in str(caught.value)
    writes = {m: n for m, n in h.stats()["by_method"].items() if m != "GET"}
    assert writes == {}, (shape, writes)


def test_a_listing_without_count_is_followed_and_plans_no_change(applied: Path) -> None:
    h = BrandHarness(applied, env=SECRETS)
    h.raw.post("/_sandbox/knobs", json={"listing_fault": "no_count", "fault_path": HOOKS_PATH})
    try:
        assert not h.plan().has_changes
    finally:
        h.raw.post("/_sandbox/knobs", json={"listing_fault": "", "fault_path": ""})


def test_an_apply_of_many_creates_under_5_requests_per_second_finishes(tmp_path: Path) -> None:
    clock = FakeClock()
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": _hooks(40)})
    app = build_app(
        Store(tmp_path / "sandbox.sqlite"),
        knobs=Knobs(step_seconds=0.01, rate_limit_per_s=5),
        clock=clock,
    )

    options = ClientOptions(transport=transport(app), clock=clock, sleep=clock.sleep)
    changes = asyncio.run(_apply(h, options))
    seconds = clock() - 1000.0
    assert changes == 40
    assert seconds >= 40 / 5 - 1  # paced: at most 5 requests a second
    stats = app.state.ctx.stats.as_dict()
    assert stats["by_method"]["POST"] >= 40
    assert len(h.raw.get(HOOKS_PATH, params={"page_size": 100}).json()["results"]) == 40


def test_a_create_sent_again_after_a_dropped_connection_repeats_its_idempotency_key(
    tmp_path: Path,
) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": _hooks(1)})
    keys: list[str] = []

    async def recorder(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            keys.append(dict(scope["headers"]).get(b"idempotency-key", b"").decode())
        await h.app(scope, receive, send)

    h.app.state.ctx.knobs.update({"fail_next": 1, "faults": ["drop"], "fault_path": "/whisperer/"})

    asyncio.run(_apply(h, ClientOptions(transport=transport(recorder))))
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]  # dropped, looked up, sent again
    assert len(h.raw.get(HOOKS_PATH).json()["results"]) == 1
