"""The figures as table rows, each with its goal (spec §11 as raised in round 2), the share of
the goal it uses and a pass/fail, and as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NOT_MEASURED = (
    "P5 (HTTP throughput ceiling), P11 (journal overhead), P12 (ETags), "
    "the skewed W5k variant and the warm-parse-cache plan time"
)
RATIO_NOTE = "ratio: the share of the goal used (≤ 1.00 meets it)"


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    key: str
    metric: str
    goal: str
    measured: str
    ratio: str
    ok: bool | None  # None: informational, no goal


def rows(f: dict[str, Any]) -> list[Row]:
    """Table rows for the figures dict ``f`` made by :func:`tests.bench.run.measure_all`."""
    out = [_p1(f["P1"]), _p2(f["P2"]), *_p3(f["P3"]), _p4(f["P4"]), *_p6(f["P6"])]
    out += [_p7(f["P7"]), *_p8(f["P8"]), _p9(f["P9"]), _p10(f["P10"]), *_p13(f["P13"])]
    return [*out, _p14(f["P14"])]


def share(measured: float, goal: float) -> str:
    """``measured`` as a share of an upper-bound ``goal``."""
    return f"{measured / goal:.2f}" if goal else "-"


def _p1(p: dict[str, Any]) -> Row:
    extra = p["gets"] - p["floor"]
    ok = p["per_object_gets"] == 0 and extra == p["allowed_extra"]
    measured = f"{p['gets']} GETs = {p['floor']} + {extra} ({p['per_object_gets']} per-object)"
    goal = f"Σ⌈N/100⌉ = {p['floor']} + {p['allowed_extra']} lookup (setup step: +2, none here)"
    return Row("P1", "API calls, no-op plan", goal, measured, share(p["gets"], p["floor"]), ok)


def _p2(p: dict[str, Any]) -> Row:
    ok = p["writes"] == p["changed"] and p["per_object_gets"] == 0 and p["noop_writes"] == 0
    measured = (
        f"{p['writes']} writes for {p['changed']} changed; "
        f"{p['per_object_gets']} per-object GETs; no-op {p['noop_writes']}"
    )
    goal = "1 write per changed object; no-op apply 0"
    ratio = share(p["writes"], p["changed"])
    return Row("P2", "writes per changed object", goal, measured, ratio, ok)


def _p3(p: dict[str, Any]) -> list[Row]:
    main = Row(
        "P3",
        "no-op plan W5k, cold process (median)",
        "≤ 1.0 s",
        f"{p['median_s']:.2f} s{_cpu(p['cpu_median_s'], p['server_cpu_median_s'])}",
        share(p["median_s"], 1.0),
        p["median_s"] <= 1.0,
    )
    if not p["baseline_s"]:
        return [main]
    speedup = p["baseline_s"] / p["median_s"] if p["median_s"] else 0.0
    base = Row(
        "P3b",
        f"vs per-object baseline ({p['baseline_calls']} GETs, c=10, same run)",
        "≥ 15× faster",
        f"{speedup:.1f}× (baseline {p['baseline_s']:.2f} s)",
        share(15, speedup),
        speedup >= 15,
    )
    return [main, base]


def _cpu(client: float, server: float) -> str:
    return f" (cpu: omsform {client:.2f} s, sandbox {server:.2f} s)"


def _p4(p: dict[str, Any]) -> Row:
    measured = f"{p['median_s']:.3f} s{_cpu(p['client_cpu_median_s'], p['server_cpu_median_s'])}"
    ok = p["median_s"] <= 0.30
    return Row("P4", "read phase (median)", "≤ 0.30 s", measured, share(p["median_s"], 0.30), ok)


def _p6(p: dict[str, Any]) -> list[Row]:
    a, b, n = p["a"], p["b"], p["creates"]
    limit = 1.2 * a["floor_s"]
    cpu_ms = 1000 * a["client_cpu_s"] / a["writes"] if a["writes"] else 0.0
    where = f"{p['latency_ms']:.0f} ms × {n} / {a['width']}"
    return [
        Row(
            "P6",
            f"apply {n} creates (default parallelism {a['parallelism']})",
            f"≤ 1.2 × floor ({where} = {a['floor_s']:.2f} s) = {limit:.2f} s",
            f"{a['seconds']:.2f} s, {a['writes']} writes{'' if a['ok'] else ' (NOT all ok)'}",
            share(a["seconds"], limit),
            a["seconds"] <= limit and a["ok"],
        ),
        Row(
            "P6c",
            "omsform CPU per write (same apply)",
            "≤ 1 ms",
            f"{cpu_ms:.2f} ms (sandbox {1000 * a['server_cpu_s'] / max(1, a['writes']):.2f} ms)",
            share(cpu_ms, 1.0),
            cpu_ms <= 1.0 and a["writes"] > 0,
        ),
        Row(
            "P6b",
            f"apply {n} creates (parallelism {b['parallelism']})",
            "(information)",
            f"{b['seconds']:.2f} s{_cpu(b['client_cpu_s'], b['server_cpu_s'])}",
            f"floor {b['floor_s']:.2f} s",
            None,
        ),
        *_p6f(p.get("bare"), n),
    ]


def _p6f(bare: dict[str, Any] | None, n: int) -> list[Row]:
    """The library floor under P6 (tests/bench/floor.py): the same creates from bare httpx."""
    if bare is None:
        return []
    cpu_ms = 1000 * bare["client_cpu_s"] / n
    failed = f", {bare['non_201']} not 201" if bare["non_201"] else ""
    measured = f"{bare['seconds']:.2f} s, {cpu_ms:.2f} ms CPU per request{failed}"
    what = f"{n} creates from bare httpx, 16 in flight (no omsform)"
    return [Row("P6f", what, "(information: the library's floor)", measured, "-", None)]


def _p7(p: dict[str, Any]) -> Row:
    limit = 1.2 * p["floor_s"]
    failed = f", FAILED (exit {p['exit']})" if p["exit"] != 0 else ""
    measured = f"{p['seconds']:.2f} s; {p['throttled']} of {p['requests']} requests got 429{failed}"
    goal = f"≤ 1.2 × {p['answered']}/{p['limit_per_s']:g} s = {limit:.2f} s, no failure"
    ok = p["exit"] == 0 and p["seconds"] <= limit
    rate = f"no-op plan, sandbox limit {p['limit_per_s']:g} req/s + Retry-After"
    return Row("P7", rate, goal, measured, share(p["seconds"], limit), ok)


def _p8(p: dict[str, Any]) -> list[Row]:
    linear = p["w50k_ms"] / p["w5k_synthetic_ms"] if p["w5k_synthetic_ms"] else 0.0
    real = Row(
        "P8",
        "build_plan CPU, W5k no-op",
        "≤ 30 ms",
        f"{p['w5k_ms']:.1f} ms",
        share(p["w5k_ms"], 30),
        p["w5k_ms"] <= 30,
    )
    synth = Row(
        "P8b",
        f"build_plan CPU, synthetic 1 % drift: {p['small_n']} → {p['large_n']}",
        "W50k ≤ 11× W5k (linear)",
        f"{p['w5k_synthetic_ms']:.1f} → {p['w50k_ms']:.1f} ms ({linear:.1f}×)",
        share(linear, 11),
        0 < linear <= 11,
    )
    return [real, synth]


def _p9(p: dict[str, Any]) -> Row:
    ok = p["median_s"] <= 0.5 and p["error_located"]
    located = "located" if p["error_located"] else "NOT located"
    cpu = p.get("cpu_median_s", 0.0)
    measured = f"{p['median_s']:.2f} s, cpu {cpu:.2f} s (error run {p['error_s']:.2f} s, {located})"
    goal = "≤ 0.5 s, file:line:column on errors"
    return Row("P9", "omsform validate W5k (median)", goal, measured, share(p["median_s"], 0.5), ok)


def _p10(p: dict[str, Any]) -> Row:
    measured = f"{p['max_rss_mb']:.0f} MB (validate {p['validate_rss_mb']:.0f} MB)"
    worst = max(p["max_rss_mb"], p["validate_rss_mb"])
    ratio = share(worst, 120)
    return Row("P10", "peak RSS, no-op plan W5k", "≤ 120 MB", measured, ratio, worst <= 120)


def _p13(p: dict[str, Any]) -> list[Row]:
    out = []
    for key, label, goal in (
        ("version", "`omsform --version`, cold (median)", 0.150),
        ("validate_demo", "`omsform validate brands/demo`, cold (median)", 0.300),
    ):
        r = p[key]
        failed = "" if r["exit"] == 0 else f" (exit {r['exit']})"
        measured = (
            f"{1000 * r['median_s']:.0f} ms, cpu {1000 * r.get('cpu_median_s', 0):.0f} ms{failed}"
        )
        ok = r["median_s"] <= goal and r["exit"] == 0
        tag = "P13" if key == "version" else "P13b"
        ratio = share(r["median_s"], goal)
        out.append(Row(tag, label, f"≤ {1000 * goal:.0f} ms", measured, ratio, ok))
    return out


def _p14(p: dict[str, Any]) -> Row:
    label = f"PR plan, {p['changed']} {p['kind']} changed (`plan --changed-since`)"
    if not p["available"]:
        return Row("P14", label, "≤ 0.4 s", "not available", "-", None)
    exits = ",".join(map(str, p["exits"]))
    measured = f"{p['median_s']:.2f} s, {p['gets_per_run']:.0f} GETs (exit {exits})"
    ok = p["median_s"] <= 0.4 and p["exits"] == [2]
    return Row("P14", label, "≤ 0.4 s", measured, share(p["median_s"], 0.4), ok)


def table(all_rows: list[Row]) -> str:
    """The rows as an aligned plain-text table."""
    head = ("#", "figure", "goal", "measured", "ratio", "result")
    lines = [head] + [
        (r.key, r.metric, r.goal, r.measured, r.ratio, _verdict(r.ok)) for r in all_rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(t.rstrip() for t in text)


def _verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "FAIL")


def write_json(path: Path, figures: dict[str, Any], all_rows: list[Row]) -> None:
    """``bench-results.json``: every figure plus the table's verdicts."""
    verdicts = {
        r.key: {"measured": r.measured, "goal": r.goal, "ratio": r.ratio, "ok": r.ok}
        for r in all_rows
    }
    path.write_text(json.dumps({"figures": figures, "verdicts": verdicts}, indent=2) + "\n")


