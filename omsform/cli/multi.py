"""``omsform plan A B …``: several brands planned in one process, and the plan exit codes.

Each brand is loaded, read and planned on its own clients (at most ``--parallelism``
connections per provider and brand), up to :data:`BRANDS_AT_ONCE` brands at a time. A brand that
fails (bad YAML, an unreachable OMS) is reported in its row and does not stop the others.
Output: each brand's plan, and one summary table (brand, drift, intent, errors, exit code).

Exit codes (one brand, or the worst of several): :func:`plan_exit_code` per brand, and
:func:`worst` orders them 1 (error) > 4 (drift) > 2 (intent) > 0.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omsform.errors import ConfigError, OmsformError, PlanError

if TYPE_CHECKING:
    from omsform.plan.model import Change, Plan

BRANDS_AT_ONCE = 8
"""How many brands are read and planned at the same time."""

SEVERITY = (1, 4, 2, 0)
"""Exit codes from worst to best: error, drift, intent (changes), nothing."""


def worst(codes: Iterable[int]) -> int:
    """The worst of ``codes`` in the order of :data:`SEVERITY` (0 for none)."""
    found = set(codes)
    return next((code for code in SEVERITY if code in found), 0)


def drifted(plan: Plan) -> tuple[Change, ...]:
    """The plan's changes made outside omsform (``plan.drift``: drift attribution), or none
    when the plan carries no attribution."""
    return tuple(getattr(plan, "drift", ()))


def intent_count(plan: Plan) -> int:
    """Changes that are not drift alone: the YAML moved, or no record says who moved."""
    only_drift = {c.address for c in drifted(plan)} - {
        c.address for c in plan.changes if _has_other_than_drift(c)
    }
    return sum(1 for c in plan.changes if c.address not in only_drift)


def _has_other_than_drift(change: Change) -> bool:
    marks = [getattr(f, "attribution", "") for f in change.fields]
    return not marks or any(m != "drift" for m in marks)


def plan_exit_code(plan: Plan, *, detailed: bool, drift: bool) -> int:
    """``--drift-exitcode``: 4 drift (whatever the intent), 2 changes only, 0 none;
    ``--detailed-exitcode``: 2 changes, 0 none; neither: 0."""
    if drift and drifted(plan):
        return 4
    if (drift or detailed) and plan.has_changes:
        return 2
    return 0


@dataclass
class BrandResult:
    """One brand's outcome: its plan, or the error that stopped it."""

    path: Path
    plan: Plan | None = None
    error: str = ""
    problems: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The brand's name (from its plan) or, when it failed, its directory."""
        return self.plan.brand if self.plan else str(self.path)

    def code(self, *, detailed: bool, drift: bool) -> int:
        """This brand's exit code."""
        if self.plan is None:
            return 1
        return plan_exit_code(self.plan, detailed=detailed, drift=drift)


def plan_brands(paths: tuple[Path, ...], fmt: str, opts: dict[str, Any]) -> int:
    """Plan every brand of ``paths`` concurrently, print, and return the worst exit code."""
    from omsform.cli.output import OUT

    if fmt == "tf-json":
        raise PlanError(
            "--format tf-json describes one brand (as one Terraform plan does): plan each "
            "brand on its own for policy checks, e.g. `for b in brands/*; do omsform plan "
            '"$b" --format tf-json > "$(basename "$b").tfplan.json"; done`'
        )
    from omsform.engine import loop

    results = loop.run(_plan_all(paths, {**opts, "connections": opts["parallelism"]}))
    detailed, drift = opts["detailed_exitcode"], opts["drift_exitcode"]
    codes = [r.code(detailed=detailed, drift=drift) for r in results]
    OUT.out(render_many(results, codes, fmt))
    return worst(codes)


async def _plan_all(paths: tuple[Path, ...], opts: dict[str, Any]) -> list[BrandResult]:
    gate = asyncio.Semaphore(BRANDS_AT_ONCE)

    async def one(path: Path) -> BrandResult:
        async with gate:
            return await _plan_one(path, opts)

    return list(await asyncio.gather(*(one(p) for p in paths)))


async def _plan_one(path: Path, opts: dict[str, Any]) -> BrandResult:
    from omsform.cli import running
    from omsform.cli.output import OUT
    from omsform.lang.load import load_brand

    try:
        loaded = load_brand(path, sandbox=opts["sandbox"])
        OUT.secrets = OUT.secrets | loaded.secrets
        for warning in loaded.warnings:
            OUT.err(f"{path}: {warning}")
        async with running.planned(loaded, opts, ".") as (made, _, _):
            return BrandResult(path, plan=made)
    except ConfigError as exc:
        return BrandResult(path, error=str(exc), problems=tuple(map(str, exc.problems)))
    except OmsformError as exc:
        return BrandResult(path, error=str(exc))


# --- output ---------------------------------------------------------------------------------
def summary_rows(results: list[BrandResult], codes: list[int]) -> list[list[str]]:
    """One row per brand: brand, directory, drift, intent, errors, exit code."""
    rows = []
    for result, code in zip(results, codes, strict=True):
        plan = result.plan
        rows.append(
            [
                result.name,
                str(result.path),
                str(len(drifted(plan))) if plan else "-",
                str(intent_count(plan)) if plan else "-",
                "1" if result.error else "0",
                str(code),
            ]
        )
    return rows


HEADERS = ["brand", "directory", "drift", "intent", "errors", "exit"]


def render_many(results: list[BrandResult], codes: list[int], fmt: str) -> str:
    """Every brand's plan and the summary table, in ``fmt`` (text, markdown or json)."""
    rows = summary_rows(results, codes)
    if fmt == "json":
        return _json_many(results, rows)
    if fmt == "markdown":
        return _markdown_many(results, rows)
    return _text_many(results, rows)


def _text_many(results: list[BrandResult], rows: list[list[str]]) -> str:
    from omsform.cli.output import OUT
    from omsform.plan.render import render_text

    parts = []
    for result in results:
        parts.append(f"=== {result.name} ({result.path}) ===")
        if result.plan is not None:
            parts.append(render_text(result.plan, color=OUT.color).rstrip("\n"))
        else:
            parts += [*result.problems, f"Error: {result.error}"]
        parts.append("")
    widths = [max(len(r[i]) for r in [HEADERS, *rows]) for i in range(len(HEADERS))]
    table = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [HEADERS, *rows]
    ]
    parts += [f"Summary of {len(results)} brands:", *table]
    return "\n".join(parts)


def _markdown_many(results: list[BrandResult], rows: list[list[str]]) -> str:
    from omsform.plan.render_md import BUDGET, render_markdown

    table = [
        "| " + " | ".join(HEADERS) + " |",
        "|---|---|---:|---:|---:|---:|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    parts = [f"## omsform plan: {len(results)} brands", "", *table, ""]
    share = max(2_000, BUDGET // max(len(results), 1) - 200)
    for result in results:
        if result.plan is not None:
            parts.append(render_markdown(result.plan, budget=share))
        else:
            parts += [f"## {result.path}: error", "", "```text", result.error, "```", ""]
    return "\n".join(parts)


def _json_many(results: list[BrandResult], rows: list[list[str]]) -> str:
    doc = {
        "brands": [
            {
                "path": os.fspath(result.path),
                "exit_code": int(row[-1]),
                "error": result.error or None,
                "plan": json.loads(result.plan.to_json()) if result.plan else None,
            }
            for result, row in zip(results, rows, strict=True)
        ]
    }
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
