"""The brands the chaos scenarios run: a copy of ``brands/demo``, and a generated brand of about
300 objects — the benchmark's generator (:mod:`tests.bench.workload`, every kind it can create
in bulk) plus the demo's own files, so that it also carries secrets, setup steps, a protected
kind and pruned kinds."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.bench import workload
from tests.bench.select import select_kinds
from tests.chaos.world import World
from tests.e2e.conftest import (
    CONFIG_FILE,
    DEMO,
    Server,
    copy_demo,
    default_secrets,
    demo_env,
)

PROVIDERS = {"akinon_oms", "ginesys"}
BUDGET = 210  # YAML bytes per generated object, as the benchmark's W5k


def demo_world(
    root: Path, server: Server, secrets: dict[str, str] | None = None, step_seconds: float = 0.2
) -> World:
    """A fresh copy of the demo brand under ``root`` against ``server`` (seeded ``demo``)."""
    brand = copy_demo(root / "demo")
    chosen = secrets if secrets is not None else default_secrets(brand)
    env = demo_env(brand, server, chosen)
    return World("demo", brand, server, env, "demo", step_seconds, dict(chosen))


def generated_world(root: Path, server: Server, objects: int, step_seconds: float = 0.2) -> World:
    """``objects`` generated objects plus the demo's resources, under ``root``, against
    ``server`` (seeded ``demo``: the demo's setup steps copy from its fake Omnitron)."""
    selection = select_kinds(budget=BUDGET)
    if not selection.used:
        raise SystemExit(f"no kind can be generated in bulk: {selection.left_out}")
    brand = root / f"w{objects}"
    work = workload.create(brand, selection.used, objects, server.base, server.token)
    for source in DEMO.glob("*.yaml"):
        if source.name != CONFIG_FILE:
            shutil.copy(source, brand / f"demo_{source.name}" if source.stem != "vars" else brand)
    # every provider the demo's files use too, with the demo's manage rules
    credentials = workload._write_config(brand, PROVIDERS, server.base, server.token)
    _take_demo_rules(brand / CONFIG_FILE)
    secrets = default_secrets(brand)
    env = {**demo_env(brand, server, secrets), **work.env, **credentials}
    return World(f"w{objects}+demo", brand, server, env, "demo", step_seconds, secrets)


def _take_demo_rules(config: Path) -> None:
    """The generated ``omsform.yaml`` with the demo's ``manage`` rules (prune, protect)."""
    doc: dict[str, Any] = yaml.safe_load(config.read_text())
    demo: dict[str, Any] = yaml.safe_load((DEMO / CONFIG_FILE).read_text())
    doc["manage"] = demo["manage"]
    config.write_text(yaml.safe_dump(doc, sort_keys=False))
