"""The real server: ``omsform.sandbox.serve`` under uvicorn in a child process, spoken to over
loopback HTTP, restarted on the same SQLite file, and cutting connections for real."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from omsform.sandbox import DEFAULT_TOKEN

pytestmark = pytest.mark.slow

AUTH = {"Authorization": f"Token {DEFAULT_TOKEN}"}
LOCATIONS = "/api/v1/oms/stocklocations/"

_SERVE = """
import sys
from omsform.sandbox import serve
from omsform.sandbox.knobs import Knobs
serve(host="127.0.0.1", port=int(sys.argv[1]), db=sys.argv[2], token=sys.argv[3],
      seed="demo", knobs=Knobs(step_seconds=0.05))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(db: Path) -> Iterator[str]:
    """Run the sandbox server in a child process; yield its base URL; stop it."""
    port = free_port()
    args = [sys.executable, "-c", _SERVE, str(port), str(db), DEFAULT_TOKEN]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise AssertionError("server exited before answering")
            try:
                httpx.get(base + "/_sandbox/stats", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise AssertionError("server did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serves_over_http_and_keeps_data_across_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "served.sqlite"
    body = {"name": "Served", "erp_code": "WH-SERVED", "stock_location_type": "warehouse"}
    with served(db) as base, httpx.Client(base_url=base, headers=AUTH) as http:
        login = http.post(
            "/api/v1/auth/login/", json={"username": "admin", "password": "sandbox-admin"}
        )
        assert login.json() == {"key": DEFAULT_TOKEN}
        assert http.get(LOCATIONS).status_code == 200
        created = http.post(LOCATIONS, json=body)
        assert created.status_code == 201
        assert http.post("/api/v1/oms/channels/execute/").status_code == 204
        assert httpx.get(base + LOCATIONS).status_code == 401
    with served(db) as base, httpx.Client(base_url=base, headers=AUTH) as http:
        again = http.get(LOCATIONS, params={"erp_code": "WH-SERVED"}).json()
        assert again["results"] == [created.json()]
        for _ in range(200):
            result = http.get("/api/v1/oms/channels/get_async_status/").json()["result"]
            if result != "WORKING":
                break
            time.sleep(0.02)
        assert result == "FINISHED"
        assert http.get("/api/v1/oms/channels/").json()["count"] == 2


def test_a_dropped_connection_is_a_transport_error_not_a_500(tmp_path: Path) -> None:
    with (
        served(tmp_path / "drop.sqlite") as base,
        httpx.Client(base_url=base, headers=AUTH) as http,
    ):
        http.post("/_sandbox/knobs", json={"fail_next": 1, "faults": ["drop"]})
        with pytest.raises(httpx.TransportError):
            http.get("/api/v1/oms/channels/")
        # the server is still healthy afterwards
        assert http.get("/api/v1/oms/channels/").status_code == 200
        stats = http.get("/_sandbox/stats").json()
        assert stats["by_path"] == {"GET /api/v1/oms/channels/": 2}
