"""``omsform sandbox serve``: both providers' sandboxes on one port, in the foreground."""

from __future__ import annotations

from pathlib import Path

import click

from omsform.cli.failure import fails_cleanly
from omsform.cli.output import OUT


@click.group()
def sandbox() -> None:
    """The local stand-in for Akinon OMS and Ginesys."""


@sandbox.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8700, show_default=True, type=int)
@click.option("--db", default=".omsform-sandbox.sqlite", show_default=True, type=click.Path())
@click.option("--token", default=None, help="Accepted token (default: printed at start).")
@click.option("--latency-ms", default=0.0, type=float)
@click.option("--jitter-ms", default=0.0, type=float)
@click.option("--fail-rate", default=0.0, type=click.FloatRange(0, 1))
@click.option("--rate-limit", default=0.0, type=float, help="Requests per second (0: none).")
@click.option("--step-seconds", default=1.0, type=float, help="How long a setup step runs.")
@click.option("--seed", default="demo", show_default=True, help="demo | empty | large:N")
@click.option(
    "--strict-writes",
    is_flag=True,
    help="400 for unknown or read-only fields and undocumented values (default: ignored as DRF).",
)
@fails_cleanly
def sandbox_serve(
    host: str,
    port: int,
    db: str,
    token: str | None,
    latency_ms: float,
    jitter_ms: float,
    fail_rate: float,
    rate_limit: float,
    step_seconds: float,
    seed: str,
    strict_writes: bool,
) -> None:
    """Serve both providers' sandboxes on one port (foreground)."""
    from omsform.sandbox import DEFAULT_TOKEN, parse_seed, serve
    from omsform.sandbox.knobs import Knobs

    try:
        parse_seed(seed)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--seed") from None
    knobs = Knobs(
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        fail_rate=fail_rate,
        rate_limit_per_s=rate_limit,
        step_seconds=step_seconds,
        strict_writes=strict_writes,
    )
    token = token or DEFAULT_TOKEN
    _say_where(host, port, db, token, seed)
    serve(host=host, port=port, db=db, token=token, seed=seed, knobs=knobs)


def _say_where(host: str, port: int, db: str, token: str, seed: str) -> None:
    """Where the sandbox serves, with what data, and the token to send."""
    seeded = _seeded_before(Path(db))
    OUT.out(f"omsform sandbox on http://{host}:{port} (db {db}, seed {seeded or seed})")
    if seeded:
        OUT.out(
            f"Kept the existing database {db} (seeded '{seeded}' when it was created): --seed "
            f'applies only to a new database, or to POST /_sandbox/reset {{"seed": "{seed}"}}.'
        )
    OUT.out(
        f"Token: {token}   e.g. curl -H 'Authorization: Token {token}' "
        f"http://{host}:{port}/api/v1/oms/channels/"
    )


def _seeded_before(db: Path) -> str | None:
    """The seed an existing sandbox database was made with (``None`` for a new one); an error
    naming the file when it is not a sandbox database."""
    from omsform.engine import run as engine

    store = engine.open_sandbox_db(db)
    try:
        seeded = store.meta_get("sandbox:seed")
    finally:
        store.close()
    return str(seeded) if seeded is not None else None
