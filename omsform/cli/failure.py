"""How a command fails: every omsform error becomes a located message and exit 1 (never a
traceback), and SIGTERM unwinds the way Ctrl-C does."""

from __future__ import annotations

import functools
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from omsform.cli.output import OUT
from omsform.errors import ConfigError, OmsformError, PlanError, Problem

F = TypeVar("F", bound=Callable[..., Any])


def fails_cleanly(func: F) -> F:
    """Turn every omsform error into a located message and exit 1 — never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            _print_problems(exc.problems)
            OUT.err(f"Error: {exc}")
        except PlanError as exc:
            _print_problems(exc.problems)
            OUT.err(f"Error: {exc.summary if exc.problems else exc}")
            for line in getattr(exc, "moved", []):
                OUT.err(f"  - {line}")
        except OmsformError as exc:
            OUT.err(f"Error: {exc}")
            for line in getattr(exc, "moved", []):
                OUT.err(f"  - {line}")
        except KeyboardInterrupt:
            why = "Terminated (SIGTERM)" if _Sigterm.seen else "Interrupted"
            OUT.err(f"{why}. Run plan again: every change is re-read from the live systems.")
        sys.exit(1)

    return wrapper  # type: ignore[return-value]


class _Sigterm:
    """SIGTERM turned into Ctrl-C, so that the process leaves the way an interrupt does: every
    ``finally`` and ``with`` runs (clients closed, the brand lock released). Raising SIGINT
    (rather than an exception from the handler) lets ``asyncio.run`` cancel its main task
    cleanly instead of leaving a task whose exception is never retrieved."""

    seen = False

    @classmethod
    def handle(cls, signum: int, frame: object) -> None:
        """The SIGTERM handler: remember it, then interrupt."""
        cls.seen = True
        signal.raise_signal(signal.SIGINT)


@contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While inside: SIGTERM unwinds like Ctrl-C instead of killing the process on the spot."""
    try:
        previous = signal.signal(signal.SIGTERM, _Sigterm.handle)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        OUT.err(str(problem))
