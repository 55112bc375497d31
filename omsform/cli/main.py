"""The ``omsform`` command line: the only place that prints and chooses exit codes.

Exit codes: ``validate`` 0 valid / 1 invalid; ``plan --detailed-exitcode`` 0 no changes /
2 changes / 1 error; ``plan --drift-exitcode`` 4 drift / 2 intent only / 0 / 1 error (several
brands: the worst, 1 > 4 > 2 > 0); ``apply`` 0 all applied / 1 any error or failed change.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from omsform.apply import saved as plan_files
from omsform.cli import doctor as cli_doctor
from omsform.contract.provider import discover
from omsform.errors import ConfigError, OmsformError, PlanError, Problem, UnsafePlanError
from omsform.lang.load import Brand, load_brand
from omsform.secrets.mask import redact

if TYPE_CHECKING:
    from rich.console import Console

    from omsform.cli.progress import ApplyProgress, ReadProgress
    from omsform.engine import run as engine
    from omsform.http.client import ClientOptions
    from omsform.plan.model import Plan

# The run machinery (engine, httpx clients, renderers) is imported where it is used, so that
# `omsform validate` — run on every commit by pre-commit — starts in a fraction of the time.
STATE_DIR = ".omsform"

F = TypeVar("F", bound=Callable[..., Any])


class Output:
    """Everything the CLI prints goes through here: secrets redacted, colour only on a
    terminal and never with ``NO_COLOR``."""

    def __init__(self) -> None:
        self.secrets: frozenset[str] = frozenset()
        self.color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    def out(self, text: str) -> None:
        """Print to stdout."""
        click.echo(redact(text, self.secrets))

    def err(self, text: str) -> None:
        """Print to stderr."""
        click.echo(redact(text, self.secrets), err=True)


OUT = Output()


def fails_cleanly(func: F) -> F:
    """Turn every omsform error into a located message and exit 1 — never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            _print_problems(exc.problems)
            OUT.err(f"Error: {exc}")
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
def _sigterm_unwinds() -> Iterator[None]:
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


@contextmanager
def _brand_lock(loaded: Brand, timeout: float) -> Iterator[None]:
    """Hold the brand lock (``.omsform/lock``) inside, with SIGTERM unwinding through it."""
    from omsform.apply.lock import BrandLock, command_line

    state_dir = loaded.path / STATE_DIR
    with (
        _sigterm_unwinds(),
        BrandLock(state_dir, command_line(), timeout=timeout, on_message=OUT.err),
    ):
        yield


def _lock_timeout(ctx: click.Context, param: click.Parameter, value: str) -> float:
    from omsform.apply.lock import parse_duration

    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _lock_option(func: F) -> F:
    return click.option(
        "--lock-timeout",
        default="0",
        callback=_lock_timeout,
        help="Wait this long (30s, 5m) for another run's brand lock; 0 refuses at once.",
    )(func)


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        OUT.err(str(problem))


def _brand_arg() -> Callable[[F], F]:
    return click.argument("brand", default=".", type=click.Path(file_okay=False, path_type=Path))


def _run_options(func: F) -> F:
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


class _Group(click.Group):
    """The root group: a usage error (unknown option, bad value, missing file) exits 1 with
    click's message, so exit 2 only ever means "changes" (``plan --detailed-exitcode``)."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            exc.exit_code = 1  # type: ignore[misc]  # per error, not for every UsageError
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = 1  # type: ignore[misc]  # per error, not for every UsageError
            raise


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="omsform")
def main() -> None:
    """omsform: an Akinon OMS brand's configuration as code."""


@main.command()
@_brand_arg()
@click.option(
    "--strict",
    is_flag=True,
    help="Treat every warning as an error (undocumented event types and command classes too).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="json: the problems (file, line, column, code, message, hint) as one document.",
)
@fails_cleanly
def validate(brand: Path, strict: bool, fmt: str) -> None:
    """Check BRAND offline (secrets are placeholders); exit 0 valid, 1 invalid."""
    if fmt == "json":
        _validate_json(brand, strict)
        return
    loaded = load_brand(brand, offline=True, sandbox=True)
    if strict and loaded.warnings:
        raise ConfigError(_as_errors(loaded.warnings))
    for warning in loaded.warnings:
        OUT.err(str(warning))
    kinds = {d.kind for d in loaded.desired.values()}
    OUT.out(f"Valid: {len(loaded.desired)} resources in {len(kinds)} kinds ({brand}).")


