"""Kinds whose objects cannot be created through the API but can be numerous: they go into the
sandbox's store before it is served, as OMS would hold them.

Channels come from Omnitron (the setup step copies them), and the settings endpoint creates
only the documented keys (rows from elsewhere may have any key). Their objects are declared
in the brand like the others, so plan reads, compares and updates them, but ``apply`` never
creates one (P6 leaves these kinds out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omsform.contract.provider import kind_index
from omsform.sandbox import build_app
from omsform.sandbox.store import Store
from tests.bench.kinds import BenchKind, choose_fields

Doc = dict[str, Any]


@dataclass(frozen=True)
class SeededKind:
    """Where a seeded kind's objects are stored and how a declared body becomes a stored row."""

    collection: str
    level: str  # the synthesis level (:mod:`tests.bench.synth`) its bodies are written at
    row: Callable[[Doc, int], Doc]  # (declared values, number) → the stored document


def _channel(values: Doc, i: int) -> Doc:
    return {
        "name": values["name"],
        "omnitron_id": 100_000 + i,
        "channel_type": "web",
        "configuration": values.get("configuration", {}),
        "is_active": values.get("is_active", True),
    }


def _setting(values: Doc, i: int) -> Doc:
    return {"key": values["key"], "json_value": values["value"]}


SEEDED: dict[str, SeededKind] = {
    # `no_ids`: a channel is declared by name, not also by omnitron_id
    "oms_channel": SeededKind("channels", "no_ids", _channel),
    "oms_setting": SeededKind("application_settings", "full", _setting),
}


def seeded_kinds(budget: int) -> list[BenchKind]:
    """The seeded kinds that are installed, written within ``budget`` bytes per object."""
    index = kind_index()
    found = []
    for kind, seeded in SEEDED.items():
        if kind not in index:
            continue
        provider, resource = index[kind]
        fields = choose_fields(resource, seeded.level, budget)
        found.append(BenchKind(kind, provider.name, resource, seeded.level, fields, seeded=True))
    return found


def seed_store(db: Path, counts: Mapping[BenchKind, int]) -> None:
    """Create the sandbox database at ``db`` (seed ``empty``) holding ``counts[kind]`` objects of
    every seeded kind, as declared (each row built from the values its YAML body carries)."""
    store = Store(db)
    try:
        build_app(store, seed="empty")
        with store.transaction():
            for kind, n in counts.items():
                seeded = SEEDED[kind.kind]
                for i in range(n):
                    values = {**kind.values(i), **kind.body(i)}
                    store.insert(seeded.collection, seeded.row(values, i))
    finally:
        store.close()
