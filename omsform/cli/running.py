"""What plan, apply, pull and several brands' plans share: loading a brand for a run, the
brand lock, clients, reading with progress, and planning with the clients kept open."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from omsform.cli.failure import sigterm_unwinds
from omsform.cli.output import OUT
from omsform.errors import UnsafePlanError

if TYPE_CHECKING:
    from rich.console import Console

    from omsform.cli.progress import ReadProgress
    from omsform.engine import run as engine
    from omsform.engine.ahead import Head
    from omsform.engine.since import Selection
    from omsform.http.client import ClientOptions
    from omsform.lang.load import Brand
    from omsform.plan.model import Plan, PlanTarget

STATE_DIR = ".omsform"


@contextmanager
def brand_lock(loaded: Brand, timeout: float) -> Iterator[None]:
    """Hold the brand lock (``.omsform/lock``) inside, with SIGTERM unwinding through it."""
    from omsform.apply.lock import BrandLock, command_line

    state_dir = loaded.path / STATE_DIR
    with (
        sigterm_unwinds(),
        BrandLock(state_dir, command_line(), timeout=timeout, on_message=OUT.err),
    ):
        yield


def load_for_run(brand: Path, sandbox: bool, opts: dict[str, Any] | None = None) -> Brand:
    """The brand, its warnings shown. With ``opts["changed_since"]`` (``plan``): only the files
    the change reaches, and the selection made on the way kept as ``opts["selection"]``."""
    ref = (opts or {}).get("changed_since")
    if opts is not None and ref is not None:
        from omsform.engine import gitdiff

        gitdiff.prefetch(brand, ref)  # git runs while the slow imports below are made
    from omsform.lang.load import load_brand

    if opts is None or ref is None:
        loaded = load_brand(brand, sandbox=sandbox)
    else:
        from omsform.engine import since

        loaded, opts["selection"] = since.load_changed(
            brand, ref, lambda kinds: load_brand(brand, sandbox=sandbox, kinds=kinds)
        )
    OUT.secrets = loaded.secrets
    if loaded.warnings:  # one write: a large brand has hundreds (946 on W5k)
        OUT.err("\n".join(str(warning) for warning in loaded.warnings))
    return loaded


def _options(
    loaded: Brand, sandbox: bool, insecure: bool, verbose: bool, connections: int | None = None
) -> ClientOptions:
    from omsform.engine import run as engine
    from omsform.http.client import ClientOptions

    if insecure:
        OUT.err("Warning: --insecure: TLS certificates are not checked and http:// is allowed.")
    return ClientOptions(
        transport=engine.sandbox_transport(loaded.path) if sandbox else None,
        insecure=insecure,
        debug_log=OUT.err if verbose else None,
        secrets=loaded.secrets,
        concurrency=connections,
    )


def _sandbox_configs(sandbox: bool) -> dict[str, Any] | None:
    if not sandbox:
        return None
    from omsform.contract.provider import registry
    from omsform.sandbox import DEFAULT_TOKEN

    return registry().sandbox_configs("http://sandbox", DEFAULT_TOKEN)


def announce(loaded: Brand, sandbox: bool) -> None:
    if sandbox:
        db = loaded.path / STATE_DIR / "sandbox.sqlite"
        OUT.err(f"Using the embedded sandbox ({db}), not the providers' URLs.")


def live_console(stream: Any) -> Console | None:
    """A rich console for live progress on ``stream`` when it is a terminal (else None)."""
    if not stream.isatty():  # rich is imported only for a terminal (it costs ~20 ms)
        return None
    from rich.console import Console

    return Console(file=stream, no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def _reading(kinds: list[str]) -> ReadProgress:
    """What reading shows: a spinner with counts on a terminal (stderr), else two lines."""
    from omsform.cli.progress import ReadProgress

    return ReadProgress(kinds, console=live_console(sys.stderr), line=OUT.err)


@asynccontextmanager
async def planned(
    loaded: Brand,
    opts: dict[str, Any],
    brand_dir: str,
    *,
    check_safety: bool = True,
    show_refused: Callable[[Plan], None] | None = None,
    head: Head | None = None,
) -> AsyncIterator[tuple[Plan, dict[str, Any], engine.Session]]:
    """Open clients, read, resolve what a killed run left uncertain, and plan; the clients
    stay open inside the block (apply writes through them) and are closed after it.
    ``show_refused`` shows a plan the safety rules refuse, before the refusal is printed;
    ``head``: clients opened and listings started while the brand loaded (``plan``)."""
    from omsform.engine import run as engine
    from omsform.engine import since

    selection = _changed_since(loaded, opts)
    kinds = since.kinds_to_read(loaded, selection)
    async with AsyncExitStack() as stack:
        session, current = await _read_live(stack, loaded, kinds, opts, head)
        inputs = engine.plan_inputs(
            session,
            current,
            targets=tuple(opts["targets"]),
            excludes=tuple(opts["excludes"]),
            refresh_secrets=opts["refresh_secrets"],
            brand_dir=brand_dir,
            digest=opts.get("digest", True),
        )
        inputs = since.narrowed(inputs, selection)  # --changed-since: only the kinds compared
        force = opts["force"] or not check_safety
        try:
            with since.explained(selection):
                made = engine.plan_from(inputs, current, loaded, force=force)
        except UnsafePlanError as exc:
            if exc.plan is not None and show_refused is not None:
                show_refused(exc.plan)  # the plan first, then (fails_cleanly) the refusal
            raise
        where = _plan_target(loaded, kinds, selection, brand_dir, opts["sandbox"])
        yield since.mark(made, selection).model_copy(update={"target": where}), current, session


def _changed_since(loaded: Brand, opts: dict[str, Any]) -> Selection | None:
    """``--changed-since REF``: the kinds to read and compare, said on stderr (else ``None``)."""
    from omsform.engine import since

    selection = opts.get("selection")  # chosen while loading (`plan`), else chosen now
    if selection is None and opts.get("changed_since") is not None:
        selection = since.select_changed(loaded, opts["changed_since"])
    if selection is not None:
        OUT.err(selection.describe())
    return selection


async def _read_live(
    stack: AsyncExitStack,
    loaded: Brand,
    kinds: list[str],
    opts: dict[str, Any],
    head: Head | None = None,
) -> tuple[engine.Session, dict[str, Any]]:
    """Log in and read ``kinds``, showing progress, then resolve what a killed run left
    uncertain; the session closes with ``stack``."""
    from omsform.cli.progress import ticker
    from omsform.engine import run as engine

    # per provider: fixed by --parallelism, else adaptive (None)
    connections = opts.get("connections", opts.get("parallelism"))
    with _reading(kinds) as shown:  # shown from the start: logging in can take time too
        async with ticker(shown):
            options = _options(
                loaded, opts["sandbox"], opts["insecure"], opts["verbose"], connections
            )
            if head is not None:
                session = await head.session(loaded, kinds, options)
            else:
                session = await engine.open_session(
                    loaded, kinds=kinds, options=options, configs=_sandbox_configs(opts["sandbox"])
                )
            await stack.enter_async_context(session)
            current = await engine.read(session, kinds, on_listed=shown.listed)
    for line in engine.recover(session, current):
        OUT.err(f"Resolved an operation a killed run left uncertain: {line}")
    return session, current


def _plan_target(
    loaded: Brand, kinds: list[str], selection: Selection | None, brand_dir: str, sandbox: bool
) -> PlanTarget:
    """The systems the plan is for, which apply checks again."""
    from omsform.apply import target
    from omsform.engine import since

    sandbox_db = os.path.join(brand_dir, STATE_DIR, "sandbox.sqlite")
    # a partial plan names every provider the brand uses, as apply checks them all
    every = since.every_kind(loaded) if selection and selection.partial else kinds
    return target.plan_target(loaded, every, sandbox=sandbox_db if sandbox else None)


def warn_selection(opts: dict[str, Any], show: Callable[[str], None]) -> None:
    """The banner saying --target/--exclude narrow this plan."""
    from omsform.plan.render import render_selection_warning

    banner = render_selection_warning(opts.get("targets", ()), opts.get("excludes", ()))
    if banner:
        show(click.style(banner, fg="yellow", bold=True) if OUT.color else banner)