def _as_errors(warnings: Iterable[Problem]) -> list[Problem]:
    """``--strict``: every warning as an error."""
    return [dataclasses.replace(w, severity="error") for w in warnings]


def _validate_json(brand: Path, strict: bool) -> None:
    """``validate --format json``: one JSON document on stdout, exit 1 when invalid."""
    from omsform.lang.problemjson import validation_json

    try:
        loaded = load_brand(brand, offline=True, sandbox=True)
    except ConfigError as exc:
        OUT.out(validation_json(str(brand), exc.problems))
        sys.exit(1)
    if strict and loaded.warnings:
        OUT.out(validation_json(str(brand), _as_errors(loaded.warnings)))
        sys.exit(1)
    kinds = {d.kind for d in loaded.desired.values()}
    counts = {"resources": len(loaded.desired), "kinds": len(kinds)}
    OUT.out(validation_json(str(brand), loaded.warnings, **counts))


def _load_for_run(brand: Path, sandbox: bool) -> Brand:
    loaded = load_brand(brand, sandbox=sandbox)
    OUT.secrets = loaded.secrets
    for warning in loaded.warnings:
        OUT.err(str(warning))
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
    from omsform.sandbox import DEFAULT_TOKEN

    return {n: p.sandbox_config("http://sandbox", DEFAULT_TOKEN) for n, p in discover().items()}


def _announce(loaded: Brand, sandbox: bool) -> None:
    if sandbox:
        db = loaded.path / STATE_DIR / "sandbox.sqlite"
        OUT.err(f"Using the embedded sandbox ({db}), not the providers' URLs.")


