"""A brand directory driven through the real engine against the in-process sandbox.

Used by provider contract tests and end-to-end engine tests: write YAML, then ``plan()`` and
``apply()`` exactly as the CLI does (``load_brand`` → read → ``build_plan`` → apply), with a raw
authenticated client (``raw``) for drift made "by a person" and ``stats()`` for call counts.

The sandbox and the setup-step poll share a :class:`~tests.clock.FakeClock`: a started step is
WORKING at the first poll and done after the poll's first pause, which takes no real time.
"""

from __future__ import annotations

import asyncio
import os
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.testclient import TestClient

from omsform.apply.report import ApplyReport
from omsform.contract.provider import registry
from omsform.engine import run as engine
from omsform.http.client import ClientOptions
from omsform.lang.load import Brand, load_brand
from omsform.plan.model import Plan
from omsform.sandbox import DEFAULT_TOKEN, build_app, transport
from omsform.sandbox.knobs import Knobs
from omsform.sandbox.store import Store
from tests.clock import FakeClock, polling_on

CONFIG = """\
brand: test
providers:
  akinon_oms: {url: "${env.TEST_OMS_URL}", token: "${secret.TEST_OMS_TOKEN}"}
  ginesys: {url: "${env.TEST_GINESYS_URL}", api_key: "${secret.TEST_GINESYS_KEY}"}
manage:
  prune: %(prune)s
  protect: %(protect)s
safety:
  max_change_fraction: %(fraction)s
  min_existing: 10
"""


class BrandHarness:
    """One brand directory plus one sandbox (SQLite under ``tmp_path``)."""

    def __init__(self, tmp_path: Path, *, seed: str = "demo", env: Mapping[str, str] = {}) -> None:
        self.path = tmp_path / "brand"
        self.path.mkdir(parents=True, exist_ok=True)
        self.clock = FakeClock()
        self.app = build_app(
            Store(tmp_path / "sandbox.sqlite"),
            knobs=Knobs(step_seconds=0.01),
            seed=seed,
            clock=self.clock,
        )
        self.env = {**os.environ, **env}
        self.config()
        self.raw = TestClient(self.app, base_url="http://sandbox")
        self.raw.headers["Authorization"] = f"Token {DEFAULT_TOKEN}"
        self.raw.headers["X-Api-Key"] = DEFAULT_TOKEN

    def config(
        self, *, prune: tuple[str, ...] = (), protect: tuple[str, ...] = (), fraction: float = 1.0
    ) -> None:
        """(Re)write omsform.yaml."""
        text = CONFIG % {"prune": list(prune), "protect": list(protect), "fraction": fraction}
        (self.path / "omsform.yaml").write_text(text)

    def write(self, files: Mapping[str, str]) -> None:
        """Replace every resource file with ``files`` (name → YAML, dedented)."""
        for old in self.path.glob("*.yaml"):
            if old.name not in ("omsform.yaml", "vars.yaml"):
                old.unlink()
        for name, text in files.items():
            (self.path / name).write_text(textwrap.dedent(text))

    def load(self) -> Brand:
        """The brand as the CLI loads it for a sandbox run."""
        return load_brand(self.path, sandbox=True, environ=self.env)

    def plan(self, **kwargs: Any) -> Plan:
        """``omsform plan --sandbox`` as a value."""
        with polling_on(self.clock):
            return asyncio.run(self._plan_and_maybe_apply(False, kwargs))[0]

    def apply(self, **kwargs: Any) -> tuple[Plan, ApplyReport | None]:
        """``omsform apply --sandbox --auto-approve``: the plan it ran and the report."""
        with polling_on(self.clock):
            return asyncio.run(self._plan_and_maybe_apply(True, kwargs))

    async def _plan_and_maybe_apply(
        self, write: bool, kwargs: dict[str, Any]
    ) -> tuple[Plan, ApplyReport | None]:
        brand = self.load()
        kinds = engine.kinds_to_read(brand)
        configs = registry().sandbox_configs("http://sandbox", DEFAULT_TOKEN)
        options = ClientOptions(transport=transport(self.app))
        session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
        async with session:
            current = await engine.read(session, kinds)
            inputs = engine.plan_inputs(session, current, **kwargs)
            plan = engine.plan_from(inputs, current, brand, force=True)
            if not write or not plan.has_changes:
                return plan, None
            report = await engine.apply_brand(session, plan, current)
            return plan, report

    def stats(self) -> dict[str, Any]:
        """The sandbox's request counts since the last reset."""
        result: dict[str, Any] = self.raw.get("/_sandbox/stats").json()
        return result

    def reset_stats(self) -> None:
        """Zero the request counts."""
        self.raw.post("/_sandbox/stats/reset")

    def converge(self) -> Plan:
        """Apply, then assert the next plan is empty and a second apply writes nothing.

        Returns the first plan (what was applied)."""
        plan, report = self.apply()
        assert report is None or report.ok, report
        again = self.plan()
        assert not again.has_changes, [c.address for c in again.changes]
        self.reset_stats()
        self.apply()
        writes = {m: n for m, n in self.stats()["by_method"].items() if m != "GET"}
        assert writes == {}, writes
        return plan


def actions(plan: Plan) -> dict[str, str]:
    """address → action symbol, for compact assertions."""
    return {c.address: c.action.value for c in plan.changes}


@contextmanager
def env(**values: str) -> Iterator[None]:
    """Temporarily set environment variables."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


_ = httpx  # re-exported for tests that build their own clients
