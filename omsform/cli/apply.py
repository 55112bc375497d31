"""``omsform apply``: make a brand (or a saved plan) so; exit 0 all applied, 1 any error or
failed change."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from omsform.cli import running
from omsform.cli.failure import fails_cleanly
from omsform.cli.options import lock_option, run_options
from omsform.cli.output import OUT
from omsform.errors import PlanError

if TYPE_CHECKING:
    from omsform.apply.report import ApplyReport
    from omsform.cli.progress import ApplyProgress
    from omsform.engine import run as engine
    from omsform.lang.load import Brand
    from omsform.plan.model import Plan


@click.command()
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
@run_options
@lock_option
@fails_cleanly
def apply(
    source: Path, auto_approve: bool, checksum: str | None, lock_timeout: float, **opts: Any
) -> None:
    """Make BRAND (a directory) or PLAN_FILE (a saved plan) so, with the fewest API calls."""
    from omsform.apply import saved as plan_files
    from omsform.apply import target
    from omsform.engine import loop, since
    from omsform.engine import run as engine

    plan_file = plan_files.read_plan(source) if source.is_file() else None
    _refuse_options(source, plan_file, checksum, opts)
    if plan_file is not None:
        opts["sandbox"] = _sandbox_of(plan_file, opts["sandbox"])
    brand = (source.parent / plan_file.brand_dir) if plan_file else source
    loaded = running.load_for_run(brand, opts["sandbox"])
    running.announce(loaded, opts["sandbox"])
    if plan_file:
        since.refuse_left_out(plan_file)
        since.check_digest(plan_file, loaded)
        kinds = engine.kinds_to_read(loaded)
        target.refuse_other_target(
            plan_file, loaded, source.parent, sandbox=opts["sandbox"], kinds=kinds
        )
    with running.brand_lock(loaded, lock_timeout):
        code = loop.run(_apply(loaded, plan_file, auto_approve, opts))
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
    from omsform.engine import run as engine
    from omsform.plan.render import render_apply_report, render_text

    fmt = opts.get("fmt", "text")
    show = OUT.err if fmt == "json" else OUT.out  # JSON mode: stdout holds only the events
    brand_dir = saved.brand_dir if saved else "."

    # a saved plan was checked for safety when it was made; the fresh one only serves to read
    def show_plan(plan: Plan) -> None:
        running.warn_selection(opts, show)
        show(render_text(plan, color=OUT.color and fmt != "json"))

    checked = saved is None
    async with running.planned(
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
        report = await _apply_changes(session, chosen, current, opts, saved=saved is not None)
    show(render_apply_report(report, color=OUT.color and fmt != "json", list_applied=False))
    return 0 if report.ok else 1


async def _apply_changes(
    session: engine.Session,
    chosen: Plan,
    current: dict[str, Any],
    opts: dict[str, Any],
    *,
    saved: bool,
) -> ApplyReport:
    """Apply ``chosen``'s changes through ``session``, showing progress and the summary."""
    from omsform.cli.progress import ticker
    from omsform.engine import run as engine

    with _applying(len(chosen.changes), opts.get("fmt", "text")) as progress:
        async with ticker(progress):
            report = await engine.apply_brand(
                session,
                chosen,
                current,
                parallelism=opts["parallelism"],
                on_event=progress,
                saved=saved,
            )
    progress.summary(report)
    return report


def _applying(total: int, fmt: str) -> ApplyProgress:
    """Apply's feedback: a bar and coloured lines on a terminal, plain lines otherwise, JSON
    events with ``--format json``."""
    from omsform.cli.progress import ApplyProgress
    from omsform.secrets.mask import redact

    return ApplyProgress(
        total,
        console=running.live_console(sys.stdout),
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
    # the event loop turns Ctrl-C into cancelling its task, which only happens once this blocking
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
