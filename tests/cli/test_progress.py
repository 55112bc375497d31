"""Feedback during long work, on a fake terminal (rich ``Console(force_terminal=True)`` writing
to a ``StringIO``) and with an injected clock: nothing here sleeps."""

from __future__ import annotations

import asyncio
import io
import json
import re
from pathlib import Path

from rich.console import Console

from omsform.apply.report import ApplyReport
from omsform.apply.run import ApplyEvent
from omsform.cli.progress import ApplyProgress, ReadProgress, ticker
from omsform.engine import run as engine
from omsform.lang.load import Brand
from omsform.plan.model import Action
from tests.harness import BrandHarness

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class FakeClock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=120, color_system="standard"), out


def plain(out: io.StringIO) -> str:
    return ANSI.sub("", out.getvalue())


# --- reading --------------------------------------------------------------------------------------
def test_reading_shows_counts_at_once_and_as_kinds_finish() -> None:
    console, out = terminal()
    clock = FakeClock()
    kinds = ["oms_channel", "oms_setting", "oms_webhook"]
    with ReadProgress(kinds, console=console, line=print, clock=clock) as shown:
        # drawn before any listing finished and before any tick: no blank screen while reading
        assert "reading 3 kinds… 0/3, 0 objects" in plain(out)
        shown.listed("oms_channel", 1000)
        shown.listed("oms_setting", 250)
        shown.listed("oms_setting", 250)  # listed again after an unclear write: counted once
        assert "reading 3 kinds… 2/3, 1,250 objects" in plain(out)
        clock.now += 7
        shown.tick()
        assert "0:00:07" in plain(out)  # the elapsed time moves, it is not a frozen estimate


def test_reading_off_a_terminal_is_two_plain_lines() -> None:
    lines: list[str] = []
    clock = FakeClock()
    with ReadProgress(["a", "b"], console=None, line=lines.append, clock=clock) as shown:
        shown.listed("a", 1200)
        shown.listed("b", 3)
        clock.now += 2.25
    assert lines == ["Reading 2 kinds…", "Read 2 kinds, 1,203 objects in 2.2s."]


def test_reading_a_real_sandbox_reports_every_kind_it_lists(tmp_path: Path) -> None:
    harness = BrandHarness(tmp_path)
    harness.write({"settings.yaml": "oms_setting:\n  IS_TRADEIN_ENABLED: {value: true}\n"})
    console, out = terminal()
    seen_before_first: list[str] = []

    async def run() -> None:
        brand = harness.load()
        kinds = engine.kinds_to_read(brand)
        session = await harness_session(harness, brand, kinds)
        async with session:
            with ReadProgress(kinds, console=console, line=print) as shown:

                def listed(kind: str, count: int) -> None:
                    seen_before_first.append(plain(out))
                    shown.listed(kind, count)

                current = await engine.read(session, kinds, on_listed=listed)
                assert shown.done == set(kinds)
                assert shown.objects == sum(len(objects) for objects in current.values())

    asyncio.run(run())
    assert "reading 1 kind… 0/1, 0 objects" in seen_before_first[0]


async def harness_session(harness: BrandHarness, brand: Brand, kinds: list[str]) -> engine.Session:
    from omsform.contract.provider import registry
    from omsform.http.client import ClientOptions
    from omsform.sandbox import DEFAULT_TOKEN, transport

    configs = registry().sandbox_configs("http://sandbox", DEFAULT_TOKEN)
    options = ClientOptions(transport=transport(harness.app))
    return await engine.open_session(brand, kinds=kinds, options=options, configs=configs)


def test_ticker_refreshes_ten_times_a_second_with_an_injected_sleep() -> None:
    clock = FakeClock()
    ticks: list[float] = []
    waits: list[float] = []

    class Display:
        def tick(self) -> None:
            ticks.append(clock())

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.now += seconds
        await asyncio.sleep(0)  # yield only: no real time passes

    async def run() -> None:
        async with ticker(Display(), sleep=fake_sleep):
            for _ in range(5):
                await asyncio.sleep(0)

    asyncio.run(run())
    assert ticks and set(waits) == {0.1}


# --- applying -------------------------------------------------------------------------------------
def event(address: str, status: str, action: Action = Action.CREATE, **kw: object) -> ApplyEvent:
    return ApplyEvent(address, action, status, **kw)  # type: ignore[arg-type]


