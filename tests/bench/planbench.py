"""P8: CPU time of ``build_plan`` alone, on real inputs and on synthetic W5k/W50k inputs built
directly (no server, no YAML) to check that planning grows linearly."""

from __future__ import annotations

import gc
import time
from typing import Any

from omsform.contract.provider import kind_index
from omsform.contract.spec import Desired, Remote, Spec
from omsform.plan.build import PlanInputs, build_plan
from tests.bench.kinds import BenchKind
from tests.bench.workload import spread


def plan_cpu_ms(inputs: PlanInputs, runs: int) -> list[float]:
    """CPU milliseconds of ``runs`` calls of ``build_plan(inputs)`` (a collection before each)."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        build_plan(inputs)
        times.append((time.process_time() - start) * 1000)
    return times


def spec_of(kind: BenchKind, i: int, changed: bool = False) -> Spec:
    """Object ``i`` as ``load_brand`` would build it (edited when ``changed``)."""
    body = kind.body(i)
    return kind.spec(kind.edit(body, i) if changed else body, i)


def synthetic_inputs(kinds: list[BenchKind], total: int, drift_every: int = 100) -> PlanInputs:
    """``total`` declared objects over ``kinds``, each also current; every ``drift_every``-th
    current object differs in one field (1 % drift by default)."""
    desired: dict[str, Desired[Any]] = {}
    current: dict[str, list[Remote[Any]]] = {}
    n = 0
    for kind, count in zip(kinds, spread(total, len(kinds)), strict=True):
        remotes: list[Remote[Any]] = []
        for i in range(count):
            name = kind.local_name(i)
            address = f"{kind.kind}.{name}"
            desired[address] = Desired(address, kind.kind, name, spec_of(kind, i))
            live = spec_of(kind, i, changed=n % drift_every == 0)
            remotes.append(Remote(id=i + 1, spec=live, fingerprint=f"v{i}"))
            n += 1
        current[kind.kind] = remotes
    index = kind_index()
    return PlanInputs(
        brand="bench",
        desired=dict(sorted(desired.items())),
        current=current,
        resources={k: r for k, (_, r) in index.items()},
        provider_of={k: p.name for k, (p, _) in index.items()},
    )
