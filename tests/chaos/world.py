"""One brand against one served sandbox, and what the chaos scenarios observe of it: the console
script run to the end or killed, the server's write count, live objects per natural key (read
from the sandbox's own store, not through omsform), ledger fingerprints and plans as JSON.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.conftest import OMSFORM, Result, Server

RUN_TIMEOUT_S = 240.0
"""No single omsform run may take longer (a hung run is a failure, never a hung harness)."""

POLL_S = 0.01

KEYS: Mapping[str, tuple[str, ...]] = {
    "cargo_companies": ("erp_code",),
    "channels": ("name",),
    "package_denial_reasons": ("title",),
    "scenarios": ("name",),
    "application_settings": ("key",),
    "stock_locations": ("erp_code",),
    "transitions": ("slug",),
    "oms_hooks": ("event_type", "target_url"),
    "ginesys_oms_apps": ("organization_unit_id",),
    "stock_engines": (),  # one per brand
}
"""Sandbox collection → the fields of its stored rows that make an object's natural key (the
kinds' ``key_fields`` as the API names them)."""

APPLIED = re.compile(r"^\s*applied \S+ (\S+)", re.MULTILINE)

DEFAULT_KNOBS: dict[str, Any] = {
    "latency_ms": 0.0,
    "jitter_ms": 0.0,
    "fail_rate": 0.0,
    "faults": ["503", "429", "drop"],
    "fail_next": 0,
    "fault_path": "",
    "retry_after_s": 1,
    "rate_limit_per_s": 0.0,
    "listing_fault": "",
}


@dataclass
class World:
    """``brand`` (a directory) run with ``env`` against ``server``, reset to ``seed`` between
    trials; setup steps take ``step_seconds``."""

    name: str
    brand: Path
    server: Server
    env: dict[str, str]
    seed: str
    step_seconds: float = 0.2
    secrets: dict[str, str] = field(default_factory=dict)

    # --- running omsform ------------------------------------------------------------------
    def run(self, *args: str, env: Mapping[str, str] | None = None) -> Result:
        """``omsform ARGS`` (with ``BRAND`` standing for the brand directory) to the end."""
        proc = self.start(*args, env=env)
        return self.finish(proc)

    def start(self, *args: str, env: Mapping[str, str] | None = None) -> Running:
        """``omsform ARGS`` started in the background (output kept in temporary files)."""
        argv = [str(self.brand) if a == "BRAND" else a for a in args]
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115 (closed by Running.result)
        proc = subprocess.Popen(
            [str(OMSFORM), *argv],
            env={**self.env, **(env or {})},
            cwd=self.brand.parent,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        return Running(tuple(argv), proc, out, err)

    def finish(self, running: Running) -> Result:
        """Wait for ``running`` (killed after :data:`RUN_TIMEOUT_S`) and collect its output."""
        try:
            running.proc.wait(timeout=RUN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            running.proc.kill()
            running.proc.wait()
        return running.result()

    def plan_json(self, *extra: str) -> tuple[Result, list[dict[str, Any]] | None]:
        """``plan --format json``: the run and its changes (None when it did not exit 0)."""
        done = self.run("plan", "BRAND", "--format", "json", *extra)
        if done.code != 0:
            return done, None
        try:
            return done, list(json.loads(done.stdout)["changes"])
        except (ValueError, KeyError, TypeError):
            return done, None

    # --- the server -----------------------------------------------------------------------
    def fresh(self, **knobs: Any) -> None:
        """A reseeded sandbox, default knobs (then ``knobs``), no ``.omsform/`` state."""
        self.server.http.post("/_sandbox/reset", json={"seed": self.seed}).raise_for_status()
        self.knobs(**{**DEFAULT_KNOBS, "step_seconds": self.step_seconds, **knobs})
        shutil.rmtree(self.brand / ".omsform", ignore_errors=True)
        for stray in self.brand.parent.glob("*.plan.json"):
            stray.unlink()
        self.server.reset_stats()

    def knobs(self, **values: Any) -> None:
        """Set sandbox knobs."""
        self.server.knobs(**values)

    def calm(self) -> None:
        """No latency, no faults, lists served whole."""
        self.knobs(**DEFAULT_KNOBS, step_seconds=self.step_seconds)

    def writes(self) -> int:
        """Write requests the server received since the last stats reset."""
        return sum(self.server.writes().values())

    def duplicates(self) -> int:
        """Live objects beyond the first for each natural key, over every known collection."""
        extra = 0
        for collection, fields in KEYS.items():
            rows = self.server.http.get(f"/_sandbox/objects/{collection}").json()
            keys = Counter(tuple(json.dumps(row.get(f)) for f in fields) for row in rows)
            extra += sum(n - 1 for n in keys.values())
        return extra

    # --- files ----------------------------------------------------------------------------
    def ledger_slots(self) -> set[tuple[str, str]]:
        """``(address, write-only path)`` for every fingerprint the ledger holds."""
        path = self.brand / ".omsform" / "ledger.json"
        if not path.exists():
            return set()
        try:
            resources = json.loads(path.read_text())["resources"]
        except (ValueError, KeyError):
            return set()
        return {(a, p) for a, e in resources.items() for p in e.get("fingerprints", {})}


@dataclass
class Running:
    """An ``omsform`` process started by :meth:`World.start`."""

    args: tuple[str, ...]
    proc: subprocess.Popen[bytes]
    out: Any
    err: Any

    def kill(self) -> None:
        """SIGKILL this process (only it: the pid we started)."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def result(self) -> Result:
        """Exit code and output of the finished process."""
        texts = []
        for stream in (self.out, self.err):
            stream.seek(0)
            texts.append(stream.read().decode(errors="replace"))
            stream.close()
        return Result(self.args, self.proc.returncode, texts[0], texts[1])


def wait_for_writes(world: World, running: Running, target: int, limit_s: float) -> bool:
    """Poll until the server has seen ``target`` writes (True) or the process ended or
    ``limit_s`` passed (False)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if running.proc.poll() is not None:
            return False
        if world.writes() >= target:
            return True
        time.sleep(POLL_S)
    return False


def applied_addresses(output: str) -> set[str]:
    """Addresses an apply printed as applied (``  applied + kind.name``)."""
    return set(APPLIED.findall(output))


def addresses(changes: Sequence[Mapping[str, Any]]) -> set[str]:
    """The addresses of plan changes (as ``plan --format json`` lists them)."""
    return {str(c["address"]) for c in changes}