def header(f: dict[str, Any]) -> str:
    """The lines above the table: the workload, kinds left out and why, what is not measured."""
    w = f["workload"]
    kinds = ", ".join(f"{k} {n}" for k, n in w["kinds"].items())
    pinned = " (sandbox and omsform pinned to one each)" if f["machine"]["pinned"] else ""
    lines = [
        f"W5k: {w['objects']} objects, {w['yaml_bytes'] / 1e6:.2f} MB YAML, "
        f"{len(w['kinds'])} kind(s): {kinds}; latency {f['config']['latency_ms']:.0f} ms; "
        f"{f['machine']['cpus']} CPUs{pinned}",
    ]
    if w.get("seeded"):
        lines.append(f"Seeded in the sandbox's store (no API create): {', '.join(w['seeded'])}")
    if w.get("warnings"):
        each = ", ".join(f"{k} {n}" for k, n in w["warnings"].items())
        total = sum(w["warnings"].values())
        lines.append(f"Loading W5k gives {total} warning(s) (allowed): {each}")
    load, cpus = f["machine"]["loadavg_1min_at_start"], f["machine"]["cpus"] or 1
    lines.append(f"Load average (1 min) before the run: {load:.1f}")
    if load > 0.5 * cpus:
        lines[-1] += ": other processes were using these CPUs, so the times are noisy"
    if w["left_out"]:
        lines.append("Kinds left out:")
        lines += [f"  - {k}: {_short(why)}" for k, why in w["left_out"].items()]
    lines.append(f"Not measured here: {NOT_MEASURED}.")
    lines.append(RATIO_NOTE + ".")
    return "\n".join(lines) + "\n"


def _short(text: str, limit: int = 150) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