def _live_console(stream: Any) -> Console | None:
    """A rich console for live progress on ``stream`` when it is a terminal (else None)."""
    from rich.console import Console

    if not stream.isatty():
        return None
    return Console(file=stream, no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def _reading(kinds: list[str]) -> ReadProgress:
    """What reading shows: a spinner with counts on a terminal (stderr), else two lines."""
    from omsform.cli.progress import ReadProgress

    return ReadProgress(kinds, console=_live_console(sys.stderr), line=OUT.err)


@asynccontextmanager
async def _planned(
    loaded: Brand,
    opts: dict[str, Any],
    brand_dir: str,
    *,
    check_safety: bool = True,
    show_refused: Callable[[Plan], None] | None = None,
) -> AsyncIterator[tuple[Plan, dict[str, Any], engine.Session]]:
    """Open clients, read, resolve what a killed run left uncertain, and plan; the clients
    stay open inside the block (apply writes through them) and are closed after it.
    ``show_refused`` shows a plan the safety rules refuse, before the refusal is printed."""
    from omsform.apply import target
    from omsform.cli.progress import ticker
    from omsform.engine import run as engine

    kinds = engine.kinds_to_read(loaded)
    # per provider: fixed by --parallelism, else adaptive (None)
    connections = opts.get("connections", opts.get("parallelism"))
    async with AsyncExitStack() as stack:
        with _reading(kinds) as shown:  # shown from the start: logging in can take time too
            async with ticker(shown):
                options = _options(
                    loaded, opts["sandbox"], opts["insecure"], opts["verbose"], connections
                )
                session = await engine.open_session(
                    loaded, kinds=kinds, options=options, configs=_sandbox_configs(opts["sandbox"])
                )
                await stack.enter_async_context(session)
                current = await engine.read(session, kinds, on_listed=shown.listed)
        for line in engine.recover(session, current):
            OUT.err(f"Resolved an operation a killed run left uncertain: {line}")
        inputs = engine.plan_inputs(
            session,
            current,
            targets=tuple(opts["targets"]),
            excludes=tuple(opts["excludes"]),
            refresh_secrets=opts["refresh_secrets"],
            brand_dir=brand_dir,
        )
        force = opts["force"] or not check_safety
        try:
            made = engine.plan_from(inputs, current, loaded, force=force)
        except UnsafePlanError as exc:
            if exc.plan is not None and show_refused is not None:
                show_refused(exc.plan)  # the plan first, then (fails_cleanly) the refusal
            raise
        sandbox_db = os.path.join(brand_dir, STATE_DIR, "sandbox.sqlite")
        where = target.plan_target(loaded, kinds, sandbox=sandbox_db if opts["sandbox"] else None)
        yield made.model_copy(update={"target": where}), current, session


def _warn_selection(opts: dict[str, Any], show: Callable[[str], None]) -> None:
    """The banner saying --target/--exclude narrow this plan."""
    from omsform.plan.render import render_selection_warning

    banner = render_selection_warning(opts.get("targets", ()), opts.get("excludes", ()))
    if banner:
        show(click.style(banner, fg="yellow", bold=True) if OUT.color else banner)


PLAN_FORMATS = ["text", "json", "markdown", "tf-json"]


def _render(plan: Plan, fmt: str, *, complete: bool = True, plan_file: Path | None = None) -> str:
    """``complete``: false when --target/--exclude narrowed the plan (tf-json says so);
    ``plan_file``: the saved plan, named in the Markdown's apply command."""
    from omsform.plan.render import render_json, render_markdown, render_text
    from omsform.plan.render_tf import render_tf_json

    if fmt == "json":
        return render_json(plan)
    if fmt == "tf-json":
        return render_tf_json(plan, complete=complete)
    if fmt == "markdown":
        return render_markdown(plan, plan_file=str(plan_file) if plan_file else None)
    return render_text(plan, color=OUT.color)


@main.command()
@click.argument("brands", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(PLAN_FORMATS), default="text")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes.")
@cli_doctor.record_option
@click.option(
    "--drift-exitcode", is_flag=True, help="Exit 4 on drift, 2 on intent only, 0 on neither."
)
@_run_options
@_lock_option
@fails_cleanly
def plan(
    brands: tuple[Path, ...],
    out_file: Path | None,
    fmt: str,
    lock_timeout: float,
    record_dir: Path | None,
    **opts: Any,
) -> None:
    """Show what apply would change in BRAND, field by field (read-only). Several BRANDS are
    planned in one run, with one summary table; the exit code is the worst of them."""
    from omsform.cli.multi import plan_brands, plan_exit_code

    if len(brands) > 1:
        if out_file:
            raise PlanError("-o saves one brand's plan: give one BRAND, or leave out -o")
        sys.exit(plan_brands(brands, fmt, opts))
    brand = brands[0] if brands else Path(".")
    if out_file:
        plan_files.check_output(out_file)
    loaded = _load_for_run(brand, opts["sandbox"])
    _announce(loaded, opts["sandbox"])
    brand_dir = os.path.relpath(loaded.path, out_file.parent.resolve()) if out_file else "."

    complete = not (opts["targets"] or opts["excludes"])

    def show(shown: Plan) -> None:
        _warn_selection(opts, OUT.out if fmt == "text" else OUT.err)
        OUT.out(_render(shown, fmt, complete=complete, plan_file=out_file))

    async def run() -> Plan:
        async with _planned(loaded, opts, brand_dir, show_refused=show) as (made, _, _):
            return made

    # a saved plan is made under the lock: never beside a running apply
    locked = _brand_lock(loaded, lock_timeout) if out_file else contextlib.nullcontext()
    with locked, cli_doctor.recording_for(loaded, record_dir, "plan", opts["sandbox"]):
        made = asyncio.run(run())
    show(made)
    if out_file:
        plan_files.write_output(out_file, made.to_json())
        OUT.err(f"Saved the plan to {out_file} (checksum {made.checksum()}).")
    sys.exit(plan_exit_code(made, detailed=opts["detailed_exitcode"], drift=opts["drift_exitcode"]))


@main.command()
@click.argument("source", default=".", type=click.Path(exists=True, path_type=Path))
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option("--checksum", help="Refuse unless the saved plan has this checksum.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="json: one event per line on stdout (started, applied, failed, skipped, summary).",
)
@_run_options
@_lock_option
@fails_cleanly
def apply(
    source: Path, auto_approve: bool, checksum: str | None, lock_timeout: float, **opts: Any
) -> None:
    """Make BRAND (a directory) or PLAN_FILE (a saved plan) so, with the fewest API calls."""
    from omsform.apply import target
    from omsform.engine import run as engine

    plan_file = plan_files.read_plan(source) if source.is_file() else None
    _refuse_options(source, plan_file, checksum, opts)
    if plan_file is not None:
        opts["sandbox"] = _sandbox_of(plan_file, opts["sandbox"])
    brand = (source.parent / plan_file.brand_dir) if plan_file else source
    loaded = _load_for_run(brand, opts["sandbox"])
    _announce(loaded, opts["sandbox"])
    if plan_file:
        if plan_file.config_digest != loaded.digest:
            raise PlanError("the brand's YAML changed since this plan was made: run plan again")
        kinds = engine.kinds_to_read(loaded)
        target.refuse_other_target(
            plan_file, loaded, source.parent, sandbox=opts["sandbox"], kinds=kinds
        )
    with _brand_lock(loaded, lock_timeout):
        code = asyncio.run(_apply(loaded, plan_file, auto_approve, opts))
    sys.exit(code)


def _sandbox_of(saved: Plan, sandbox_flag: bool) -> bool:
    """Whether a saved plan runs on the embedded sandbox: where it was made (``--sandbox`` only
    for a plan saved before plans recorded it)."""
    if saved.target is None:
        return sandbox_flag
    if saved.target.sandbox is not None and not sandbox_flag:
        OUT.err("The saved plan was made against the embedded sandbox: applying it there.")
    return saved.target.sandbox is not None or sandbox_flag


def _refuse_options(
    source: Path, plan_file: Plan | None, checksum: str | None, opts: dict[str, Any]
) -> None:
    """Options that do not fit what is applied. A saved plan runs exactly as approved, so it
    takes no --target/--exclude; --checksum binds a saved plan, so a directory takes none."""
    if plan_file is None:
        if checksum:
            raise PlanError(
                f"--checksum binds an approval to a saved plan, but {source} is a brand "
                "directory: save the plan with `omsform plan -o FILE` and apply FILE"
            )
        return
    if checksum and plan_file.checksum() != checksum:
        raise PlanError(f"the plan's checksum is {plan_file.checksum()}, not {checksum}: refusing")
    flags = [f for f, key in (("--target", "targets"), ("--exclude", "excludes")) if opts[key]]
    if flags:
        raise PlanError(
            f"{' and '.join(flags)} cannot narrow a saved plan ({source}): it applies exactly "
            "what was approved. Make a new plan with them (`omsform plan "
            f"{' '.join(f + ' GLOB' for f in flags)} -o FILE`) and apply that"
        )


async def _apply(
    loaded: Brand, saved: Plan | None, auto_approve: bool, opts: dict[str, Any]
) -> int:
    from omsform.apply.report import ApplyReport
    from omsform.cli.progress import ticker
    from omsform.engine import run as engine
    from omsform.plan.render import render_apply_report, render_text

    fmt = opts.get("fmt", "text")
    show = OUT.err if fmt == "json" else OUT.out  # JSON mode: stdout holds only the events
    brand_dir = saved.brand_dir if saved else "."

    # a saved plan was checked for safety when it was made; the fresh one only serves to read
    def show_plan(plan: Plan) -> None:
        _warn_selection(opts, show)
        show(render_text(plan, color=OUT.color and fmt != "json"))

    checked = saved is None
    async with _planned(
        loaded, opts, brand_dir, check_safety=checked, show_refused=show_plan
    ) as planned:
        fresh, current, session = planned
        if saved is not None:
            saved = engine.restore_keys(session, saved)  # real keys back: secrets in keys
            engine.refuse_if_stale(saved, current)
            engine.refuse_unsafe_saved(saved, session, current)
        chosen = saved or fresh
        show_plan(chosen)
        if not chosen.has_changes:
            _applying(0, fmt).summary(ApplyReport())
            return 0
        # a saved plan was approved when it was reviewed (as with Terraform's saved plans)
        if saved is None and not auto_approve and not _confirm(fmt):
            OUT.err("Apply cancelled.")
            return 1
        with _applying(len(chosen.changes), fmt) as progress:
            async with ticker(progress):
                report = await engine.apply_brand(
                    session,
                    chosen,
                    current,
                    parallelism=opts["parallelism"],
                    on_event=progress,
                    saved=saved is not None,
                )
        progress.summary(report)
    show(render_apply_report(report, color=OUT.color and fmt != "json", list_applied=False))
    return 0 if report.ok else 1


def _applying(total: int, fmt: str) -> ApplyProgress:
    """Apply's feedback: a bar and coloured lines on a terminal, plain lines otherwise, JSON
    events with ``--format json``."""
    from omsform.cli.progress import ApplyProgress

    return ApplyProgress(
        total,
        console=_live_console(sys.stdout),
        line=OUT.out,
        fmt=fmt,
        redact=lambda text: redact(text, OUT.secrets),
    )


QUESTION = "Apply these changes? Only 'yes' will be accepted"


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _confirm(fmt: str = "text") -> bool:
    """Ask for ``yes``. On a terminal Ctrl-C cancels at once; otherwise the answer is the first
    line of stdin (``echo yes | omsform apply``), as Terraform reads it."""
    if not _stdin_is_terminal():
        click.echo(f"{QUESTION}: ", nl=False, err=fmt == "json")
        answer = sys.stdin.readline().strip()
        click.echo(answer, err=fmt == "json")
        return answer == "yes"
    # asyncio.run turns Ctrl-C into cancelling its task, which only happens once this blocking
    # prompt returns (the user had to press Enter): raise it here instead, while we wait
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        answer = click.prompt(QUESTION, default="", show_default=False, err=fmt == "json")
    except (click.Abort, KeyboardInterrupt, EOFError):
        click.echo("", err=True)
        return False
    finally:
        signal.signal(signal.SIGINT, previous)
    return bool(answer == "yes")


@main.command()
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(PLAN_FORMATS), default="text")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes.")
@click.option(
    "--drift-exitcode", is_flag=True, help="Exit 4 on drift, 2 on intent only, 0 on neither."
)
@fails_cleanly
def show(plan_file: Path, fmt: str, detailed_exitcode: bool, drift_exitcode: bool) -> None:
    """Render a saved plan (offline); the exit code flags mean what they mean for plan."""
    from omsform.cli.multi import plan_exit_code

    saved = plan_files.read_plan(plan_file)
    OUT.out(_render(saved, fmt, plan_file=plan_file))
    sys.exit(plan_exit_code(saved, detailed=detailed_exitcode, drift=drift_exitcode))


