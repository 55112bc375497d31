"""The event loop every run uses: uvloop where it is installed, else asyncio's own.

An apply of 1,000 creates is bound by the client's CPU (spec §11 P6), and asyncio's pure-Python
selector loop is a large share of it; uvloop (libuv underneath) runs the same coroutines with
the same semantics for less. It is imported only when a run starts, so ``omsform --version``
does not pay for it, and a platform without it (Windows) runs on plain asyncio.
``OMSFORM_EVENT_LOOP=asyncio`` chooses asyncio's loop anyway (to rule the loop out when
chasing a problem).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

LOOP_ENV = "OMSFORM_EVENT_LOOP"


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop maker when it is installed and not refused by ``OMSFORM_EVENT_LOOP``;
    ``None`` (asyncio's default loop) otherwise."""
    if os.environ.get(LOOP_ENV, "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def loop_name() -> str:
    """``"uvloop"`` or ``"asyncio"``: which loop :func:`run` would use (the debug log says)."""
    return "asyncio" if loop_factory() is None else "uvloop"


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on a new event loop (as :func:`asyncio.run` does: Ctrl-C
    cancels it, async generators and the default executor are shut down at the end).

    ``main``'s result is handed back outside the loop's main task: the runner names that task
    in its Ctrl-C handler, and putting the handler back (Python 3.11) formats an error message
    with the task's repr, its result included, and throws it away: a plan of 2,000 creates
    cost 2 x 60 ms of CPU at the end of every run."""
    box: list[T] = []

    async def body() -> None:
        box.append(await main)

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(body())
    return box[0]
