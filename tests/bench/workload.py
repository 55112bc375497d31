"""The W5k brand directory: ``omsform.yaml`` pointing at a served sandbox, one plain YAML file
per kind, and the edits the benchmark makes (change some objects, add new ones)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from omsform.contract.provider import registry
from tests.bench.kinds import BenchKind

try:
    from yaml import CSafeDumper as Dumper
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeDumper as Dumper  # type: ignore[assignment]

SECRET_PREFIX = "OMSFORM_BENCH_"


@dataclass(frozen=True)
class Workload:
    """A generated brand: where it is, which kinds, how many objects each, and its secrets."""

    path: Path
    kinds: tuple[BenchKind, ...]
    counts: Mapping[str, int]  # kind → objects declared in the kind's main file
    env: Mapping[str, str]  # the ${secret.…} values the provider blocks need

    @property
    def total(self) -> int:
        """Objects declared in the main files."""
        return sum(self.counts.values())

    def yaml_bytes(self) -> int:
        """Size of every YAML file of the brand."""
        return sum(p.stat().st_size for p in self.path.glob("*.yaml"))


def spread(total: int, kinds: int) -> list[int]:
    """``total`` split over ``kinds`` as evenly as possible (larger shares first)."""
    share, extra = divmod(total, kinds)
    return [share + (1 if n < extra else 0) for n in range(kinds)]


def create(path: Path, kinds: list[BenchKind], total: int, base_url: str, token: str) -> Workload:
    """Write the brand directory at ``path`` with ``total`` objects over ``kinds``."""
    path.mkdir(parents=True, exist_ok=True)
    env = _write_config(path, {k.provider for k in kinds}, base_url, token)
    counts = dict(zip((k.kind for k in kinds), spread(total, len(kinds)), strict=True))
    for kind in kinds:
        write_objects(path / f"{kind.kind}.yaml", {kind: range(counts[kind.kind])})
    return Workload(path, tuple(kinds), counts, env)


def _write_config(path: Path, providers: set[str], base_url: str, token: str) -> dict[str, str]:
    """omsform.yaml with every secret field as ``${secret.…}``; returns the environment."""
    env: dict[str, str] = {}
    blocks: dict[str, Any] = {}
    for name in sorted(providers):
        provider = registry().providers[name]
        block = dict(provider.sandbox_config(base_url, token))
        for field_name in provider.secret_fields:
            if field_name in block:
                var = f"{SECRET_PREFIX}{name.upper()}_{field_name.upper()}"
                env[var] = str(block[field_name])
                block[field_name] = "${secret." + var + "}"
        blocks[name] = block
    config = {
        "brand": "bench",
        "providers": blocks,
        "manage": {"prune": [], "protect": []},
        "safety": {"max_change_fraction": 1.0, "min_existing": 10},
    }
    (path / "omsform.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return env


def write_objects(
    file: Path,
    objects: Mapping[BenchKind, range],
    changed: frozenset[tuple[str, int]] = frozenset(),
) -> None:
    """Write objects ``range`` of each kind to ``file``; ``(kind, i)`` in ``changed`` get one
    field edited (:meth:`BenchKind.edit`)."""
    doc: dict[str, Any] = {}
    for kind, numbers in objects.items():
        bodies = {}
        for i in numbers:
            body = kind.body(i)
            bodies[kind.local_name(i)] = kind.edit(body, i) if (kind.kind, i) in changed else body
        doc[kind.kind] = bodies
    file.write_text(yaml.dump(doc, Dumper=Dumper, sort_keys=False, default_flow_style=False))


def pick_changes(workload: Workload, n: int) -> frozenset[tuple[str, int]]:
    """``n`` objects spread evenly over the kinds and over each kind's objects."""
    picked: set[tuple[str, int]] = set()
    for kind, share in zip(workload.kinds, spread(n, len(workload.kinds)), strict=True):
        count = workload.counts[kind.kind]
        step = max(1, count // max(1, share))
        picked.update((kind.kind, i) for i in range(0, count, step)[:share])
    return frozenset(picked)


def rewrite_with_changes(workload: Workload, changed: frozenset[tuple[str, int]]) -> None:
    """Rewrite every main file with ``changed`` objects edited."""
    for kind in workload.kinds:
        file = workload.path / f"{kind.kind}.yaml"
        write_objects(file, {kind: range(workload.counts[kind.kind])}, changed)


def add_new(workload: Workload, label: str, n: int, offset: int) -> None:
    """A file ``new_<label>.yaml`` with ``n`` new objects spread over the kinds; their numbers
    start at ``offset`` (past every number in use). Seeded kinds cannot be created: left out."""
    creatable = [k for k in workload.kinds if not k.seeded]
    shares = spread(n, len(creatable))
    objects = {
        kind: range(offset, offset + share) for kind, share in zip(creatable, shares, strict=True)
    }
    write_objects(workload.path / f"new_{label}.yaml", objects)
