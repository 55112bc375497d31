"""Options several commands share: the BRAND argument, the run options (--sandbox, --target,
--parallelism, ...) and --lock-timeout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _lock_timeout(ctx: click.Context, param: click.Parameter, value: str) -> float:
    from omsform.apply.lock import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def lock_option(func: F) -> F:
    return click.option(
        "--lock-timeout",
        default="0",
        callback=_lock_timeout,
        help="Wait this long (30s, 5m) for another run's brand lock; 0 refuses at once.",
    )(func)


def brand_arg() -> Callable[[F], F]:
    return click.argument("brand", default=".", type=click.Path(file_okay=False, path_type=Path))


def run_options(func: F) -> F:
    options = [
        click.option("--sandbox", is_flag=True, help="Use the embedded sandbox in BRAND/.omsform."),
        click.option("--target", "targets", multiple=True, help="Only addresses matching GLOB."),
        click.option(
            "--exclude", "excludes", multiple=True, help="Leave out addresses matching GLOB."
        ),
        click.option(
            "--parallelism",
            type=click.IntRange(1, 32),
            help="Requests in flight per API, fixed (default: adaptive, from 8 up to 16).",
        ),
        click.option("--force", is_flag=True, help="Override the safety threshold."),
        click.option("--refresh-secrets", is_flag=True, help="Send unverified write-only values."),
        click.option("--insecure", is_flag=True, help="Allow plain http:// and skip TLS checks."),
        click.option("-v", "--verbose", is_flag=True, help="Log every HTTP request (redacted)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func
