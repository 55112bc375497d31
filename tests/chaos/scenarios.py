"""The chaos scenarios. Each runs its trials on one :class:`~tests.chaos.world.World` and
returns a :class:`Row`: the figures measured and whether they meet issue 9's "Done when" bound.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from secrets import token_hex
from typing import Any

from omsform_akinon_oms import api

from omsform.plan.model import Plan, Summary
from tests.chaos.world import (
    Result,
    World,
    addresses,
    applied_addresses,
    wait_for_writes,
)

ALL_FAULTS = ["503", "429", "drop", "commit_drop"]
DROPS = ["drop", "commit_drop"]
LIST_SHAPES = ("no_count_no_next", "count_low", "repeat_id", "next_fails")
MAX_NOTES = 3


@dataclass
class Row:
    """One line of the figures table."""

    scenario: str
    brand: str
    trials: int
    figures: dict[str, Any]
    passed: bool
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        """Keep the first few failure details."""
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text[:300])


def _short(result: Result) -> str:
    lines = [ln for ln in result.output.strip().splitlines() if ln.strip()]
    return f"`omsform {' '.join(result.args[:2])}` exit {result.code}: " + " / ".join(lines[-2:])


# --- kill -9 ------------------------------------------------------------------------------
def kill(world: World, trials: int, rng: random.Random, latency_ms: float = 25.0) -> Row:
    """SIGKILL an apply after a random number of writes, then ONE re-apply; the plan after it
    must be empty, with no duplicate and every fingerprint of a clean apply in the ledger."""
    slow = {"latency_ms": latency_ms, "jitter_ms": latency_ms}
    world.fresh(**slow)
    clean = world.run("apply", "BRAND", "--auto-approve")
    total_writes, reference = world.writes(), world.ledger_slots()
    row = Row("kill -9 mid-apply → 1 re-apply", world.name, trials, {}, False)
    if clean.code != 0:
        row.note("the clean apply failed: " + _short(clean))
        return row
    killed = converged = duplicates = lost = 0
    for _ in range(trials):
        world.fresh(**slow)
        running = world.start("apply", "BRAND", "--auto-approve")
        if wait_for_writes(world, running, rng.randint(1, max(1, total_writes - 1)), 60):
            time.sleep(rng.uniform(0, latency_ms / 1000))
            running.kill()
            killed += 1
        world.finish(running)
        world.calm()
        again = world.run("apply", "BRAND", "--auto-approve")
        after = world.run("plan", "BRAND", "--detailed-exitcode")
        if again.code == 0 and after.code == 0:
            converged += 1
        else:
            row.note(_short(again) if again.code else _short(after))
        duplicates += world.duplicates()
        lost += len(reference - world.ledger_slots())
    row.figures = {
        "killed mid-apply": killed,
        "converged after 1 re-apply": f"{converged}/{trials}",
        "duplicates": duplicates,
        "lost fingerprints": lost,
    }
    row.passed = converged == trials and duplicates == 0 and lost == 0
    return row


# --- fault rates and drops ----------------------------------------------------------------
def faults(world: World, rate: float, trials: int, kinds: list[str], label: str = "faults") -> Row:
    """Applies under ``rate`` of ``kinds`` faults: each ends exit 0 with nothing left to do, or
    exit 1 with a next plan that is exactly the remaining work (only changes of the first plan,
    none it reported applied, and applying it converges); no duplicate."""
    row = Row(f"{label} {rate:g} ({'/'.join(kinds)})", world.name, trials, {}, False)
    exits: dict[int, int] = {}
    exact = duplicates = 0
    world.fresh()
    _, first = world.plan_json()  # the same work in every trial: it starts fresh
    for _ in range(trials):
        world.fresh()
        world.knobs(fail_rate=rate, faults=kinds, retry_after_s=0)
        applied = world.run("apply", "BRAND", "--auto-approve")
        exits[applied.code] = exits.get(applied.code, 0) + 1
        world.calm()
        ok, why = _remaining_is_exact(world, applied, first)
        exact += ok
        if not ok:
            row.note(why)
        duplicates += world.duplicates()
    row.figures = {
        "exit 0": exits.get(0, 0),
        "exit 1": exits.get(1, 0),
        "other exits": sum(n for code, n in exits.items() if code not in (0, 1)),
        "next plan exact": f"{exact}/{trials}",
        "duplicates": duplicates,
    }
    row.passed = exact == trials and duplicates == 0
    return row


def _remaining_is_exact(
    world: World, applied: Result, first: list[dict[str, Any]] | None
) -> tuple[bool, str]:
    if first is None:
        return False, "the plan before the faulty apply failed"
    if applied.code not in (0, 1) or "Traceback" in applied.output:
        return False, _short(applied)
    plan, remaining = world.plan_json()
    if remaining is None:
        return False, "next plan failed: " + _short(plan)
    left = addresses(remaining)
    if applied.code == 0:
        return (not left), f"apply exited 0 but the next plan still has {sorted(left)[:3]}"
    extra = left - addresses(first)
    reported = left & applied_addresses(applied.stdout)
    if extra or reported:
        return False, (
            f"next plan has changes the first did not {sorted(extra)[:3]} or that apply "
            f"reported applied {sorted(reported)[:3]}"
        )
    finish = world.run("apply", "BRAND", "--auto-approve")
    after = world.run("plan", "BRAND", "--detailed-exitcode")
    if finish.code != 0 or after.code != 0:
        bad = finish if finish.code else after
        return False, "applying the remaining plan did not converge: " + _short(bad)
    return True, ""


# --- two applies at once --------------------------------------------------------------------
def concurrent(world: World, trials: int, rng: random.Random) -> Row:
    """Two applies of the brand started 0 to 50 ms apart: one is refused by the lock (exit 1,
    naming the other's pid), no duplicate."""
    row = Row("two concurrent applies", world.name, trials, {}, False)
    refused = both_wrote = duplicates = 0
    for _ in range(trials):
        world.fresh(latency_ms=10.0, jitter_ms=10.0)
        first = world.start("apply", "BRAND", "--auto-approve")
        time.sleep(rng.uniform(0, 0.05))
        second = world.start("apply", "BRAND", "--auto-approve")
        results = [world.finish(first), world.finish(second)]
        pids = [first.proc.pid, second.proc.pid]
        codes = sorted(r.code for r in results)
        loser = [i for i, r in enumerate(results) if r.code == 1]
        if codes == [0, 1] and _names_holder(results[loser[0]], pids[1 - loser[0]]):
            refused += 1
        else:
            row.note(f"exits {[r.code for r in results]}: " + _short(results[-1]))
        both_wrote += codes == [0, 0]
        world.calm()
        duplicates += world.duplicates()
    row.figures = {
        "one refused by the lock": f"{refused}/{trials}",
        "both applied": both_wrote,
        "duplicates": duplicates,
    }
    row.passed = refused == trials and duplicates == 0
    return row


def _names_holder(refused: Result, holder_pid: int) -> bool:
    text = refused.output.lower()
    return "lock" in text and str(holder_pid) in text


# --- canary secrets -------------------------------------------------------------------------
def canary() -> str:
    """A fresh random string that appears nowhere else."""
    return "cnry" + token_hex(12)


URL_TOKEN = "CHAOS_URL_TOKEN"


def canaries(world: World, root: Path) -> Row:
    """Unique random strings as every secret — plain, multi-line, double-spaced, and a URL
    token in a webhook ``target_url`` — through validate, plan (every format, ``-o``, ``-v``),
    show, apply of the saved plan, a rotation whose apply fails at the server, and import:
    no canary (nor its first half) in any output or any file written under ``root``."""
    row = Row("canary secrets", world.name, 1, {}, False)
    saved_env, hook_file, hook_text = dict(world.env), *_webhook_file(world.brand)
    parts: set[str] = {world.server.token}
    try:
        hook_file.write_text(hook_text.replace("/hooks/package-ready", _token_url()))
        world.env.update(_canary_values(world, parts))
        runs, unexpected = _drive_canaries(world, root, parts)
    finally:
        world.env.clear()
        world.env.update(saved_env)
        hook_file.write_text(hook_text)
        world.calm()
    hits = [(r.args[:2], c) for r in runs for c in _hits(r.output, parts)]
    files = _written(root)
    hits += [(p.name, c) for p in files for c in _hits(p.read_text(errors="replace"), parts)]
    for where, _ in hits:
        row.note(f"canary in {where}")
    for run in unexpected:
        row.note("unexpected exit: " + _short(run))
    row.figures = {
        "runs": len(runs),
        "files": len(files),
        "canary hits": len(hits),
        "unexpected exits": len(unexpected),
    }
    row.passed = not hits
    return row


def _webhook_file(brand: Path) -> tuple[Path, str]:
    for path in sorted(brand.glob("*.yaml")):
        text = path.read_text()
        if "/hooks/package-ready" in text:
            return path, text
    raise SystemExit(f"{brand}: no webhook with /hooks/package-ready to give a URL token")


def _token_url() -> str:
    return "/hooks/package-ready?token=${secret." + URL_TOKEN + "}"


def _canary_values(world: World, parts: set[str]) -> dict[str, str]:
    """A canary for every resource secret: the first multi-line, the second double-spaced."""
    values: dict[str, str] = {}
    for n, name in enumerate([*sorted(world.secrets), URL_TOKEN]):
        a, b = canary(), canary()
        parts.add(a)
        if n == 0:
            values[name] = f"{a}\n{b}"
            parts.add(b)
        elif n == 1:
            values[name] = f"{a}  {b}"
            parts.add(b)
        else:
            values[name] = a
    return values


def _drive_canaries(world: World, root: Path, parts: set[str]) -> tuple[list[Result], list[Result]]:
    world.fresh()
    plan_file = str(root / "canary.plan.json")
    expect = [
        (("validate", "BRAND"), 0),
        (("plan", "BRAND"), 0),
        (("plan", "BRAND", "--format", "json"), 0),
        (("plan", "BRAND", "--format", "markdown"), 0),
        (("plan", "BRAND", "-v", "-o", plan_file), 0),
        (("show", plan_file), 0),
        (("apply", plan_file, "--auto-approve", "-v"), 0),
        (("plan", "BRAND", "-v", "--detailed-exitcode"), 0),
    ]
    runs, unexpected = [], []
    for args, code in expect:
        runs.append(world.run(*args))
        if runs[-1].code != code:
            unexpected.append(runs[-1])
    rotated = _canary_values(world, parts)
    world.env.update(rotated)
    _, plan = world.plan_json()
    setting = next(
        (c for c in plan or [] if c["kind"] == "oms_setting" and c.get("remote_id")), None
    )
    if setting is not None:
        fault = api.detail(api.SETTINGS, setting["remote_id"])
        world.knobs(fail_rate=1.0, faults=["503"], fault_path=fault)
    failing = world.run("apply", "BRAND", "--auto-approve", "-v")
    world.calm()
    imported = world.run(
        "import", "--out", str(root / "imported"), "--config", str(world.brand / "omsform.yaml")
    )
    for run, code in ((failing, 1), (imported, 0)):
        runs.append(run)
        if run.code != code:
            unexpected.append(run)
    return runs, unexpected


def _hits(text: str, parts: Iterable[str]) -> list[str]:
    return sorted(c for c in parts if c in text or c[: len(c) // 2] in text)


def _written(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*")) if p.is_file() and ".sqlite" not in p.name]


# --- incomplete listings --------------------------------------------------------------------
LISTED = {"webhooks": api.OMS_HOOKS, "stock locations": api.STOCK_LOCATIONS}
"""The lists served incomplete: a pruned kind (a missed webhook is created again) and a
protected one (a missed warehouse is created again)."""


def listing(world: World, shape: str) -> Row:
    """After a clean apply, each list of :data:`LISTED` in turn is served in ``shape``: plan and
    apply must both refuse (exit 1) and no write may reach the server."""
    row = Row(f"listing: {shape}", world.name, len(LISTED), {}, False)
    refused = writes = 0
    world.fresh()
    clean = world.run("apply", "BRAND", "--auto-approve")
    if clean.code != 0:
        row.note("the clean apply failed: " + _short(clean))
        return row
    for name, path in LISTED.items():
        world.knobs(listing_fault=shape, fault_path=path)
        world.server.reset_stats()
        plan = world.run("plan", "BRAND", "--detailed-exitcode")
        applied = world.run("apply", "BRAND", "--auto-approve")
        writes += world.writes()
        world.calm()
        refused += (plan.code == 1) + (applied.code == 1)
        if plan.code != 1 or applied.code != 1:
            row.note(f"{name}: " + _short(plan if plan.code != 1 else applied))
            if world.writes() or world.duplicates():
                world.fresh()
                world.run("apply", "BRAND", "--auto-approve")
    row.figures = {"refused": f"{refused}/{2 * len(LISTED)}", "writes": writes}
    row.passed = refused == 2 * len(LISTED) and writes == 0
    return row


# --- a tampered saved plan ------------------------------------------------------------------
TAMPERED = (
    ("oms_stock_location.ist_wh", "stock_locations", "erp_code", "IST-WH", "protected"),
    ("oms_scenario.web-orders", "scenarios", "name", "web-orders", "declared, kind not pruned"),
)


def tampered(world: World, root: Path) -> Row:
    """A saved plan with an update turned into a delete (checksum recomputed) of a protected
    object, and of a declared object of a kind that is not pruned: apply refuses, 0 writes."""
    row = Row("tampered saved plan (delete added)", world.name, len(TAMPERED), {}, False)
    refused = writes = 0
    for address, collection, field_name, key, why in TAMPERED:
        world.fresh()
        world.run("apply", "BRAND", "--auto-approve")
        _drift(world, collection, field_name, key)
        plan_file = root / "tampered.plan.json"
        made = world.run("plan", "BRAND", "-o", str(plan_file))
        if made.code != 0 or not _turn_into_delete(plan_file, address):
            row.note(f"{address}: could not make the plan to tamper with: " + _short(made))
            continue
        world.server.reset_stats()
        applied = world.run("apply", str(plan_file), "--auto-approve")
        writes += world.writes()
        still_there = _row_of(world, collection, field_name, key) is not None
        if applied.code == 1 and still_there:
            refused += 1
        else:
            row.note(f"{address} ({why}): " + _short(applied))
    row.figures = {"refused": f"{refused}/{len(TAMPERED)}", "writes": writes}
    row.passed = refused == len(TAMPERED) and writes == 0
    return row


def _row_of(world: World, collection: str, field_name: str, key: str) -> dict[str, Any] | None:
    rows = world.server.http.get(f"/_sandbox/objects/{collection}").json()
    return next((r for r in rows if r.get(field_name) == key), None)


def _drift(world: World, collection: str, field_name: str, key: str) -> None:
    """Change the object's priority as a person in the UI would (the plan then updates it)."""
    found = _row_of(world, collection, field_name, key)
    if found is not None:
        path = f"/_sandbox/objects/{collection}/{found['id']}"
        world.server.http.patch(path, json={"priority": 77}).raise_for_status()


def _turn_into_delete(plan_file: Path, address: str) -> bool:
    """Edit the saved plan as an attacker would: the change of ``address`` becomes a delete,
    summary and checksum recomputed with omsform's own model."""
    doc = json.loads(plan_file.read_text())
    doc.pop("checksum", None)
    doc.pop("drift", None)  # derived from the changes, outside the checksum
    changes = doc.get("changes", [])
    target = next((c for c in changes if c.get("address") == address), None)
    if target is None:
        return False
    target.update(action="-", fields=[], reason="")
    plan = Plan.model_validate(doc)
    plan = plan.model_copy(update={"summary": Summary.of(plan.changes)})
    plan_file.write_text(plan.to_json())
    return True
