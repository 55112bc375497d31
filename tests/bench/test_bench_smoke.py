"""The benchmark machinery on a 50-object workload: it runs end to end against a served sandbox
and yields every figure; call counts are checked, timings never."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench import report
from tests.bench.cli_figures import git
from tests.bench.run import Config, measure_all

pytestmark = pytest.mark.slow

TINY = Config(
    objects=50,
    changes=5,
    creates=10,
    latency_ms=0.0,
    plan_runs=1,
    validate_runs=1,
    read_runs=1,
    plan_cpu_runs=1,
    large_objects=200,
    populate_parallelism=8,
    rate_limit_per_s=8,  # below the plan's 9 GETs: one is likely refused with 429
    startup_runs=1,
    pr_plan_runs=1,
    pr_changes=2,
    warm_up=False,
)
ISSUE_KINDS = {  # issue 14: every kind that can have thousands of objects
    "oms_stock_location",
    "oms_webhook",
    "oms_scenario",
    "oms_transition",
    "oms_denial_reason",
    "oms_cargo_integration",
    "oms_setting",
    "oms_channel",
}


def test_the_benchmark_runs_on_a_tiny_workload_and_reports_every_figure(tmp_path: Path) -> None:
    figures = measure_all(TINY, tmp_path)

    assert figures["workload"]["objects"] == 50
    assert set(figures["workload"]["kinds"]) >= ISSUE_KINDS
    p1 = figures["P1"]
    assert p1["per_object_gets"] == 0
    assert p1["gets"] == p1["floor"] + p1["allowed_extra"]
    assert figures["P2"]["writes"] == figures["P2"]["changed"] == 5
    assert figures["P2"]["noop_writes"] == 0
    assert figures["P6"]["a"]["writes"] == figures["P6"]["b"]["writes"] == 10
    assert figures["P6"]["bare"]["non_201"] == 0  # the library floor's creates all landed
    assert figures["P9"]["error_located"]
    assert figures["P3"]["baseline_calls"] == 50
    p7 = figures["P7"]
    assert p7["exit"] == 0 and p7["answered"] == p1["gets"]  # 429s or not, the same reads
    assert figures["P13"]["version"]["exit"] == figures["P13"]["validate_demo"]["exit"] == 0
    last_commit = git(tmp_path / "brand", "show", "--name-only", "--format=", "HEAD").split()
    assert last_commit == [f"{figures['P14']['kind']}.yaml"]
    if figures["P14"]["available"]:
        assert figures["P14"]["exits"] == [2]  # changes found
    assert "50 objects" in report.header(figures)
    table = report.table(report.rows(figures))
    for key in ("P1", "P2", "P3", "P4", "P6", "P6f", "P7", "P8", "P9", "P10", "P13", "P14"):
        assert f"\n{key} " in table
