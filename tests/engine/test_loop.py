"""The event loop runs use: uvloop where it is installed, plain asyncio where it is not (Windows,
a trimmed install) or where ``OMSFORM_EVENT_LOOP=asyncio`` asks for it; either way a run gives
back what its coroutine returns and the errors it raises."""

from __future__ import annotations

import asyncio
import sys

import pytest

from omsform.engine import loop


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_a_run_uses_uvloop_when_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvloop")
    monkeypatch.delenv(loop.LOOP_ENV, raising=False)
    assert loop.run(_loop_module()).startswith("uvloop")
    assert loop.loop_name() == "uvloop"


def test_without_uvloop_a_run_falls_back_to_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(loop.LOOP_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what a missing package looks like
    assert loop.run(_loop_module()).startswith("asyncio")
    assert loop.loop_name() == "asyncio"


def test_the_environment_can_ask_for_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(loop.LOOP_ENV, "asyncio")
    assert loop.run(_loop_module()).startswith("asyncio")


def test_a_run_returns_the_result_and_raises_the_error() -> None:
    async def fails() -> None:
        raise ValueError("from inside the run")

    assert loop.run(asyncio.sleep(0, result=42)) == 42
    with pytest.raises(ValueError, match="from inside the run"):
        loop.run(fails())


class _Big:
    """A result that counts how often it is formatted."""

    reprs = 0

    def __repr__(self) -> str:
        _Big.reprs += 1
        return "_Big()"


def test_the_result_comes_back_without_being_formatted() -> None:
    """``asyncio.run`` (3.11) formats its main task's repr, result included, when it puts its
    Ctrl-C handler back: for a plan of thousands of changes, a pause at the end of every run."""

    async def plan() -> _Big:
        return _Big()

    _Big.reprs = 0
    assert isinstance(loop.run(plan()), _Big)
    assert _Big.reprs == 0