def test_a_slow_change_says_which_and_for_how_long_every_ten_seconds() -> None:
    console, out = terminal()
    clock = FakeClock()
    step = "oms_setup_step.addresses"
    with ApplyProgress(2, console=console, line=print, clock=clock) as progress:
        progress(event(step, "started", Action.RUN))
        clock.now += 5
        progress.tick()
        assert "still running" not in plain(out)
        assert f"applying {step} 5s" in plain(out)  # the bar names the running change
        clock.now += 5
        progress.tick()
        clock.now += 10
        progress.tick()
        text = plain(out)
        assert f"still running {step}… 10s" in text
        assert f"still running {step}… 20s" in text
        assert f"applying {step} 20s" in text
        assert "0:00:20" in text  # elapsed time, not a frozen estimate
        clock.now += 1.5
        progress(event(step, "applied", Action.RUN, remote_id="addresses"))
    assert f"applied » {step} (id addresses, 22s)" in plain(out)
    assert "\x1b[32m" in out.getvalue()  # applied lines are green on a terminal


def test_the_bar_is_redrawn_at_most_ten_times_a_second_however_many_changes_start() -> None:
    console, out = terminal()
    clock = FakeClock()
    with ApplyProgress(500, console=console, line=print, clock=clock) as progress:
        drawn = len(out.getvalue())
        for i in range(200):  # 200 changes start within the same instant
            progress(event(f"oms_webhook.w{i}", "started", Action.CREATE))
        burst = plain(out)[drawn:]
        assert burst.count("applying") <= 1  # one redraw, not 200
        clock.now += 0.1
        progress.tick()  # the next tick shows where things stand
        assert "(+199 more)" in plain(out)


def test_finished_lines_off_a_terminal_have_id_duration_and_messages() -> None:
    lines: list[str] = []
    clock = FakeClock()
    with ApplyProgress(3, console=None, line=lines.append, clock=clock) as progress:
        progress(event("oms_webhook.a", "started"))
        progress(event("oms_webhook.b", "started"))
        clock.now += 0.25
        progress(event("oms_webhook.a", "applied", remote_id=42))
        progress(event("oms_webhook.b", "failed", message="POST → 400: bad url"))
        progress(event("oms_webhook.c", "skipped", message="it depends on oms_webhook.b"))
        clock.now += 30
        progress.tick()  # nothing is running: no "still running" line
    assert lines == [
        " applied + oms_webhook.a (id 42, 0.2s)",
        "  failed + oms_webhook.b (0.2s): POST → 400: bad url",
        " skipped + oms_webhook.c: it depends on oms_webhook.b",
    ]


def test_json_events_one_per_line_with_a_summary() -> None:
    lines: list[str] = []
    clock = FakeClock()
    with ApplyProgress(
        2, console=Console(file=io.StringIO()), line=lines.append, clock=clock, fmt="json"
    ) as progress:
        progress(event("oms_setup_step.addresses", "started", Action.RUN))
        clock.now += 10
        progress.tick()
        progress(event("oms_setup_step.addresses", "applied", Action.RUN, remote_id="addresses"))
        progress(event("oms_channel.web", "skipped", message="why"))
        progress.summary(ApplyReport(applied=["oms_setup_step.addresses"], skipped=[("x", "y")]))
    events = [json.loads(line) for line in lines]
    assert [e["event"] for e in events] == ["started", "running", "applied", "skipped", "summary"]
    assert events[2] == {
        "event": "applied",
        "address": "oms_setup_step.addresses",
        "action": "»",
        "remote_id": "addresses",
        "seconds": 10.0,
    }
    assert events[3]["reason"] == "why"
    assert events[4]["ok"] is False and events[4]["applied"] == 1 and events[4]["skipped"] == 1


def test_lines_are_redacted() -> None:
    lines: list[str] = []
    with ApplyProgress(
        1, console=None, line=lines.append, redact=lambda t: t.replace("s3cret", "***")
    ) as progress:
        progress(event("oms_webhook.a", "failed", message="token s3cret refused"))
    assert "s3cret" not in lines[0] and "***" in lines[0]


def test_apply_through_the_engine_reports_remote_ids(tmp_path: Path) -> None:
    harness = BrandHarness(tmp_path)
    harness.write({"settings.yaml": "oms_setting:\n  IS_TRADEIN_ENABLED: {value: true}\n"})
    events: list[ApplyEvent] = []

    async def run() -> None:
        brand = harness.load()
        kinds = engine.kinds_to_read(brand)
        session = await harness_session(harness, brand, kinds)
        async with session:
            current = await engine.read(session, kinds)
            inputs = engine.plan_inputs(session, current)
            plan = engine.plan_from(inputs, current, brand, force=True)
            await engine.apply_brand(session, plan, current, on_event=events.append)

    asyncio.run(run())
    applied = [e for e in events if e.status == "applied"]
    assert applied and all(e.remote_id is not None for e in applied)
