"""Feedback during long work: reading the live systems and applying a plan.

On a terminal a rich display (spinner, counts, elapsed time) that the CLI's ticker refreshes at
most 10 times a second, with a line printed above it as each change finishes; otherwise plain
lines only (CI logs, pipes). ``--format json`` turns apply's lines into one JSON event each.

Nothing here sleeps or reads the wall clock by itself: the clock is injected (``clock``) and
time only moves when :meth:`tick` is called, so tests drive it with a fake clock and a
``Console(force_terminal=True)`` writing to a ``StringIO``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # rich is imported only when a terminal shows progress (~20 ms)
    from rich.console import Console
    from rich.progress import Progress

    from omsform.apply.report import ApplyReport
    from omsform.apply.run import ApplyEvent

Clock = Callable[[], float]
Line = Callable[[str], None]
REFRESH_SECONDS = 0.1  # at most 10 refreshes a second
STILL_RUNNING_EVERY = 10.0  # a slow change gets a "still running" line this often

_STATUS_STYLE = {"applied": "green", "failed": "bold red", "skipped": "yellow"}


class Ticking(Protocol):
    """Something the ticker refreshes."""

    def tick(self) -> None:
        """Bring the display up to the clock's time."""


@asynccontextmanager
async def ticker(
    display: Ticking,
    *,
    every: float = REFRESH_SECONDS,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> AsyncIterator[None]:
    """Call ``display.tick()`` every ``every`` seconds while the block runs."""

    async def loop() -> None:
        while True:
            await sleep(every)
            display.tick()

    task = asyncio.ensure_future(loop())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def _progress(console: Console, clock: Clock, *columns: Any) -> Progress:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        *columns,
        TimeElapsedColumn(),
        console=console,
        auto_refresh=False,  # the ticker refreshes, so time never stands still nor races
        transient=True,
        get_time=clock,
    )


def _seconds(value: float) -> str:
    return f"{value:.1f}s" if value < 10 else f"{value:.0f}s"


class ReadProgress:
    """Reading ``kinds``: "reading 7 kinds… 3/7, 1,250 objects" with a spinner on a terminal
    (``console``), else a line when reading starts and one when it ends (``line``)."""

    def __init__(
        self,
        kinds: Iterable[str],
        *,
        console: Console | None,
        line: Line,
        clock: Clock = time.monotonic,
    ) -> None:
        self.kinds = frozenset(kinds)
        self.console, self.line, self.clock = console, line, clock
        self.done: set[str] = set()
        self.objects = 0
        self.started = 0.0
        self.bar: Progress | None = None
        self.running = False

    def __enter__(self) -> ReadProgress:
        self.started, self.running = self.clock(), True
        if self.console is None:
            self.line(f"Reading {self._kinds()}…")
            return self
        self.bar = _progress(self.console, self.clock)
        self.task = self.bar.add_task(self.description(), total=None)
        self.bar.start()  # drawn at once: the first frame does not wait for a tick
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.running = False
        if self.bar is not None:
            self.bar.stop()
        elif exc_type is None:
            took = _seconds(self.clock() - self.started)
            self.line(f"Read {self._kinds()}, {self._objects()} in {took}.")

    def listed(self, kind: str, count: int) -> None:
        """One kind's listing finished with ``count`` objects (a kind listed again, after an
        unclear write, is not counted twice)."""
        if not self.running or kind not in self.kinds or kind in self.done:
            return
        self.done.add(kind)
        self.objects += count
        if self.bar is not None:
            self.bar.update(self.task, description=self.description())
            self.bar.refresh()

    def tick(self) -> None:
        """Redraw (spinner and elapsed time move on)."""
        if self.bar is not None and self.running:
            self.bar.refresh()

    def description(self) -> str:
        """``reading 7 kinds… 3/7, 1,250 objects``."""
        return f"reading {self._kinds()}… {len(self.done)}/{len(self.kinds)}, {self._objects()}"

    def _kinds(self) -> str:
        return f"{len(self.kinds)} kind{'s' if len(self.kinds) != 1 else ''}"

    def _objects(self) -> str:
        return f"{self.objects:,} object{'s' if self.objects != 1 else ''}"


@dataclass
class _Running:
    action: str
    since: float
    next_note: float


