"""The real server: ``omsform.sandbox.serve`` under uvicorn in a child process, spoken to over
loopback HTTP, restarted on the same SQLite file, and cutting connections for real."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from omsform.sandbox import DEFAULT_TOKEN
from tests.served import child_server, serve_in_python

pytestmark = pytest.mark.slow

AUTH = {"Authorization": f"Token {DEFAULT_TOKEN}"}
LOCATIONS = "/api/v1/oms/stocklocations/"


@contextmanager
def served(db: Path) -> Iterator[str]:
    """Run the sandbox server in a child process; yield its base URL; stop it."""
    with child_server(
        lambda port: serve_in_python(port, db, token=DEFAULT_TOKEN, seed="demo"),
        start_seconds=15,
    ) as child:
        yield child.base_url


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


def raw_exchange(base: str, request: bytes) -> bytes:
    """Send ``request`` on a fresh socket; every byte the server sends back until it closes
    (a reset connection counts as closed)."""
    host, port = base.removeprefix("http://").split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except ConnectionResetError:
            pass
    return received


def test_a_drop_sends_no_response_bytes_at_all(tmp_path: Path) -> None:
    def request(line: str) -> bytes:
        return (
            f"{line} HTTP/1.1\r\nHost: sandbox\r\nContent-Length: 0\r\n"
            f"Authorization: Token {DEFAULT_TOKEN}\r\nConnection: close\r\n\r\n"
        ).encode()

    read = request("GET /api/v1/oms/channels/")
    with served(tmp_path / "raw.sqlite") as base:
        httpx.post(base + "/_sandbox/knobs", json={"fail_next": 1, "faults": ["drop"]})
        assert raw_exchange(base, read) == b""
        httpx.post(base + "/_sandbox/knobs", json={"fail_next": 1, "faults": ["commit_drop"]})
        assert raw_exchange(base, request("POST /api/v1/oms/channels/execute/")) == b""
        assert raw_exchange(base, read).startswith(b"HTTP/1.1 200 ")
        # the write behind the commit_drop happened
        status = httpx.get(base + "/api/v1/oms/channels/get_async_status/", headers=AUTH)
        assert status.json()["result"] != "READY"
