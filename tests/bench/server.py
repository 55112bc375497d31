"""The sandbox served by uvicorn in a child process (its own CPU when there are two), and the
admin calls the benchmark makes to it: knobs, stats, stats reset."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from omsform.sandbox import DEFAULT_TOKEN

SERVER_CPU = 1
CLIENT_CPU = 0

_SERVE = """
import sys
from omsform.sandbox import serve
from omsform.sandbox.knobs import Knobs
serve(host="127.0.0.1", port=int(sys.argv[1]), db=sys.argv[2], token=sys.argv[3],
      seed=sys.argv[4], knobs=Knobs(latency_ms=float(sys.argv[5]), step_seconds=0.05))
"""


def pinning() -> bool:
    """True when server and client can each have a CPU of their own."""
    return hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2


def pin_this_process_to_client_cpu() -> None:
    """Keep the benchmark (and the omsform processes it starts) off the server's CPU."""
    if pinning():
        os.sched_setaffinity(0, {CLIENT_CPU})


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    port = free_port()
    args = [sys.executable, "-c", _SERVE, str(port), str(db), DEFAULT_TOKEN, seed, str(latency_ms)]
    proc = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_server_cpu if pinning() else None,
    )
    server = Server(f"http://127.0.0.1:{port}", pid=proc.pid)
    try:
        _wait_until_up(proc, server.base_url)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _server_cpu() -> None:
    os.sched_setaffinity(0, {SERVER_CPU})


def _wait_until_up(proc: subprocess.Popen[bytes], base_url: str) -> None:
    for _ in range(400):
        if proc.poll() is not None:
            raise RuntimeError(f"the sandbox server exited with {proc.returncode} before answering")
        try:
            httpx.get(base_url + "/_sandbox/stats", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the sandbox server did not start within 20 s")
