"""What every benchmark phase shares: the workload sizes (:class:`Config`), the run in progress
(:class:`Bench`) and progress lines on stderr."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench import measure, workload
from tests.bench.server import Server

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Config:
    """Workload sizes and repetitions (the defaults are the spec's W5k)."""

    objects: int = 5000
    changes: int = 100
    creates: int = 1000
    latency_ms: float = 20.0
    plan_runs: int = 5
    validate_runs: int = 5
    read_runs: int = 5
    plan_cpu_runs: int = 7
    large_objects: int = 50_000
    baseline: bool = True
    populate_parallelism: int = 16
    rate_limit_per_s: float = 20.0  # P7: the sandbox refuses more with 429 + Retry-After
    startup_runs: int = 5  # P13: cold `--version` and `validate brands/demo` processes
    pr_plan_runs: int = 5  # P14: cold `plan --changed-since` processes
    pr_changes: int = 10  # P14: objects edited in the one changed kind's file
    warm_up: bool = True  # an untimed process before timed ones (fills the file cache)


@dataclass
class Bench:
    """One benchmark run in progress."""

    config: Config
    server: Server
    work: workload.Workload
    env: dict[str, str]
    figures: dict[str, Any]
    changed: frozenset[tuple[str, int]] = frozenset()  # objects P2 edited (still edited)

    def cli(self, *args: str, cwd: Path | None = None) -> measure.CliRun:
        """``omsform ARGS`` in a fresh process."""
        return measure.run_cli(list(args), self.env, cwd=cwd)

    @property
    def brand(self) -> str:
        """The brand directory, as a CLI argument."""
        return str(self.work.path)


def say(text: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[bench] {text}", file=sys.stderr, flush=True)
