"""The CLI's event loop hands a run's result back without formatting it: ``asyncio.run`` (3.11)
puts its Ctrl-C handler back by formatting an error message with its main task's repr — the
task's result, a whole plan, included — and a plan of thousands of changes cost a noticeable
pause at the end of every ``omsform plan``."""

from __future__ import annotations

from omsform.cli.running import run_async


class Big:
    """A result that counts how often it is formatted."""

    reprs = 0

    def __repr__(self) -> str:
        Big.reprs += 1
        return "Big()"


def test_the_result_comes_back_and_is_never_formatted() -> None:
    async def plan() -> Big:
        return Big()

    Big.reprs = 0
    got = run_async(plan())
    assert isinstance(got, Big)
    assert Big.reprs == 0


def test_an_error_comes_back_as_itself() -> None:
    async def failing() -> None:
        raise KeyError("x")

    try:
        run_async(failing())
    except KeyError as exc:
        assert exc.args == ("x",)
    else:
        raise AssertionError("the error was lost")