class ApplyProgress:
    """Apply's feedback, fed :class:`~omsform.apply.run.ApplyEvent`\\ s.

    ``fmt="text"``: a line per finished change (status, action, address, remote id, duration),
    coloured on a terminal where a bar shows the running change and the elapsed time; a
    "still running ADDRESS… 20s" line every ``every`` seconds for a slow change.
    ``fmt="json"``: one JSON object per line instead (``event``: started, applied, failed,
    skipped, running, then ``summary`` from :meth:`summary`), never a bar.
    ``redact`` is applied to every line before it is shown.
    """

    def __init__(
        self,
        total: int,
        *,
        console: Console | None,
        line: Line,
        clock: Clock = time.monotonic,
        fmt: str = "text",
        every: float = STILL_RUNNING_EVERY,
        redact: Callable[[str], str] = str,
    ) -> None:
        self.total, self.line, self.clock, self.fmt = total, line, clock, fmt
        self.console = console if fmt == "text" else None
        self.every, self.redact = every, redact
        self.running: dict[str, _Running] = {}
        self.started = clock()
        self.drawn_at = float("-inf")  # when the bar was last redrawn
        self.bar: Progress | None = None

    def __enter__(self) -> ApplyProgress:
        self.started = self.clock()
        if self.console is not None:
            from rich.progress import BarColumn, MofNCompleteColumn

            self.bar = _progress(self.console, self.clock, BarColumn(), MofNCompleteColumn())
            self.task = self.bar.add_task("applying", total=self.total)
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, event: ApplyEvent) -> None:
        now = self.clock()
        if event.status == "started":
            self.running[event.address] = _Running(event.action.value, now, now + self.every)
            self._emit({"event": "started", "address": event.address, "action": event.action})
            self._redraw()
            return
        began = self.running.pop(event.address, None)
        took = now - began.since if began else None
        self._finished(event, took)
        if self.bar is not None:
            self.bar.advance(self.task)
        self._redraw()

    def tick(self) -> None:
        """Say which slow changes are still running (every ``every`` s each), and redraw."""
        now = self.clock()
        for address, run in sorted(self.running.items()):
            if now >= run.next_note:
                run.next_note += self.every
                took = now - run.since
                if self.fmt == "json":
                    self._emit({"event": "running", "address": address, "seconds": round(took, 1)})
                else:
                    self._print(f"  still running {address}… {took:.0f}s", "dim")
        self._redraw(force=True)

    def summary(self, report: ApplyReport) -> None:
        """The closing ``summary`` event (JSON only; text gets the apply report)."""
        self._emit(
            {
                "event": "summary",
                "ok": report.ok,
                "applied": len(report.applied),
                "failed": len(report.failed),
                "skipped": len(report.skipped),
                "seconds": round(self.clock() - self.started, 1),
            }
        )

    # --- output -------------------------------------------------------------------------------
    def _finished(self, event: ApplyEvent, took: float | None) -> None:
        remote_id = getattr(event, "remote_id", None)
        if self.fmt == "json":
            doc: dict[str, Any] = {"event": event.status, "address": event.address}
            doc["action"] = event.action.value
            if remote_id is not None:
                doc["remote_id"] = remote_id
            if took is not None:
                doc["seconds"] = round(took, 1)
            if event.message:
                doc["reason" if event.status == "skipped" else "message"] = event.message
            self._emit(doc)
            return
        facts = [f"id {remote_id}"] if remote_id is not None and event.status == "applied" else []
        facts += [_seconds(took)] if took is not None else []
        extra = f" ({', '.join(facts)})" if facts else ""
        why = f": {event.message}" if event.message else ""
        text = f"{event.status:>8} {event.action.value} {event.address}{extra}{why}"
        self._print(text, _STATUS_STYLE.get(event.status, ""))

    def _emit(self, doc: dict[str, Any]) -> None:
        if self.fmt == "json":
            self.line(self.redact(json.dumps(doc, ensure_ascii=False, default=str)))

    def _print(self, text: str, style: str) -> None:
        shown = self.redact(text)
        if self.bar is not None:
            from rich.text import Text

            self.bar.console.print(Text(shown, style=style), highlight=False, soft_wrap=True)
        else:
            self.line(shown)

    def _redraw(self, *, force: bool = False) -> None:
        # at most every REFRESH_SECONDS: 1,000 changes finishing in a second redraw 10 times
        if self.bar is None:
            return
        now = self.clock()
        if not force and now - self.drawn_at < REFRESH_SECONDS:
            return
        self.drawn_at = now
        self.bar.update(self.task, description=self.description())
        self.bar.refresh()

    def description(self) -> str:
        """``applying oms_setup_step.addresses 20s (+2 more)``: the longest-running change."""
        if not self.running:
            return "applying"
        address, run = min(self.running.items(), key=lambda item: (item[1].since, item[0]))
        more = f" (+{len(self.running) - 1} more)" if len(self.running) > 1 else ""
        return f"applying {address} {self.clock() - run.since:.0f}s{more}"
