"""Suite-wide fixtures."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from omsform_akinon_oms.resources import oms_setup_step
from omsform_akinon_oms.sandbox import setup_steps


class SkipAhead:
    """The setup-step polling pauses, taking no real time: each pause moves the in-process
    sandbox's job clock forward by as much instead (wall time plus what was skipped, so tests
    that wait in real time still see jobs finish)."""

    def __init__(self) -> None:
        self.skipped = 0.0
        self.pauses: list[float] = []

    def now(self) -> float:
        """The sandbox jobs' time."""
        return time.time() + self.skipped

    async def sleep(self, seconds: float) -> None:
        """Record the pause and skip it."""
        self.pauses.append(seconds)
        self.skipped += seconds
        await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def skip_ahead(monkeypatch: pytest.MonkeyPatch) -> Iterator[SkipAhead]:
    """No real sleeps while setup steps are polled (in-process sandbox and client)."""
    fake = SkipAhead()
    monkeypatch.setattr(oms_setup_step, "SLEEP", fake.sleep)
    monkeypatch.setattr(setup_steps, "CLOCK", fake.now)
    yield fake
