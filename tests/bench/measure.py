"""How things are timed: the real console script in a fresh process (wall time, CPU, peak RSS
of that one process), the engine in-process (read, apply), and the per-object baseline."""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import httpx

from omsform.apply.report import ApplyReport
from omsform.contract.spec import Remote
from omsform.engine import run as engine
from omsform.http.client import ClientOptions
from omsform.lang.load import Brand, load_brand
from omsform.plan.model import Action, Plan

DETAIL_PATH = re.compile(r"/\d+/?$")


@dataclass(frozen=True)
class CliRun:
    """One ``omsform`` process: exit code, wall and CPU seconds, peak RSS, output."""

    returncode: int
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    stdout: str
    stderr: str


def omsform_exe() -> str:
    """The console script next to this interpreter (as ``make`` installs it)."""
    return str(Path(sys.executable).with_name("omsform"))


def run_cli(args: list[str], env: Mapping[str, str], cwd: Path | None = None) -> CliRun:
    """Run ``omsform ARGS`` (in ``cwd``) to completion; its own rusage comes from ``wait4``.

    The process may write bytecode caches whatever the caller's environment says: an installed
    omsform has its modules compiled (pip does it at install), so a ``PYTHONDONTWRITEBYTECODE``
    inherited from the shell would make every timed process compile omsform's ~110 modules
    from source (about 0.2 s of CPU), a cost no user pays. The first, untimed run writes them."""
    child_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [omsform_exe(), *args], stdout=out, stderr=err, env=child_env, cwd=cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return CliRun(
            returncode=proc.returncode,
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            max_rss_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


def median(values: list[float]) -> float:
    """The median, or 0.0 for no values."""
    return statistics.median(values) if values else 0.0


def get_counts(stats: Mapping[str, Any]) -> tuple[int, int]:
    """(all GETs, per-object GETs) in a ``/_sandbox/stats`` answer."""
    gets = detail = 0
    for route, n in stats["by_path"].items():
        method, _, path = route.partition(" ")
        if method == "GET":
            gets += n
            detail += n if DETAIL_PATH.search(path) else 0
    return gets, detail


def write_count(stats: Mapping[str, Any]) -> int:
    """Requests other than GET/HEAD in a ``/_sandbox/stats`` answer."""
    return sum(n for m, n in stats["by_method"].items() if m not in ("GET", "HEAD"))


# --- in-process engine ----------------------------------------------------------------------


def load(path: Path, env: Mapping[str, str]) -> Brand:
    """The brand as the CLI loads it for a run against the provider blocks."""
    return load_brand(path, environ={**os.environ, **env})


@dataclass(frozen=True)
class Timing:
    """Wall seconds of a phase and the CPU seconds client and server spent in it."""

    wall_s: float
    client_cpu_s: float
    server_cpu_s: float


class Stopwatch:
    """Wall time plus this process's and the server's CPU time, between start and stop."""

    def __init__(self, server_cpu: Callable[[], float]) -> None:
        self.server_cpu = server_cpu
        self.wall, self.cpu, self.server = time.perf_counter(), time.process_time(), server_cpu()

    def stop(self) -> Timing:
        """The time since the stopwatch was made."""
        return Timing(
            time.perf_counter() - self.wall,
            time.process_time() - self.cpu,
            self.server_cpu() - self.server,
        )


async def timed_read(
    brand: Brand, server_cpu: Callable[[], float]
) -> tuple[Timing, dict[str, list[Remote[Any]]], engine.Session]:
    """A fresh session (new connections) and how long ``engine.read`` took in it."""
    kinds = engine.kinds_to_read(brand)
    options = ClientOptions(secrets=brand.secrets)
    session = await engine.open_session(brand, kinds=kinds, options=options)
    watch = Stopwatch(server_cpu)
    current = await engine.read(session, kinds)
    return watch.stop(), current, session


async def read_times(
    brand: Brand, runs: int, server_cpu: Callable[[], float]
) -> tuple[list[Timing], dict[str, list[Remote[Any]]]]:
    """``runs`` timed reads after one untimed warm-up; the last read's objects."""
    times: list[Timing] = []
    current: dict[str, list[Remote[Any]]] = {}
    for n in range(runs + 1):
        timing, current, session = await timed_read(brand, server_cpu)
        await session.__aexit__()
        if n:
            times.append(timing)
    return times, current


async def timed_apply(
    brand: Brand, parallelism: int | None, server_cpu: Callable[[], float]
) -> tuple[Timing, Plan, ApplyReport]:
    """Read, plan, then time ``engine.apply_brand`` alone (``None``: its default parallelism)."""
    _, current, session = await timed_read(brand, server_cpu)
    async with session:
        inputs = engine.plan_inputs(session, current)
        plan = engine.plan_from(inputs, current, brand, force=True)
        watch = Stopwatch(server_cpu)
        if parallelism is None:
            report = await engine.apply_brand(session, plan, current)
        else:
            report = await engine.apply_brand(session, plan, current, parallelism=parallelism)
        return watch.stop(), plan, report


def creates(plan: Plan) -> int:
    """Number of creates in ``plan``."""
    return sum(1 for c in plan.changes if c.action is Action.CREATE)


# --- the Terraform-style baseline -------------------------------------------------------------


async def object_paths(base_url: str, token: str, list_paths: list[str], n: int) -> list[str]:
    """``n`` detail paths (``<list>/<id>/``) of existing objects, cycling when there are fewer."""
    found: list[str] = []
    headers = {"Authorization": f"Token {token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
        for path in list_paths:
            url: str | None = path + "?page_size=1000&limit=1000"
            while url and len(found) < n:
                page = (await http.get(url)).raise_for_status().json()
                rows = page["results"] if isinstance(page, dict) else page
                found += [f"{path}{row['id']}/" for row in rows if "id" in row]
                url = page.get("next") if isinstance(page, dict) else None
    return list(islice(cycle(found), n)) if found else []


async def per_object_baseline(
    base_url: str, token: str, paths: list[str], concurrency: int = 10
) -> tuple[float, int]:
    """GET every path, ``concurrency`` at a time (Terraform's refresh): seconds, non-200s."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Token {token}"}
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=30
    ) as http:

        async def one(path: str) -> int:
            async with gate:
                return (await http.get(path)).status_code

        start = time.perf_counter()
        statuses = await asyncio.gather(*(one(p) for p in paths))
        return time.perf_counter() - start, sum(1 for s in statuses if s != 200)