@main.command()
@_brand_arg()
@click.option("--kind", help="Draw the flow this kind defines (oms_transition: package commands).")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid")
@fails_cleanly
def graph(brand: Path, kind: str | None, fmt: str) -> None:
    """Draw BRAND's dependency graph, or with --kind a kind's flow, offline."""
    from omsform.plan import graph as graphs

    loaded = load_brand(brand, offline=True, sandbox=True)
    for warning in loaded.warnings:
        OUT.err(str(warning))
    if kind:
        edges = graphs.flow_graph(loaded.desired, kind)
        if not edges:
            OUT.err(f"No {kind} objects are declared: the flow is empty.")
        OUT.out(graphs.render(edges, fmt).rstrip("\n"))
    else:
        edges = graphs.dependency_graph(loaded.desired)
        OUT.out(graphs.render(edges, fmt, nodes=loaded.desired).rstrip("\n"))


@main.group()
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
    serve(host=host, port=port, db=db, token=token, seed=seed, knobs=knobs)


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


def _register_more_commands() -> None:
    """Commands that live in their own modules (adoption: import, fmt, schema; doctor; docs;
    init; pull)."""
    from omsform.cli import adopt as cli_adopt
    from omsform.cli import doctor as cli_doctor
    from omsform.cli import pull as cli_pull
    from omsform.guide import docs, init

    cli_adopt.register(main, OUT, fails_cleanly)
    cli_doctor.register(main, OUT, fails_cleanly)
    cli_pull.register(main, OUT, fails_cleanly)
    docs.register(main, OUT, fails_cleanly)
    init.register(main, OUT, fails_cleanly)


_register_more_commands()
