"""The figures as table rows, each with its spec §11 goal and a pass/fail, and as JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NOT_MEASURED = (
    "P5 (HTTP throughput ceiling), P7 (rate limit), P11 (journal overhead), P12 (ETags), "
    "the skewed W5k variant and the warm-parse-cache plan time"
)
GOALS = {
    "P1": "Σ⌈N_kind/100⌉ list GETs (+ setup steps, lookups); 0 per-object GETs",
    "P2": "1 write per changed object; no-op apply 0 writes",
    "P3": "≤ 1.5 s, ≥ 10× faster than per-object baseline",
    "P4": "≤ 0.35 s",
    "P6": "≤ 2.0 s at default parallelism",
    "P8": "≤ 50 ms; W50k ≤ 12× W5k",
    "P9": "≤ 1.0 s, file:line:column on errors",
    "P10": "≤ 150 MB",
}


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
    out += [*_p8(f["P8"]), _p9(f["P9"]), _p10(f["P10"])]
    return out


def _p1(p: dict[str, Any]) -> Row:
    ok = p["per_object_gets"] == 0 and p["gets"] == p["expected"]
    measured = f"{p['gets']} GETs ({p['per_object_gets']} per-object)"
    return Row(
        "P1", "API calls, no-op plan", GOALS["P1"], measured, f"expected {p['expected']}", ok
    )


def _p2(p: dict[str, Any]) -> Row:
    ok = p["writes"] == p["changed"] and p["per_object_gets"] == 0 and p["noop_writes"] == 0
    measured = (
        f"{p['writes']} writes for {p['changed']} changed; "
        f"{p['per_object_gets']} per-object GETs; no-op {p['noop_writes']}"
    )
    return Row("P2", "writes per changed object", GOALS["P2"], measured, "", ok)


def _p3(p: dict[str, Any]) -> list[Row]:
    ratio = p["baseline_s"] / p["median_s"] if p["median_s"] and p["baseline_s"] else 0.0
    ok = p["median_s"] <= 1.5 and (ratio >= 10 or not p["baseline_s"])
    main = Row(
        "P3",
        "no-op plan, cold process (median)",
        GOALS["P3"],
        f"{p['median_s']:.2f} s{_cpu(p['cpu_median_s'], p['server_cpu_median_s'])}",
        f"{ratio:.1f}× faster" if ratio else "no baseline",
        ok,
    )
    base = Row(
        "P3b",
        f"baseline: {p['baseline_calls']} GETs, c=10",
        "(reference)",
        f"{p['baseline_s']:.2f} s",
        "1.0×",
        None,
    )
    return [main, base] if p["baseline_s"] else [main]


def _cpu(client: float, server: float) -> str:
    return f" (cpu: omsform {client:.2f} s, sandbox {server:.2f} s)"


def _p4(p: dict[str, Any]) -> Row:
    ratio = f"{p['baseline_s'] / p['median_s']:.0f}× faster" if p.get("baseline_s") else ""
    measured = f"{p['median_s']:.3f} s{_cpu(p['client_cpu_median_s'], p['server_cpu_median_s'])}"
    return Row("P4", "read phase (median)", GOALS["P4"], measured, ratio, p["median_s"] <= 0.35)


def _p6(p: dict[str, Any]) -> list[Row]:
    out = []
    for label, goal in (("a", GOALS["P6"]), ("b", "(information)")):
        r = p[label]
        out.append(
            Row(
                "P6" if label == "a" else "P6b",
                f"apply {p['creates']} creates (parallelism {r['parallelism']})",
                goal,
                f"{r['seconds']:.2f} s{_cpu(r['client_cpu_s'], r['server_cpu_s'])}",
                f"floor {r['floor_s']:.2f} s",
                (r["seconds"] <= 2.0 and r["ok"]) if label == "a" else None,
            )
        )
    return out


def _p8(p: dict[str, Any]) -> list[Row]:
    linear = p["w50k_ms"] / p["w5k_synthetic_ms"] if p["w5k_synthetic_ms"] else 0.0
    real = Row(
        "P8",
        "build_plan CPU, W5k no-op",
        GOALS["P8"],
        f"{p['w5k_ms']:.1f} ms",
        "",
        p["w5k_ms"] <= 50,
    )
    synth = Row(
        "P8b",
        f"build_plan CPU, synthetic 1 % drift: {p['small_n']} → {p['large_n']}",
        "≤ 50 ms; ≤ 12×",
        f"{p['w5k_synthetic_ms']:.1f} → {p['w50k_ms']:.1f} ms",
        f"{linear:.1f}×",
        p["w5k_synthetic_ms"] <= 50 and linear <= 12,
    )
    return [real, synth]


def _p9(p: dict[str, Any]) -> Row:
    ok = p["median_s"] <= 1.0 and p["error_located"]
    located = "located" if p["error_located"] else "NOT located"
    measured = f"{p['median_s']:.2f} s (error run {p['error_s']:.2f} s, {located})"
    return Row("P9", "omsform validate (median)", GOALS["P9"], measured, "", ok)


def _p10(p: dict[str, Any]) -> Row:
    measured = f"{p['max_rss_mb']:.0f} MB (validate {p['validate_rss_mb']:.0f} MB)"
    return Row("P10", "peak RSS, no-op plan", GOALS["P10"], measured, "", p["max_rss_mb"] <= 150)


def table(all_rows: list[Row]) -> str:
    """The rows as an aligned plain-text table."""
    head = ("#", "metric", "goal", "measured", "ratio", "result")
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
    verdicts = {r.key: {"measured": r.measured, "goal": r.goal, "ok": r.ok} for r in all_rows}
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
    load, cpus = f["machine"]["loadavg_1min_at_start"], f["machine"]["cpus"] or 1
    lines.append(f"Load average (1 min) before the run: {load:.1f}")
    if load > 0.5 * cpus:
        lines[-1] += ": other processes were using these CPUs, so the times are noisy"
    if len(w["kinds"]) < 10:
        lines.append(f"Only {len(w['kinds'])} kind(s) can be created in bulk (spec: 10); left out:")
        lines += [f"  - {k}: {_short(why)}" for k, why in w["left_out"].items()]
    lines.append(f"Not measured here: {NOT_MEASURED}.")
    return "\n".join(lines) + "\n"


def _short(text: str, limit: int = 150) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
