"""P14 (``python -m tests.bench.p14``): a pull request plan of one changed kind in W5k.

Generates W5k against a served sandbox (seed ``empty``), populates it with one apply, commits
it in a git repository, edits one object of one kind, sets the sandbox latency (20 ms, as P3),
then times cold ``omsform plan --changed-since HEAD --detailed-exitcode`` runs and, for
comparison, full plans, plus in-process phases (load the brand, select, read, build the plan) of
both. Prints the figures as JSON; timings are reported, never asserted.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import measure, workload
from tests.bench.select import select_kinds
from tests.bench.server import served

RUNS = 5
IDENTITY = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *IDENTITY, *args], cwd=repo, check=True, capture_output=True)


def phases(brand: str, ref: str | None) -> dict[str, float]:
    """One in-process plan (``ref``: ``--changed-since REF``, None: full), seconds per phase."""
    from omsform.engine import run as engine
    from omsform.engine import since
    from omsform.http.client import ClientOptions
    from omsform.lang.load import load_brand

    async def once() -> dict[str, float]:
        start = time.perf_counter()
        loaded = load_brand(brand)
        loaded_at = time.perf_counter()
        selection = since.select_changed(loaded, ref) if ref is not None else None
        selected_at = time.perf_counter()
        kinds = since.kinds_to_read(loaded, selection)
        session = await engine.open_session(loaded, kinds=kinds, options=ClientOptions())
        async with session:
            current = await engine.read(session, kinds)
            read_at = time.perf_counter()
            inputs = since.narrowed(engine.plan_inputs(session, current), selection)
            engine.plan_from(inputs, current, loaded, force=True)
        end = time.perf_counter()
        return {
            "load_s": loaded_at - start,
            "select_s": selected_at - loaded_at,
            "read_s": read_at - selected_at,
            "plan_s": end - read_at,
            "total_s": end - start,
        }

    return asyncio.run(once())


def main(objects: int = 5000, latency_ms: float = 20.0) -> dict[str, object]:
    """Measure; the figures as a JSON-ready dict."""
    kinds = select_kinds(budget=1_050_000 // 5000).used
    with tempfile.TemporaryDirectory() as tmp, served(Path(tmp) / "sandbox.sqlite") as server:
        work = workload.create(Path(tmp) / "brand", kinds, objects, server.base_url, server.token)
        env = {**os.environ, **work.env, "NO_COLOR": "1"}
        brand = str(work.path)
        done = measure.run_cli(["apply", brand, "--auto-approve", "--parallelism", "16"], env)
        if done.returncode != 0:
            raise SystemExit(f"populating failed:\n{done.stderr[-2000:]}")
        git(work.path, "init", "-q")
        git(work.path, "add", "-A")
        git(work.path, "commit", "-qm", "W5k")
        kind = kinds[0]
        workload.write_objects(
            work.path / f"{kind.kind}.yaml",
            {kind: range(work.counts[kind.kind])},
            frozenset({(kind.kind, 0)}),
        )
        server.knobs(latency_ms=latency_ms)
        partial = [
            measure.run_cli(["plan", brand, "--changed-since", "HEAD", "--detailed-exitcode"], env)
            for _ in range(RUNS)
        ]
        full = [measure.run_cli(["plan", brand, "--detailed-exitcode"], env) for _ in range(2)]
        os.environ.update(work.env)
        inside = {
            "partial": [phases(brand, "HEAD") for _ in range(3)],
            "full": [phases(brand, None)],
        }
    if any(r.returncode != 2 for r in [*partial, *full]):
        raise SystemExit(f"a plan did not find the one change:\n{partial[0].stderr[-2000:]}")
    return {
        "objects": objects,
        "kinds": dict(work.counts),
        "changed_kind": kind.kind,
        "latency_ms": latency_ms,
        "partial_runs_s": [r.wall_s for r in partial],
        "partial_median_s": measure.median([r.wall_s for r in partial]),
        "full_runs_s": [r.wall_s for r in full],
        "in_process": inside,
    }


if __name__ == "__main__":
    json.dump(main(), sys.stdout, indent=2)
    print()
