"""A fake clock for the in-process sandbox and the client polling it: the sandbox reads the
time from it (``build_app(..., clock=clock)``), the setup-step poll sleeps on it
(:func:`polling_on`), and a sleep moves the time on at once instead of waiting. A test then
sees exactly the states a real wait would show (a job WORKING, then done), in no time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from omsform_akinon_oms.resources import oms_setup_step

START = 1_700_000_000.0


class FakeClock:
    """Seconds since the epoch that move only when someone sleeps (or :meth:`advance`)."""

    def __init__(self, now: float = START) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the time on by ``seconds``."""
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """Record the pause, move the time on, and let other tasks run (as a sleep would)."""
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)


@contextmanager
def polling_on(clock: FakeClock) -> Iterator[None]:
    """Setup-step polls sleep on ``clock`` inside the block."""
    real = oms_setup_step.SLEEP
    oms_setup_step.SLEEP = clock.sleep
    try:
        yield
    finally:
        oms_setup_step.SLEEP = real
