"""`make bench` (``python -m tests.bench.run``): measure spec §11 on W5k, print the table (each
figure with its goal and the share of the goal it uses), write ``bench-results.json`` at the
repository root.

Order of work (about three to four minutes on the 2-core machine): pick the kinds; put the
seeded kinds' objects (channels, settings) in the sandbox's store; serve it (no latency);
generate W5k; ``validate`` (P9); populate with one apply; set 20 ms latency; cold no-op plans
with the server's call counts (P1, P3, P10); one under a 20 requests/s limit (P7); in-process
reads and ``build_plan`` (P4, P8); the per-object baseline (P3); 100 changed objects (P2);
1,000 creates (P6); cold start-up (P13); the brand as a git repository with one kind changed,
planned with ``--changed-since`` when this omsform has it (P14); synthetic W5k/W50k planning
(P8). Timings are reported, never asserted.
"""

from __future__ import annotations

import math
import os
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from omsform.engine import loop
from omsform.engine import run as engine
from omsform.http.concurrency import MAXIMUM
from tests.bench import cli_figures, measure, planbench, report, workload
from tests.bench.bench import ROOT, Bench, Config, say
from tests.bench.floor import bare_creates
from tests.bench.seeded import seed_store, seeded_kinds
from tests.bench.select import select_kinds
from tests.bench.server import pin_this_process_to_client_cpu, pinning, served

__all__ = ["Config", "main", "measure_all"]
RESULTS = ROOT / "bench-results.json"
W5K_YAML_BYTES = 1_050_000
PAGE = 100  # spec §11: list pages of 100
# GETs a no-op plan of W5k may make besides the kinds' list pages, one each (spec §11 P1: "+ one
# per declared setup step and lookup"); W5k declares no setup step (each would cost 2 GETs)
LOOKUPS = {"GET /api/v1/oms/states/": "package states, to check oms_transition's states"}


def measure_all(config: Config, workdir: Path) -> dict[str, Any]:
    """Run every measurement under ``workdir``; the figures as a JSON-ready dict."""
    budget = W5K_YAML_BYTES // 5000
    selection = select_kinds(budget=budget)
    if not selection.used:
        raise SystemExit(f"no kind can be created in bulk: {selection.left_out}")
    kinds = [*selection.used, *seeded_kinds(budget)]
    say(f"kinds used: {', '.join(k.kind for k in kinds)}")
    shares = dict(zip(kinds, workload.spread(config.objects, len(kinds)), strict=True))
    db = workdir / "sandbox.sqlite"
    seed_store(db, {k: n for k, n in shares.items() if k.seeded})
    with served(db, seed="empty") as server:
        url, token = server.base_url, server.token
        work = workload.create(workdir / "brand", kinds, config.objects, url, token)
        env = {**os.environ, **work.env, "NO_COLOR": "1"}
        figures: dict[str, Any] = {"config": asdict(config), "machine": _machine()}
        shares_kinds = {k.kind for k in kinds}
        figures["not_measured"] = report.NOT_MEASURED
        figures["workload"] = {
            "objects": work.total,
            "kinds": dict(work.counts),
            "kinds_available": len(selection.used) + len(selection.left_out),
            "seeded": [k.kind for k in kinds if k.seeded],
            "left_out": {k: v for k, v in selection.left_out.items() if k not in shares_kinds},
            "yaml_bytes": work.yaml_bytes(),
        }
        bench = Bench(config, server, work, env, figures)
        phases = (_p9, _populate, _p1_p3_p10, cli_figures.p7, _p4_p8, _baseline, _p2, _p6)
        for phase in (*phases, cli_figures.p13, cli_figures.p14):
            phase(bench)
    _p8_synthetic(config, selection.used, figures)
    return figures


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "pinned": pinning(),
        "python": platform.python_version(),
        "event_loop": loop.loop_name(),
        "loadavg_1min_at_start": os.getloadavg()[0],
        "platform": platform.platform(),
    }


