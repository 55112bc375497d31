"""Servers the tests run on loopback: a free port, a sandbox server in a child process (started,
awaited until it answers, stopped), and a small threaded HTTP receiver that records calls.

Used by the end-to-end tests, the served-sandbox tests, the benchmark and the Ginesys
connection tests, so each starts and stops its server the same way.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

LOOPBACK = "127.0.0.1"
POLL_SECONDS = 0.05

_SERVE = """
import sys
from omsform.sandbox import serve
from omsform.sandbox.knobs import Knobs
serve(host="127.0.0.1", port=int(sys.argv[1]), db=sys.argv[2], token=sys.argv[3],
      seed=sys.argv[4], knobs=Knobs(latency_ms=float(sys.argv[5]), step_seconds=0.05))
"""


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def serve_in_python(
    port: int, db: Path, *, token: str, seed: str, latency_ms: float = 0.0
) -> list[str]:
    """The command running :func:`omsform.sandbox.serve` in a fresh interpreter (the Python
    API, not the console script); setup steps take 0.05 s."""
    return [sys.executable, "-c", _SERVE, str(port), str(db), token, seed, str(latency_ms)]


@dataclass(frozen=True)
class Child:
    """A sandbox server running in a child process: where it answers, and its process id."""

    base_url: str
    pid: int


@contextmanager
def child_server(
    command: Callable[[int], Sequence[str]],
    *,
    start_seconds: float,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[Child]:
    """Run ``command(port)`` on a free loopback port until the block ends.

    Waits until ``/_sandbox/stats`` answers, polling for about ``start_seconds`` (a large seed
    takes a while to write); a server that exits or never answers is a ``RuntimeError``.
    """
    port = free_port()
    proc = subprocess.Popen(
        list(command(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=preexec_fn,
    )
    child = Child(f"http://{LOOPBACK}:{port}", proc.pid)
    try:
        _wait_until_up(proc, child.base_url, start_seconds)
        yield child
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(proc: subprocess.Popen[bytes], base_url: str, start_seconds: float) -> None:
    for _ in range(round(start_seconds / POLL_SECONDS)):
        if proc.poll() is not None:
            raise RuntimeError(f"the sandbox server exited with {proc.returncode} before answering")
        try:
            httpx.get(base_url + "/_sandbox/stats", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(POLL_SECONDS)
    raise RuntimeError(f"the sandbox server did not start within {start_seconds:g} s")


@dataclass(frozen=True)
class Received:
    """One request a :func:`loopback_receiver` got."""

    method: str
    path: str
    headers: Message
    body: bytes


@contextmanager
def loopback_receiver(answer: Callable[[Received], int]) -> Iterator[str]:
    """A threaded HTTP server on a free loopback port until the block ends; yields its base URL.

    Every ``GET`` and ``POST`` is read in full and handed to ``answer``, which returns the
    status to send back (with an empty body).
    """

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(answer(Received(self.command, self.path, self.headers, body)))
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
