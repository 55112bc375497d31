"""The library's floor under P6: the same number of creates sent by a bare httpx client (no
omsform: no journal, ledger, plan or model), shaped as omsform sends them — at most 16 in
flight, each connection in an httpx pool of its own, on the event loop omsform runs on — so the
table shows how much of P6's time and CPU is the HTTP stack itself and how much is omsform."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import httpx
from omsform_akinon_oms.api import DENIAL_REASONS

from omsform.engine import loop
from omsform.gcpause import gc_frozen

WIDTH = 16


@dataclass(frozen=True)
class Floor:
    """Wall seconds and client CPU seconds of ``n`` bare creates."""

    n: int
    wall_s: float
    cpu_s: float
    non_201: int


def bare_creates(base_url: str, token: str, n: int) -> Floor:
    """POST ``n`` denial reasons (one small body and an Idempotency-Key each), timed; with the
    bench's own objects frozen out of the cyclic collector, as apply freezes the run's."""
    with gc_frozen():
        return loop.run(_creates(base_url, token, n))


async def _creates(base_url: str, token: str, n: int) -> Floor:
    headers = {"Authorization": f"Token {token}"}
    pools = [
        httpx.AsyncClient(
            base_url=base_url, headers=headers, limits=httpx.Limits(max_connections=1)
        )
        for _ in range(WIDTH)
    ]
    busy = [0] * WIDTH
    gate = asyncio.Semaphore(WIDTH)
    run = uuid.uuid4().hex[:8]

    async def one(i: int) -> int:
        async with gate:
            shard = busy.index(min(busy))
            busy[shard] += 1
            try:
                body = {"title": f"floor {run} {i}"}
                key = {"Idempotency-Key": f"floor-{run}-{i}"}
                answer = await pools[shard].post(DENIAL_REASONS, json=body, headers=key)
                return answer.status_code
            finally:
                busy[shard] -= 1

    try:
        cpu, wall = time.process_time(), time.perf_counter()
        codes = await asyncio.gather(*(one(i) for i in range(n)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        for pool in pools:
            await pool.aclose()
    return Floor(n, wall, cpu, sum(1 for c in codes if c != 201))
