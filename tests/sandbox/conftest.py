"""Fixtures for the sandbox conformance tests: the real app over a fresh SQLite file, timed by a
fake clock (a test waiting for a setup step moves the clock on instead of sleeping)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from omsform.sandbox import DEFAULT_TOKEN, SandboxContext, build_app
from omsform.sandbox.knobs import Knobs
from omsform.sandbox.store import Store
from tests.clock import FakeClock


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where this test's sandbox keeps its data."""
    return tmp_path / "sandbox.sqlite"


@pytest.fixture
def clock() -> FakeClock:
    """The sandbox's clock."""
    return FakeClock()


@pytest.fixture
def app(db_path: Path, clock: FakeClock) -> Starlette:
    """The combined sandbox app seeded with ``demo``; setup steps take 0.05 s of ``clock``."""
    return build_app(Store(db_path), knobs=Knobs(step_seconds=0.05), seed="demo", clock=clock)


@pytest.fixture
def ctx(app: Starlette) -> SandboxContext:
    """The app's shared context (store, knobs, stats)."""
    context: SandboxContext = app.state.ctx
    return context


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    """An authenticated client (``Authorization: Token …``)."""
    with TestClient(app, base_url="http://testserver") as c:
        c.headers["Authorization"] = f"Token {DEFAULT_TOKEN}"
        yield c


@pytest.fixture
def ginesys(app: Starlette) -> Iterator[TestClient]:
    """A client authenticated for the Ginesys sandbox (``X-Api-Key``)."""
    with TestClient(app, base_url="http://testserver") as c:
        c.headers["X-Api-Key"] = DEFAULT_TOKEN
        yield c


@pytest.fixture
def anon(app: Starlette) -> Iterator[TestClient]:
    """A client without credentials."""
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def strict_writes(ctx: SandboxContext) -> None:
    """The ``strict_writes`` knob: unknown and read-only fields, undocumented values of open
    lists and unused credentials are 400s (by default they are ignored or accepted, as DRF)."""
    ctx.knobs.strict_writes = True