def _p9(b: Bench) -> None:
    say(f"P9: validate x{b.config.validate_runs}")
    if b.config.warm_up:
        b.cli("validate", b.brand)  # warm the file cache
    runs = [b.cli("validate", b.brand) for _ in range(b.config.validate_runs)]
    if any(r.returncode != 0 for r in runs):
        raise SystemExit(f"validate failed on the generated brand:\n{runs[0].stderr[-2000:]}")
    kind = b.work.kinds[0]
    bad = {kind.kind: {"bench_error": {**kind.body(99_999), "no_such_field": 1}}}
    error_file = b.work.path / "zz_error.yaml"
    error_file.write_text(yaml.safe_dump(bad, sort_keys=False))
    failed = b.cli("validate", b.brand)
    error_file.unlink()
    b.figures["P9"] = {
        "runs_s": [r.wall_s for r in runs],
        "median_s": measure.median([r.wall_s for r in runs]),
        "cpu_median_s": measure.median([r.cpu_s for r in runs]),
        "error_s": failed.wall_s,
        "error_exit": failed.returncode,
        "error_located": failed.returncode == 1
        and bool(re.search(r"zz_error\.yaml:\d+:\d+", failed.stderr)),
        "error_message": failed.stderr.strip().splitlines()[:2],
    }
    b.figures["P10"] = {"validate_rss_mb": max(r.max_rss_mb for r in runs)}


def _populate(b: Bench) -> None:
    say(f"populating {b.work.total} objects (latency 0)")
    run = b.cli(
        "apply", b.brand, "--auto-approve", "--parallelism", str(b.config.populate_parallelism)
    )
    if run.returncode != 0:
        raise SystemExit(f"populating failed:\n{run.stderr[-2000:]}\n{run.stdout[-2000:]}")
    b.figures["workload"]["populate_s"] = run.wall_s
    b.server.knobs(latency_ms=b.config.latency_ms)


def _p1_p3_p10(b: Bench) -> None:
    say(f"P1/P3/P10: cold no-op plans x{b.config.plan_runs + 1} at {b.config.latency_ms} ms")
    b.server.reset_stats()
    first, _ = _plan_run(b)
    stats = b.server.stats()
    runs = [_plan_run(b) for _ in range(b.config.plan_runs)]
    for run, _ in [(first, 0.0), *runs]:
        if run.returncode != 0:
            raise SystemExit(
                f"the no-op plan is not empty (exit {run.returncode}):\n{run.stdout[-2000:]}"
            )
    gets, detail = measure.get_counts(stats)
    b.figures["P1"] = {"gets": gets, "per_object_gets": detail, "by_path": stats["by_path"]}
    b.figures["P3"] = {
        "runs_s": [r.wall_s for r, _ in runs],
        "median_s": measure.median([r.wall_s for r, _ in runs]),
        "cpu_median_s": measure.median([r.cpu_s for r, _ in runs]),
        "server_cpu_median_s": measure.median([cpu for _, cpu in runs]),
        "baseline_s": 0.0,
        "baseline_calls": 0,
    }
    b.figures["P10"]["max_rss_mb"] = max(r.max_rss_mb for r in [first, *(r for r, _ in runs)])


def _plan_run(b: Bench) -> tuple[measure.CliRun, float]:
    """One cold ``omsform plan --detailed-exitcode`` and the server CPU it cost."""
    before = b.server.cpu_seconds()
    run = b.cli("plan", b.brand, "--detailed-exitcode")
    return run, b.server.cpu_seconds() - before


def _p4_p8(b: Bench) -> None:
    say(f"P4/P8: in-process reads x{b.config.read_runs}, build_plan x{b.config.plan_cpu_runs}")
    brand = measure.load(b.work.path, b.work.env)
    by_kind = Counter(w.location.address.split(".")[0] or "other" for w in brand.warnings)
    b.figures["workload"]["warnings"] = dict(by_kind.most_common())
    cpu_of = b.server.cpu_seconds

    async def go() -> tuple[list[measure.Timing], list[float], dict[str, int]]:
        times, current = await measure.read_times(brand, b.config.read_runs, cpu_of)
        _, _, session = await measure.timed_read(brand, cpu_of)
        async with session:
            inputs = engine.plan_inputs(session, current)
        cpu = planbench.plan_cpu_ms(inputs, b.config.plan_cpu_runs)
        return times, cpu, {k: len(v) for k, v in current.items()}

    times, cpu, counts = loop.run(go())
    b.figures["P4"] = {
        "runs_s": [t.wall_s for t in times],
        "median_s": measure.median([t.wall_s for t in times]),
        "client_cpu_median_s": measure.median([t.client_cpu_s for t in times]),
        "server_cpu_median_s": measure.median([t.server_cpu_s for t in times]),
    }
    b.figures["P8"] = {"w5k_runs_ms": cpu, "w5k_ms": measure.median(cpu)}
    b.figures["P1"]["current_counts"] = counts
    b.figures["P1"]["floor"] = sum(math.ceil(n / PAGE) or 1 for n in counts.values())
    lookups = {p: n for p, n in b.figures["P1"]["by_path"].items() if p in LOOKUPS}
    b.figures["P1"].update(lookups=lookups, allowed_extra=len(lookups))


