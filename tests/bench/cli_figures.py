"""Figures taken from cold ``omsform`` processes beyond the W5k plan itself: the no-op plan
under a sandbox rate limit (P7), start-up time (P13) and the PR plan of one changed kind (P14).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from tests.bench import measure, workload
from tests.bench.bench import ROOT, Bench, say
from tests.bench.kinds import BenchKind

DEMO_BRAND = ROOT / "brands" / "demo"
CHANGED_SINCE = "--changed-since"


def p7(b: Bench) -> None:
    """A cold no-op plan while the sandbox allows ``rate_limit_per_s`` requests a second and
    answers 429 with ``Retry-After`` beyond; the floor is answered requests / limit."""
    limit = b.config.rate_limit_per_s
    say(f"P7: cold no-op plan under a rate limit of {limit:g} requests/s")
    b.server.reset_stats()
    b.server.knobs(rate_limit_per_s=limit)
    try:
        run = b.cli("plan", b.brand, "--detailed-exitcode")
    finally:
        b.server.knobs(rate_limit_per_s=0)
    stats = b.server.stats()
    answered = stats["total"] - stats["throttled"]
    b.figures["P7"] = {
        "limit_per_s": limit,
        "seconds": run.wall_s,
        "exit": run.returncode,
        "requests": stats["total"],
        "throttled": stats["throttled"],
        "answered": answered,
        "floor_s": answered / limit,
        "error": run.stderr.strip().splitlines()[-3:] if run.returncode else [],
    }


def p13(b: Bench) -> None:
    """Median of a few cold ``omsform --version`` and ``omsform validate brands/demo``."""
    n = b.config.startup_runs
    say(f"P13: cold `omsform --version` and `omsform validate brands/demo` x{n}")
    env = {k: v for k, v in b.env.items() if not k.startswith(workload.SECRET_PREFIX)}
    figures: dict[str, Any] = {}
    for label, args in (("version", ["--version"]), ("validate_demo", ["validate", "brands/demo"])):
        if b.config.warm_up:
            measure.run_cli(args, env, cwd=ROOT)  # warm the file cache
        runs = [measure.run_cli(args, env, cwd=ROOT) for _ in range(n)]
        figures[label] = {
            "runs_s": [r.wall_s for r in runs],
            "median_s": measure.median([r.wall_s for r in runs]),
            "cpu_median_s": measure.median([r.cpu_s for r in runs]),
            "exit": max(r.returncode for r in runs),
        }
    b.figures["P13"] = figures


def p14(b: Bench) -> None:
    """The brand as a git repository whose last commit changes one kind's file, then (when this
    omsform has ``plan --changed-since``) cold ``plan --changed-since HEAD~1`` runs."""
    kind = b.work.kinds[0]
    changed = commit_one_kind_change(b.work, kind, b.config.pr_changes, b.changed)
    figures: dict[str, Any] = {"kind": kind.kind, "changed": len(changed), "available": False}
    if has_changed_since(b.env):
        n = b.config.pr_plan_runs
        say(f"P14: cold `plan --changed-since HEAD~1` x{n} ({kind.kind} changed)")
        args = ("plan", b.brand, CHANGED_SINCE, "HEAD~1", "--detailed-exitcode")
        b.server.reset_stats()
        runs = [b.cli(*args, cwd=b.work.path) for _ in range(n)]
        gets, _ = measure.get_counts(b.server.stats())
        figures.update(
            available=True,
            gets_per_run=gets / n,
            runs_s=[r.wall_s for r in runs],
            median_s=measure.median([r.wall_s for r in runs]),
            exits=sorted({r.returncode for r in runs}),
        )
    else:
        say(f"P14: this omsform has no `plan {CHANGED_SINCE}`; the git repository is ready")
    b.figures["P14"] = figures


def has_changed_since(env: dict[str, str]) -> bool:
    """Whether ``omsform plan`` accepts ``--changed-since`` (so P14 turns itself on)."""
    return CHANGED_SINCE in measure.run_cli(["plan", "--help"], env).stdout


def commit_one_kind_change(
    work: workload.Workload, kind: BenchKind, n: int, edited: frozenset[tuple[str, int]]
) -> frozenset[tuple[str, int]]:
    """Commit the brand as it is (objects in ``edited`` already carry their edit), then edit
    ``n`` more objects in ``kind``'s own file and commit again (``HEAD~1`` is the state before
    the pull request); the newly edited objects."""
    git(work.path, "init", "-q")
    git(work.path, "add", "-A")
    git(work.path, "commit", "-q", "-m", "W5k as applied")
    count = work.counts[kind.kind]
    spread_out = ((kind.kind, i) for i in range(1, count, max(1, count // n)))
    changed = frozenset([o for o in spread_out if o not in edited][:n])
    workload.write_objects(work.path / f"{kind.kind}.yaml", {kind: range(count)}, edited | changed)
    git(work.path, "commit", "-q", "-am", f"change {len(changed)} {kind.kind} objects")
    return changed


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; its output."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout
