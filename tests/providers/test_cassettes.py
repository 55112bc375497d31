"""Recorded call sequences (vcrpy): the demo applied from empty, and a one-field change.

The cassettes in ``cassettes/`` pin exactly which requests omsform makes — the minimal-calls
promise of spec §10. In CI they are replayed with ``record_mode="none"``: a request that is not
in the cassette fails the test, a recorded request that is never made fails it too, and no
recorded answer may be used twice. After a deliberate change (a new kind in the demo, a changed
path) re-record with ``make cassettes`` (``OMSFORM_RECORD=1``) and review the cassette diff.

How recording works: the engine runs in-process against the sandbox through its ASGI transport;
vcrpy 9 patches ``httpx.ASGITransport.handle_async_request``, which the sandbox transport wraps,
so no server is needed. Matching is on method, host, path and query, never on bodies.

Setup steps are polled (``get_async_status``) a timing-dependent number of times. Recording
sets the sandbox knob ``step_seconds`` to 0, so a started copy job reports FINISHED at the first
poll and the cassette holds exactly status → execute → status per step. Replays do not depend on
time at all (the answers come from the cassette), so the sequence is deterministic.

Secrets never reach a cassette: ``Authorization`` and ``X-Api-Key`` headers are dropped, and
every secret value of the brand and the token are replaced by ``(sensitive)`` in URIs and
bodies of requests and responses before anything is written.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import runpy
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
import yaml
from omsform_akinon_oms import api as oms_api
from vcr.cassette import Cassette

from omsform.apply.report import ApplyReport
from omsform.contract.provider import registry
from omsform.engine import run as engine
from omsform.http.client import ClientOptions
from omsform.lang.load import load_brand
from omsform.plan.model import Action, Plan
from omsform.sandbox import DEFAULT_TOKEN, build_app, transport
from omsform.sandbox.knobs import Knobs
from omsform.sandbox.store import Store
from omsform.secrets.mask import redact
from tests.e2e.conftest import ROOT, copy_demo, resource_secret_names

CASSETTES = Path(__file__).with_name("cassettes")
RECORDING = os.environ.get("OMSFORM_RECORD") == "1"
BASE_URL = "http://sandbox"
SECRET_HEADERS = ("authorization", "x-api-key")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
OBJECT = re.compile(r"/\d+/?$")  # a detail path: one object by id
FOLLOW_UP = re.compile(r"/\d+/[a-z_-]+/?$")  # an action on one object
RERECORD = "if that is intended, re-record with `make cassettes` and review the diff"
_CALL = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (\S+) → ")


def record_secret(name: str) -> str:
    """The value secret ``name`` has while recording (fixed, so replays can check for it)."""
    return f"cassette-secret-{name.lower().replace('_', '-')}"


def cassette_vcr(secrets: Iterable[str], *, record: bool) -> vcr.VCR:
    """vcrpy configured for omsform: credentials and secrets scrubbed, strict replay."""
    hidden = sorted({s for s in secrets if s}, key=len, reverse=True)

    def scrub(data: Any) -> Any:
        if isinstance(data, bytes):
            return redact(data.decode("utf-8", "replace"), hidden).encode()
        if isinstance(data, str):
            return redact(data, hidden)
        return data

    def scrub_request(request: Any) -> Any:
        request.uri = scrub(request.uri)
        request.body = scrub(request.body)
        return request

    def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
        response["body"]["string"] = scrub(response["body"]["string"])
        return response

    return vcr.VCR(
        record_mode="all" if record else "none",
        filter_headers=SECRET_HEADERS,
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        match_on=("method", "host", "path", "query"),
        decode_compressed_response=True,
    )


@dataclass
class DemoRun:
    """The demo brand in ``tmp_path`` with an in-process sandbox. ``reads`` and ``writes``
    collect every request omsform made as ``(method, path)``, in order, split at the end of
    the plan phase (``writes`` holds all of the apply phase, its GETs included)."""

    brand: Path
    app: Any
    env: dict[str, str]
    token: str
    reads: list[tuple[str, str]] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)
    _sink: list[tuple[str, str]] | None = None

    @classmethod
    def fresh(
        cls, tmp_path: Path, secrets: dict[str, str] | None = None, token: str = DEFAULT_TOKEN
    ) -> DemoRun:
        """A new demo copy and a new ``demo``-seeded sandbox whose steps finish at once."""
        brand = copy_demo(tmp_path / "demo")
        values = secrets or {n: record_secret(n) for n in resource_secret_names(brand)}
        store = Store(tmp_path / "sandbox.sqlite")
        app = build_app(store, knobs=Knobs(step_seconds=0.0), token=token, seed="demo")
        return cls(brand=brand, app=app, env={**os.environ, **values}, token=token)

    def secrets(self) -> set[str]:
        """Everything that must never be written down: the token and every secret value."""
        return {self.token, *load_brand(self.brand, sandbox=True, environ=self.env).secrets}

    def apply(self) -> tuple[Plan, ApplyReport | None]:
        """``omsform apply --sandbox --auto-approve`` through the engine, logging each call."""
        return asyncio.run(self._apply())

    async def _apply(self) -> tuple[Plan, ApplyReport | None]:
        brand = load_brand(self.brand, sandbox=True, environ=self.env)
        kinds = engine.kinds_to_read(brand)
        configs = registry().sandbox_configs(BASE_URL, self.token)
        options = ClientOptions(
            transport=transport(self.app), debug_log=self._log, secrets=brand.secrets
        )
        session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
        self.reads, self.writes = [], []
        async with session:
            self._sink = self.reads
            current = await engine.read(session, kinds)
            inputs = engine.plan_inputs(session, current)
            plan = engine.plan_from(inputs, current, brand, force=True)
            if not plan.has_changes:
                return plan, None
            self._sink = self.writes
            # one change at a time, so the apply phase has one order to pin
            return plan, await engine.apply_brand(session, plan, current, parallelism=1)

    def _log(self, line: str) -> None:
        found = _CALL.match(line)
        if found and self._sink is not None:
            self._sink.append((found[1], httpx.URL(found[2]).path))


@contextmanager
def cassette(run: DemoRun, path: Path, *, record: bool = RECORDING) -> Iterator[Cassette]:
    """Record ``run``'s requests into ``path``, or replay them from it (strictly)."""
    if not record and not path.exists():
        pytest.fail(f"{path.name} is missing: record it with `make cassettes`")
    if record:
        path.unlink(missing_ok=True)
    recorder = cassette_vcr(run.secrets(), record=record)
    with recorder.use_cassette(str(path), allow_playback_repeats=False) as cas:
        try:
            yield cas
        except Exception as exc:
            if record:
                raise
            pytest.fail(f"omsform's calls no longer match {path.name} ({exc}); {RERECORD}")


def recorded_calls(path: Path) -> list[tuple[str, str]]:
    """``(method, path)`` of every interaction in a cassette file, in recorded order."""
    data = yaml.safe_load(path.read_text())
    return [
        (i["request"]["method"], httpx.URL(i["request"]["uri"]).path) for i in data["interactions"]
    ]


def check_replayed_exactly(cas: Cassette, run: DemoRun, path: Path) -> None:
    """Every recorded request was made once and omsform made no other; the plan phase's reads
    (concurrent, so in any order) come first, then the apply phase in exactly the recorded
    order."""
    assert cas.all_played, f"a recorded request was not made; {RERECORD}"
    recorded = recorded_calls(path)
    split = len(run.reads)
    assert sorted(recorded[:split]) == sorted(run.reads), RERECORD
    assert recorded[split:] == run.writes, RERECORD


def check_minimal(run: DemoRun, plan: Plan) -> None:
    """The plan phase only GETs, each path once; no object is ever read by id; exactly one
    write per change, plus only the follow-up calls a kind's API forces on the object it just
    wrote (``…/<id>/<verb>``: the Ginesys app's connection tests and enable)."""
    assert all(method == "GET" for method, _ in run.reads)
    assert len(set(run.reads)) == len(run.reads), "the plan phase read something twice"
    every = run.reads + run.writes
    assert not [p for m, p in every if m == "GET" and OBJECT.search(p)], "per-object GETs"
    written = [p for m, p in run.writes if m in WRITES]
    primary = [p for p in written if not FOLLOW_UP.search(p)]
    assert len(primary) == sum(1 for c in plan.changes if c.action is not Action.MANUAL)


def recorded_apply(run: DemoRun, path: Path) -> Plan:
    """Apply ``run``'s brand under the cassette at ``path``: the apply succeeds and, when
    replaying, makes exactly the recorded calls."""
    with cassette(run, path) as cas:
        plan, report = run.apply()
        assert report is not None and report.ok, report
        if not RECORDING:
            check_replayed_exactly(cas, run, path)
    return plan


def test_demo_apply_from_empty(tmp_path: Path) -> None:
    run = DemoRun.fresh(tmp_path)
    plan = recorded_apply(run, CASSETTES / "demo_apply_from_empty.yaml")
    check_minimal(run, plan)
    # each setup step: status, execute, status (FINISHED at the first poll, see the docstring)
    steps = [c.key for c in plan.changes if c.action is Action.RUN and c.kind == "oms_setup_step"]
    assert steps
    for step in steps:
        base = oms_api.SETUP_STEPS[step]
        status, execute = base + oms_api.STEP_STATUS, base + oms_api.STEP_EXECUTE
        assert [c for c in run.writes if c[1] in (status, execute)] == [
            ("GET", status),
            ("POST", execute),
            ("GET", status),
        ]


def bump_first_warehouse_priority(brand: Path) -> int:
    """The one-field change: the first warehouse of ``vars.yaml`` gets priority + 1."""
    path = brand / "vars.yaml"
    data = yaml.safe_load(path.read_text())
    data["warehouses"][0]["priority"] += 1
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return int(data["warehouses"][0]["priority"])


def test_demo_one_field_change(tmp_path: Path) -> None:
    run = DemoRun.fresh(tmp_path)
    _, report = run.apply()  # the demo as applied before the change (not recorded)
    assert report is not None and report.ok
    priority = bump_first_warehouse_priority(run.brand)
    path = CASSETTES / "demo_one_field_change.yaml"
    plan = recorded_apply(run, path)
    assert [(c.action, [f.path for f in c.fields]) for c in plan.changes] == [
        (Action.UPDATE, ["priority"])
    ]
    check_minimal(run, plan)
    patches = [
        i
        for i in yaml.safe_load(path.read_text())["interactions"]
        if i["request"]["method"] in WRITES
    ]
    assert len(patches) == 1 and patches[0]["request"]["method"] == "PATCH"
    assert json.loads(patches[0]["request"]["body"]) == {"priority": priority}


def test_no_cassette_holds_a_token_or_a_secret(tmp_path: Path) -> None:
    brand = copy_demo(tmp_path / "demo")
    demo_script = runpy.run_path(str(ROOT / "scripts" / "demo.py"))
    forbidden = {DEFAULT_TOKEN, *demo_script["DEMO_SECRETS"].values()}
    forbidden |= {record_secret(n) for n in resource_secret_names(brand)}
    files = sorted(CASSETTES.glob("*.yaml"))
    assert files, "no cassettes: record them with `make cassettes`"
    for path in files:
        text = path.read_text()
        assert not [s for s in forbidden if s in text], path.name
        headers = {
            name.lower()
            for i in yaml.safe_load(text)["interactions"]
            for name in i["request"]["headers"]
        }
        assert not headers & set(SECRET_HEADERS), path.name