def _baseline(b: Bench) -> None:
    if not b.config.baseline:
        return
    n = b.work.total
    say(f"baseline: {n} per-object GETs, 10 at a time")
    lists = sorted(
        route.split(" ", 1)[1]
        for route in b.figures["P1"]["by_path"]
        if route.startswith("GET ") and not measure.DETAIL_PATH.search(route)
    )
    paths = loop.run(measure.object_paths(b.server.base_url, b.server.token, lists, n))
    seconds, bad = loop.run(measure.per_object_baseline(b.server.base_url, b.server.token, paths))
    b.figures["P3"].update(baseline_s=seconds, baseline_calls=len(paths), baseline_non_200=bad)
    b.figures["P4"]["baseline_s"] = seconds


def _p2(b: Bench) -> None:
    changed = workload.pick_changes(b.work, b.config.changes)
    say(f"P2: apply {len(changed)} changed objects, then a no-op apply")
    workload.rewrite_with_changes(b.work, changed)
    b.server.reset_stats()
    run = b.cli("apply", b.brand, "--auto-approve")
    stats = b.server.stats()
    b.server.reset_stats()
    noop = b.cli("apply", b.brand, "--auto-approve")
    _, detail = measure.get_counts(stats)
    b.changed = changed
    b.figures["P2"] = {
        "changed": len(changed),
        "writes": measure.write_count(stats),
        "per_object_gets": detail,
        "apply_s": run.wall_s,
        "apply_exit": run.returncode,
        "noop_writes": measure.write_count(b.server.stats()),
        "noop_exit": noop.returncode,
    }


def _p6(b: Bench) -> None:
    n, latency = b.config.creates, b.config.latency_ms / 1000
    say(f"P6: apply {n} creates at the default (adaptive) parallelism, then {n} more at 16")
    figures: dict[str, Any] = {"creates": n, "latency_ms": b.config.latency_ms}
    for round_no, (label, parallelism) in enumerate((("a", None), ("b", 16))):
        workload.add_new(b.work, label, n, offset=b.config.objects + 10 + round_no * n)
        brand = measure.load(b.work.path, b.work.env)
        b.server.reset_stats()
        timing, plan, result = loop.run(
            measure.timed_apply(brand, parallelism, b.server.cpu_seconds)
        )
        writes = measure.write_count(b.server.stats())
        ok = result.ok and measure.creates(plan) == n and writes == n
        # the adaptive default's floor is taken at its ceiling: the fastest it may go
        width = MAXIMUM if parallelism is None else parallelism
        figures[label] = {
            "parallelism": f"adaptive, up to {MAXIMUM}" if parallelism is None else parallelism,
            "width": width,
            "seconds": timing.wall_s,
            "client_cpu_s": timing.client_cpu_s,
            "server_cpu_s": timing.server_cpu_s,
            "floor_s": n * latency / width,
            "writes": writes,
            "ok": ok,
        }
    bare = bare_creates(b.server.base_url, b.server.token, n)
    figures["bare"] = {"seconds": bare.wall_s, "client_cpu_s": bare.cpu_s, "non_201": bare.non_201}
    b.figures["P6"] = figures


def _p8_synthetic(config: Config, kinds: list[Any], figures: dict[str, Any]) -> None:
    small, large = config.objects, config.large_objects
    say(f"P8: build_plan on synthetic {small} and {large} objects (1 % drift)")
    small_ms = planbench.plan_cpu_ms(planbench.synthetic_inputs(kinds, small), config.plan_cpu_runs)
    large_ms = planbench.plan_cpu_ms(planbench.synthetic_inputs(kinds, large), 3)
    figures["P8"].update(
        small_n=small,
        large_n=large,
        w5k_synthetic_ms=measure.median(small_ms),
        w50k_ms=measure.median(large_ms),
        w50k_runs_ms=large_ms,
    )


def main() -> int:
    """Run the benchmark; print the table; write ``bench-results.json``. Exit 0 (figures are
    reported, not enforced)."""
    started = time.perf_counter()
    pin_this_process_to_client_cpu()
    with tempfile.TemporaryDirectory(prefix="omsform-bench-") as tmp:
        figures = measure_all(Config(), Path(tmp))
    figures["elapsed_s"] = time.perf_counter() - started
    all_rows = report.rows(figures)
    report.write_json(RESULTS, figures, all_rows)
    print(report.header(figures))
    print(report.table(all_rows))
    print(f"\nFigures written to {RESULTS.name} ({figures['elapsed_s']:.0f} s in all).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
