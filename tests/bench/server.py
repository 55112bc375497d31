"""The sandbox served by uvicorn in a child process (its own CPU when there are two), and the
admin calls the benchmark makes to it: knobs, stats, stats reset."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from omsform.sandbox import DEFAULT_TOKEN
from tests.served import child_server, serve_in_python

SERVER_CPU = 1
CLIENT_CPU = 0


def pinning() -> bool:
    """True when server and client can each have a CPU of their own."""
    return hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2


def pin_this_process_to_client_cpu() -> None:
    """Keep the benchmark (and the omsform processes it starts) off the server's CPU."""
    if pinning():
        os.sched_setaffinity(0, {CLIENT_CPU})


@dataclass(frozen=True)
class Server:
    """A running sandbox: its base URL and token."""

    base_url: str
    token: str = DEFAULT_TOKEN
    pid: int = 0

    def cpu_seconds(self) -> float:
        """CPU seconds the server process has used so far (0.0 where ``/proc`` is missing)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def admin(self) -> httpx.Client:
        """A client for ``/_sandbox/`` calls (never delayed or counted by the knobs)."""
        return httpx.Client(base_url=self.base_url, timeout=30)

    def knobs(self, **values: Any) -> None:
        """Set knobs (``latency_ms=20`` …)."""
        with self.admin() as http:
            http.post("/_sandbox/knobs", json=values).raise_for_status()

    def reset_stats(self) -> None:
        """Zero the request counts."""
        with self.admin() as http:
            http.post("/_sandbox/stats/reset").raise_for_status()

    def stats(self) -> dict[str, Any]:
        """``{"total", "by_method", "by_path"}`` since the last reset."""
        with self.admin() as http:
            answer: dict[str, Any] = http.get("/_sandbox/stats").json()
            return answer


@contextmanager
def served(db: Path, *, seed: str = "empty", latency_ms: float = 0.0) -> Iterator[Server]:
    """Run the sandbox on a free loopback port until the block ends."""
    with child_server(
        lambda port: serve_in_python(
            port, db, token=DEFAULT_TOKEN, seed=seed, latency_ms=latency_ms
        ),
        start_seconds=20,
        preexec_fn=_server_cpu if pinning() else None,
    ) as child:
        yield Server(child.base_url, pid=child.pid)


def _server_cpu() -> None:
    os.sched_setaffinity(0, {SERVER_CPU})
