"""`make chaos` (``python -m tests.chaos.run``): the chaos matrices of issue 9 on the demo brand
and on a generated 300-object brand, each against its own served sandbox on loopback; prints one
row per scenario with its figures and PASS/FAIL against the issue's "Done when" bound.

Exit 0 when every row passes, 1 otherwise. ``--quick`` runs a few trials of each (a smoke run).
About 10 to 15 minutes on a 2-core machine with the default sizes.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from tests.chaos import scenarios
from tests.chaos.brands import demo_world, generated_world
from tests.chaos.scenarios import Row
from tests.chaos.world import World
from tests.e2e.conftest import Server, served

FAULT_RATES = (0.1, 0.3, 0.5)


@dataclass(frozen=True)
class Sizes:
    """Trials per scenario, for the demo brand and the generated one."""

    objects: int = 300
    kills: tuple[int, int] = (35, 15)
    faults: tuple[int, int] = (3, 2)  # per rate
    drops: tuple[int, int] = (3, 2)
    concurrent: tuple[int, int] = (10, 5)


QUICK = Sizes(objects=60, kills=(3, 2), faults=(1, 1), drops=(1, 1), concurrent=(2, 1))


def say(text: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[chaos] {text}", file=sys.stderr, flush=True)


@contextmanager
def server_for(root: Path) -> Iterator[Server]:
    """A ``demo``-seeded sandbox whose token is itself a canary."""
    with served(root / "server.sqlite", token=scenarios.canary()) as server:
        yield server


def plan_rows(world: World, root: Path, sizes: Sizes, which: int) -> list[Callable[[], Row]]:
    """The scenarios for one world (``which``: 0 demo, 1 generated), in running order."""
    rng = random.Random(9 + which)
    jobs: list[Callable[[], Row]] = [
        lambda: scenarios.canaries(world, root / "canary"),
        lambda: scenarios.tampered(world, root),
        *(partial(scenarios.listing, world, shape) for shape in scenarios.LIST_SHAPES),
        lambda: scenarios.concurrent(world, sizes.concurrent[which], rng),
        *(
            partial(scenarios.faults, world, rate, sizes.faults[which], scenarios.ALL_FAULTS)
            for rate in FAULT_RATES
        ),
        lambda: scenarios.faults(world, 0.3, sizes.drops[which], scenarios.DROPS, "drops"),
        lambda: scenarios.kill(world, sizes.kills[which], rng),
    ]
    return jobs


def run_all(sizes: Sizes, root: Path) -> list[Row]:
    """Every scenario on both brands."""
    rows: list[Row] = []
    with ExitStack() as stack:
        demo_root, gen_root = root / "demo", root / "generated"
        for folder in (demo_root / "canary", gen_root / "canary"):
            folder.mkdir(parents=True)
        demo = demo_world(demo_root / "canary", stack.enter_context(server_for(demo_root)))
        say(f"generating a {sizes.objects}-object brand")
        generated = generated_world(
            gen_root / "canary", stack.enter_context(server_for(gen_root)), sizes.objects
        )
        for which, (world, folder) in enumerate(((demo, demo_root), (generated, gen_root))):
            for job in plan_rows(world, folder, sizes, which):
                started = time.perf_counter()
                row = job()
                row.figures["s"] = round(time.perf_counter() - started)
                say(f"{row.brand}: {row.scenario}: {'PASS' if row.passed else 'FAIL'}")
                rows.append(row)
    return rows


def table(rows: list[Row]) -> str:
    """The figures as a Markdown table, then the first failure details of each failing row."""
    lines = [
        "| scenario | brand | trials | figures | result |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        figures = "; ".join(f"{k}: {v}" for k, v in row.figures.items())
        verdict = "PASS" if row.passed else "FAIL"
        lines.append(f"| {row.scenario} | {row.brand} | {row.trials} | {figures} | {verdict} |")
    details = [f"- {r.brand} / {r.scenario}: {n}" for r in rows if not r.passed for n in r.notes]
    if details:
        lines += ["", "Failures (first few per row):", *details]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the matrices and print the table; exit 1 when a row fails its bound."""
    parser = argparse.ArgumentParser(prog="python -m tests.chaos.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few trials of each scenario")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="omsform-chaos-") as tmp:
        rows = run_all(sizes, Path(tmp))
    print(table(rows))
    failed = sum(not r.passed for r in rows)
    elapsed = time.perf_counter() - started
    print(f"\n{len(rows) - failed} of {len(rows)} rows pass ({elapsed:.0f} s in all).")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
