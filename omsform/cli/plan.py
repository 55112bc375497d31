"""``omsform plan`` (one brand or several) and ``omsform show`` (a saved plan, offline).

Exit codes: ``--detailed-exitcode`` 0 no changes / 2 changes / 1 error; ``--drift-exitcode`` 4
drift / 2 intent only / 0 / 1 error (several brands: the worst, 1 > 4 > 2 > 0).
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from omsform.cli import doctor as cli_doctor
from omsform.cli import running
from omsform.cli.failure import fails_cleanly
from omsform.cli.options import lock_option, run_options
from omsform.cli.output import OUT
from omsform.errors import PlanError
from omsform.gcpause import gc_paused

if TYPE_CHECKING:
    from omsform.engine import ahead
    from omsform.lang.load import Brand
    from omsform.plan.model import Plan


PLAN_FORMATS = ["text", "json", "markdown", "tf-json"]
READ_AHEAD_ENV = "OMSFORM_READ_AHEAD"
"""Set to ``0`` to make ``plan`` read only after the brand is loaded (see :func:`_reads_ahead`)."""
SWITCH_WHILE_LOADING = 0.0005
"""Seconds a thread may hold the interpreter while another waits, while the brand loads in a
worker thread and the listings started ahead answer: each answer waits at most this long
for the loop thread to run (the default, 5 ms, added up over a listing's pages)."""


def _render(plan: Plan, fmt: str, *, complete: bool = True, plan_file: Path | None = None) -> str:
    """``complete``: false when --target/--exclude narrowed the plan (tf-json says so);
    ``plan_file``: the saved plan, named in the Markdown's apply command."""
    from omsform.plan.render import render_json, render_markdown, render_text

    if fmt == "json":
        return render_json(plan)
    if fmt == "tf-json":
        from omsform.plan.render_tf import render_tf_json

        return render_tf_json(plan, complete=complete and plan.complete)
    if fmt == "markdown":
        return render_markdown(plan, plan_file=str(plan_file) if plan_file else None)
    return render_text(plan, color=OUT.color)


@click.command()
@click.argument("brands", nargs=-1, type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(PLAN_FORMATS), default="text")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes.")
@click.option(
    "--changed-since",
    metavar="REF",
    help="Read only the kinds whose files differ from git REF, and the kinds they reference "
    "or that reference them (a partial plan: it names the kinds left out).",
)
@cli_doctor.record_option
@click.option(
    "--drift-exitcode", is_flag=True, help="Exit 4 on drift, 2 on intent only, 0 on neither."
)
@run_options
@lock_option
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
        from omsform.apply import saved as plan_files

        plan_files.check_output(out_file)
    opts["digest"] = out_file is not None or fmt != "text"  # text never shows the digest
    _skip_final_collection()
    # one plan keeps nearly all it makes to the end (the brand, what was read, the plan) and
    # makes few cycles: the collector's passes over that growing heap cost it 10-20 ms
    with gc_paused():
        made = _plan_one(brand, out_file, fmt, lock_timeout, record_dir, opts)
    sys.exit(plan_exit_code(made, detailed=opts["detailed_exitcode"], drift=opts["drift_exitcode"]))


def _plan_one(
    brand: Path,
    out_file: Path | None,
    fmt: str,
    lock_timeout: float,
    record_dir: Path | None,
    opts: dict[str, Any],
) -> Plan:
    """Load, read and plan one brand, show the plan and save it with ``-o``; the plan."""
    from omsform.engine import loop

    if _reads_ahead(out_file, record_dir, opts):
        if opts.get("changed_since") is not None:
            from omsform.engine import gitdiff

            gitdiff.prefetch(brand, opts["changed_since"])  # git runs while the rest imports
        made = loop.run(_made_ahead(brand, fmt, opts))
        _show(made, fmt, opts, None)
        return made
    loaded = running.load_for_run(brand, opts["sandbox"], opts)
    running.announce(loaded, opts["sandbox"])
    brand_dir = os.path.relpath(loaded.path, out_file.parent.resolve()) if out_file else "."

    def show(shown: Plan) -> None:
        _show(shown, fmt, opts, out_file)

    # a saved plan is made under the lock: never beside a running apply
    locked = running.brand_lock(loaded, lock_timeout) if out_file else contextlib.nullcontext()
    with locked, cli_doctor.recording_for(loaded, record_dir, "plan", opts["sandbox"]):
        made = loop.run(_made(loaded, opts, brand_dir, show))
    show(made)
    if out_file:
        from omsform.apply import saved as plan_files

        plan_files.write_output(out_file, made.to_json())
        OUT.err(f"Saved the plan to {out_file} (checksum {made.checksum()}).")
    return made


def _show(shown: Plan, fmt: str, opts: dict[str, Any], out_file: Path | None) -> None:
    running.warn_selection(opts, OUT.out if fmt == "text" else OUT.err)
    complete = not (opts["targets"] or opts["excludes"])
    OUT.out(_render(shown, fmt, complete=complete, plan_file=out_file))


def _reads_ahead(out_file: Path | None, record_dir: Path | None, opts: dict[str, Any]) -> bool:
    """Whether the plan may start its listings while the brand loads (:mod:`omsform.engine.
    ahead`). ``OMSFORM_READ_AHEAD=0`` turns that off; so do, each for its reason:

    - ``--verbose``: it logs every request, and those sent ahead would come before the brand's
      warnings and be sent by clients opened before the log was set up (so go unlogged);
    - ``--record DIR``: the recording is set up from the loaded brand (its blocks, its copy);
    - ``-o FILE``: a saved plan is made under the brand lock, taken once the brand is loaded;
    - ``--sandbox``: the embedded sandbox answers in this process (no network wait to hide)
      and its transport is made from the loaded brand's directory.

    With ``--changed-since REF`` only the kinds the partial plan certainly reads start ahead
    (:mod:`omsform.engine.ahead_since`).
    """
    if os.environ.get(READ_AHEAD_ENV, "").strip() == "0":
        return False
    return not (out_file or record_dir or opts["sandbox"] or opts["verbose"])


async def _made_ahead(brand: Path, fmt: str, opts: dict[str, Any]) -> Plan:
    """The plan of ``brand``, its listings started before loading it (when they can be) and
    the brand loaded in a worker thread meanwhile; errors come out as without the head start:
    loading's first, then opening a client's, then reading's."""
    import asyncio

    ref = opts.get("changed_since")  # git was asked already (_plan_one)
    from omsform.engine import ahead
    from omsform.http.client import ClientOptions

    connections = opts.get("connections", opts.get("parallelism"))
    options = ClientOptions(insecure=opts["insecure"], concurrency=connections)
    head = ahead.start(brand, options, None if ref is None else _narrowing(brand, ref))
    switching = sys.getswitchinterval()
    try:
        if head is None:
            loaded = running.load_for_run(brand, False, opts)
        else:  # answers arriving while the brand loads get the interpreter sooner
            await head.under_way()
            sys.setswitchinterval(min(switching, SWITCH_WHILE_LOADING))
            loaded = await asyncio.to_thread(running.load_for_run, brand, False, opts)
            sys.setswitchinterval(switching)
        async with running.planned(
            loaded, opts, ".", show_refused=lambda p: _show(p, fmt, opts, None), head=head
        ) as (made, _, _):
            return made
    finally:
        sys.setswitchinterval(switching)
        if head is not None:
            await head.aclose()


def _narrowing(brand: Path, ref: str) -> ahead.Narrowing:
    """What ``plan --changed-since REF`` of ``brand`` certainly reads, for the head start."""
    from omsform.engine import ahead_since

    return ahead_since.narrowing(brand, ref)


@functools.cache
def _skip_final_collection() -> None:
    """At exit, leave every object to the end of the process instead of one last cyclic
    garbage collection over them all (as validate does): after planning a large brand that
    pass costs more than the rest of the exit, and nothing a plan makes needs finalising."""
    import atexit
    import gc

    atexit.register(gc.freeze)


async def _made(
    loaded: Brand, opts: dict[str, Any], brand_dir: str, show: Callable[[Plan], None]
) -> Plan:
    """The plan of ``loaded`` (clients closed again); ``show`` shows a plan the safety rules
    refuse."""
    async with running.planned(loaded, opts, brand_dir, show_refused=show) as (made, _, _):
        return made


@click.command()
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(PLAN_FORMATS), default="text")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when the plan has changes.")
@click.option(
    "--drift-exitcode", is_flag=True, help="Exit 4 on drift, 2 on intent only, 0 on neither."
)
@fails_cleanly
def show(plan_file: Path, fmt: str, detailed_exitcode: bool, drift_exitcode: bool) -> None:
    """Render a saved plan (offline); the exit code flags mean what they mean for plan."""
    from omsform.apply import saved as plan_files
    from omsform.cli.multi import plan_exit_code

    saved = plan_files.read_plan(plan_file)
    OUT.out(_render(saved, fmt, plan_file=plan_file))
    sys.exit(plan_exit_code(saved, detailed=detailed_exitcode, drift=drift_exitcode))
