"""Replaying a recording made with ``omsform plan --record DIR`` through the providers' read
path: the brand copy in ``DIR/brand`` is planned against ``DIR/cassette.yaml`` (strict: a
request that is not in the cassette fails), with the recorded hosts and ``api`` overrides from
``DIR/meta.json`` and placeholder values for every credential and secret."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from omsform.contract.provider import registry
from omsform.engine import run as engine
from omsform.http.client import ClientOptions
from omsform.http.record import BRAND, CASSETTE, META, Scrubber, recorder
from omsform.lang.load import load_brand
from omsform.plan.model import Plan

REFERENCE = re.compile(r"\$\{\s*(?:env|secret)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}")
PLACEHOLDER = "replayed-value-{}"


def recordings(root: Path) -> list[Path]:
    """Every recording directory under ``root`` (one holding a cassette and its meta)."""
    return sorted(p.parent for p in root.glob(f"*/{CASSETTE}") if (p.parent / META).is_file())


def replay_plan(recording: Path) -> Plan:
    """The plan of ``recording``'s brand, every answer taken from its cassette."""
    meta = json.loads((recording / META).read_text())
    brand_dir = recording / BRAND
    text = "\n".join(p.read_text() for p in sorted(brand_dir.glob("*.y*ml")))
    env = {name: PLACEHOLDER.format(name.lower()) for name in REFERENCE.findall(text)}
    brand = load_brand(brand_dir, sandbox=True, environ=env)
    configs = {name: _block(name, block) for name, block in meta["providers"].items()}
    vcr = recorder(Scrubber(()), record=False)
    with vcr.use_cassette(str(recording / CASSETTE), allow_playback_repeats=True):
        return asyncio.run(_plan(brand, configs))


def _block(name: str, public: dict[str, Any]) -> dict[str, Any]:
    """The recorded block with a placeholder credential (the cassette holds none)."""
    credential = registry().providers[name].secret_fields[0]
    return {**public, credential: "replayed-credential"}


async def _plan(brand: Any, configs: dict[str, Any]) -> Plan:
    kinds = engine.kinds_to_read(brand)
    # no transport: vcrpy answers every request from the cassette, whatever the host
    options = ClientOptions(insecure=True, secrets=brand.secrets)
    session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
    async with session:
        current = await engine.read(session, kinds)
        inputs = engine.plan_inputs(session, current)
        return engine.plan_from(inputs, current, brand, force=True)
