"""The benchmark machinery on a 50-object workload: it runs end to end against a served sandbox
and yields every figure; call counts are checked, timings never."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench import report
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
)


def test_the_benchmark_runs_on_a_tiny_workload_and_reports_every_figure(tmp_path: Path) -> None:
    figures = measure_all(TINY, tmp_path)

    assert figures["workload"]["objects"] == 50
    assert figures["P1"]["per_object_gets"] == 0
    assert figures["P2"]["writes"] == figures["P2"]["changed"] == 5
    assert figures["P2"]["noop_writes"] == 0
    assert figures["P6"]["a"]["writes"] == figures["P6"]["b"]["writes"] == 10
    assert figures["P9"]["error_located"]
    assert figures["P3"]["baseline_calls"] == 50
    assert "50 objects" in report.header(figures)
    table = report.table(report.rows(figures))
    for key in ("P1", "P2", "P3", "P4", "P6", "P8", "P9", "P10"):
        assert f"\n{key} " in table
