"""Apply under kills and unclear answers, through the real engine and the sandbox (issue 9,
items 3, 4, 5 and 10): the ledger survives ``kill -9`` write by write, a write found by key
after an unclear answer counts only when the live object holds what was sent (a Ginesys app
still gets its tests and enable, a dropped channel PATCH is sent again), a natural key with a
secret in it is matched by fingerprint (a saved plan applied twice makes one webhook), and no
state file ever holds a secret."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from omsform.apply.journal import Journal
from omsform.apply.ledger import PENDING_NAME, Ledger
from omsform.apply.report import ApplyReport
from omsform.contract.provider import registry
from omsform.engine import run as engine
from omsform.errors import StalePlanError
from omsform.http.client import ClientOptions
from omsform.plan.model import Plan
from omsform.sandbox import DEFAULT_TOKEN, transport
from tests.clock import polling_on
from tests.harness import BrandHarness, actions
from tests.providers.test_ginesys_app import SECRETS as APP_SECRETS
from tests.providers.test_ginesys_app import app_yaml

TOKEN = "cnryTOKEN9f3e2a71c4d5b6"  # a canary: it must never reach a file omsform writes
SECRETS = {"HOOK_SECRET": "hook-secret-one-5c1e", "HOOK_TOKEN": TOKEN}
HOOKS = """\
    oms_webhook:
      a_packed:
        event_type: package.status.packed
        target_url: https://erp.example.com/a
        secret_key: ${secret.HOOK_SECRET}
      b_packed:
        event_type: package.status.packed
        target_url: https://erp.example.com/b
        secret_key: ${secret.HOOK_SECRET}
      c_token:
        event_type: package.status.packed
        target_url: https://erp.example.com/c?token=${secret.HOOK_TOKEN}
        secret_key: ${secret.HOOK_SECRET}
      d_token:
        event_type: package.status.packed
        target_url: https://erp.example.com/d?token=${secret.HOOK_TOKEN}
        secret_key: ${secret.HOOK_SECRET}
    """
TOKEN_HOOK = """\
    oms_webhook:
      tokened:
        event_type: package.status.packed
        target_url: https://erp.example.com/hook?token=${secret.HOOK_TOKEN}
    """
HOOKS_PATH = "/api/v1/oms/oms_hooks/"
APPS = "/ginesys/api/v1/connected-apps/oms"
Wrap = Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport]


# --- driving the engine as the CLI does, with a hook on the wire -------------------------------
async def _run(
    h: BrandHarness, *, wrap: Wrap | None = None, saved: Plan | None = None, parallelism: int = 8
) -> tuple[Plan, ApplyReport | None]:
    """Read, recover, plan (or take ``saved`` through the saved-plan checks), apply."""
    brand = h.load()
    kinds = engine.kinds_to_read(brand)
    configs = registry().sandbox_configs("http://sandbox", DEFAULT_TOKEN)
    wire = transport(h.app)
    options = ClientOptions(transport=wrap(wire) if wrap else wire)
    session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
    async with session:
        current = await engine.read(session, kinds)
        engine.recover(session, current)
        if saved is None:
            inputs = engine.plan_inputs(session, current)
            plan = engine.plan_from(inputs, current, brand, force=True)
        else:
            plan = engine.restore_keys(session, saved)
            engine.refuse_if_stale(plan, current)
        if not plan.has_changes:
            return plan, None
        return plan, await engine.apply_brand(session, plan, current, parallelism=parallelism)


def run(h: BrandHarness, **kwargs: Any) -> tuple[Plan, ApplyReport | None]:
    with polling_on(h.clock):  # setup-step polls sleep on the sandbox's fake clock
        return asyncio.run(_run(h, **kwargs))


class ArmOnce(httpx.AsyncBaseTransport):
    """Sets a sandbox fault (``POST /_sandbox/knobs``) for exactly the first request that
    ``match`` picks, just before it goes out: the sandbox itself then drops or botches it."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        h: BrandHarness,
        match: Callable[[httpx.Request], bool],
        fault: str,
    ) -> None:
        self.inner, self.h, self.match, self.fault, self.armed = inner, h, match, fault, False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.armed and self.match(request):
            self.armed = True
            knobs = {"fail_next": 1, "faults": [self.fault], "fault_path": request.url.path}
            assert self.h.raw.post("/_sandbox/knobs", json=knobs).status_code == 200
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def hooks(h: BrandHarness) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = h.raw.get(HOOKS_PATH, params={"page_size": 100}).json()["results"]
    return rows


def state_files(h: BrandHarness) -> dict[str, str]:
    """Every file omsform wrote under the brand's ``.omsform``, by name."""
    return {p.name: p.read_text() for p in (h.path / ".omsform").iterdir() if p.is_file()}


# --- item 3 and 10: kill -9 mid-apply ---------------------------------------------------------
_CHILD = """
import asyncio, os, signal, sys
from pathlib import Path
import httpx
from tests.apply.test_apply_faults import SECRETS, APP_SECRETS, _run
from tests.harness import BrandHarness

class KillAt(httpx.AsyncBaseTransport):
    def __init__(self, inner, n):
        self.inner, self.n, self.writes = inner, n, 0
    async def handle_async_request(self, request):
        if request.method != "GET":
            self.writes += 1
            if self.writes == self.n:
                os.kill(os.getpid(), signal.SIGKILL)  # kill -9, just as this write goes out
        return await self.inner.handle_async_request(request)

env = APP_SECRETS if sys.argv[3] == "app" else SECRETS
h = BrandHarness(Path(sys.argv[1]), env=env)
asyncio.run(_run(h, wrap=lambda t: KillAt(t, int(sys.argv[2])), parallelism=1))
"""


def killed_apply(tmp: Path, at_write: int, secrets: str = "hooks") -> None:
    """Apply in a child process that SIGKILLs itself as its ``at_write``-th write goes out."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp), str(at_write), secrets],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]


def test_kill_9_mid_apply_keeps_every_completed_writes_fingerprints(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": HOOKS})
    killed_apply(tmp_path, at_write=4)  # a, b, c created and recorded; d's POST in flight

    assert sorted(hook["target_url"].split("?")[0][-1] for hook in hooks(h)) == ["a", "b", "c"]
    ledger = Ledger.load(h.path / ".omsform" / "ledger.json")
    assert sorted(ledger.entries) == [
        "oms_webhook.a_packed",
        "oms_webhook.b_packed",
        "oms_webhook.c_token",
    ]
    assert all("secret_key" in e.fingerprints for e in ledger.entries.values())
    [in_flight] = Journal(h.path / ".omsform" / "journal.jsonl").uncertain()
    assert in_flight.address == "oms_webhook.d_token"
    assert "(sensitive)" in in_flight.key and in_flight.key_print.startswith("hmac-scrypt:")
    # item 10: neither the journal nor the ledger (nor its pending records) holds the token
    files = state_files(h)
    assert {"journal.jsonl", PENDING_NAME} <= set(files)
    assert [name for name, text in files.items() if TOKEN in text] == []

    # the secret is rotated before the re-apply: the fingerprints show the three to update
    rotated = BrandHarness(tmp_path, env={**SECRETS, "HOOK_SECRET": "hook-secret-two-88aa"})
    plan = rotated.plan()
    assert actions(plan) == {
        "oms_webhook.a_packed": "~",
        "oms_webhook.b_packed": "~",
        "oms_webhook.c_token": "~",
        "oms_webhook.d_token": "+",
    }
    assert not [n for n in plan.notes if n.category == "unverified"]
    # one re-apply converges, without a duplicate, and leaves no pending file behind
    _, report = run(rotated)
    assert report is not None and report.ok
    assert len(hooks(rotated)) == 4 and not rotated.plan().has_changes
    assert PENDING_NAME not in state_files(rotated)
    assert [n for n, t in state_files(rotated).items() if TOKEN in t] == []


def test_kill_9_between_the_steps_of_a_ginesys_create_resumes_without_a_second_app(
    tmp_path: Path,
) -> None:
    h = BrandHarness(tmp_path, env=APP_SECRETS)
    h.write({"ginesys.yaml": app_yaml()})
    killed_apply(tmp_path, at_write=2, secrets="app")  # created; the first test in flight

    [intent] = Journal(h.path / ".omsform" / "journal.jsonl").uncertain()
    [app] = h.raw.get(APPS).json()["results"]
    assert intent.steps == ("created",) and intent.remote_id == str(app["id"])
    assert app["status"] != "enabled"

    async def resumed() -> list[str]:
        brand = h.load()
        configs = registry().sandbox_configs("http://sandbox", DEFAULT_TOKEN)
        options = ClientOptions(transport=transport(h.app))
        kinds = engine.kinds_to_read(brand)
        async with await engine.open_session(
            brand, kinds=kinds, options=options, configs=configs
        ) as s:
            return engine.recover(s, await engine.read(s, kinds))

    [line] = asyncio.run(resumed())
    assert f"did happen (id {app['id']}) and stopped after step 'created'" in line
    assert actions(h.plan()) == {"ginesys_oms_app.main": "~"}  # enabled false → true
    h.converge()
    [app] = h.raw.get(APPS).json()["results"]
    assert app["status"] == "enabled"


# --- item 4: found by key only counts when it holds what was sent ------------------------------
@pytest.mark.parametrize("fault", ["commit_504", "commit_drop"])
def test_a_ginesys_app_committed_but_answered_unclearly_still_gets_tested_and_enabled(
    tmp_path: Path, fault: str
) -> None:
    h = BrandHarness(tmp_path, env=APP_SECRETS)
    h.write({"ginesys.yaml": app_yaml()})

    def create_post(request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.rstrip("/") == APPS

    _, report = run(h, wrap=lambda t: ArmOnce(t, h, create_post, fault))

    assert report is not None and report.ok
    [app] = h.raw.get(APPS).json()["results"]
    assert app["status"] == "enabled"
    assert {t: r["ok"] for t, r in app["last_tests"].items()} == {
        "webhook": True,
        "ginesys_api": True,
    }
    assert not h.plan().has_changes  # not `enabled: false → true`


def test_a_channel_patch_dropped_before_the_server_acted_is_sent_again(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write(
        {
            "channels.yaml": """\
                oms_setup_step: {channels: {}}
                oms_channel:
                  web: {name: acme-web, configuration: {order_prefix: WEB}}
                """
        }
    )

    def channel_patch(request: httpx.Request) -> bool:
        return request.method == "PATCH" and "/channels/" in request.url.path

    plan, report = run(h, wrap=lambda t: ArmOnce(t, h, channel_patch, "drop"))
    assert actions(plan)["oms_channel.web"] == "+"  # expected from the setup step
    assert report is not None and report.ok
    [web] = h.raw.get("/api/v1/oms/channels/", params={"name": "acme-web"}).json()["results"]
    assert web["configuration"] == {"order_prefix": "WEB"}  # applied means applied
    assert not h.plan().has_changes


def test_an_update_dropped_before_the_server_acted_is_sent_again(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": HOOKS})
    h.converge()
    h.write(
        {
            "hooks.yaml": HOOKS.replace(
                "https://erp.example.com/a\n",
                "https://erp.example.com/a\n        is_active: false\n",
                1,
            )
        }
    )

    def hook_patch(request: httpx.Request) -> bool:
        return request.method == "PATCH"

    plan, report = run(h, wrap=lambda t: ArmOnce(t, h, hook_patch, "drop"))
    assert actions(plan) == {"oms_webhook.a_packed": "~"}
    assert report is not None and report.ok
    [a] = [x for x in hooks(h) if x["target_url"].endswith("/a")]
    assert a["is_active"] is False
    assert not h.plan().has_changes


# --- items 5 and 10: a secret inside a natural key ---------------------------------------------
def test_a_saved_plan_with_a_secret_in_a_key_applied_twice_makes_one_webhook(
    tmp_path: Path,
) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": TOKEN_HOOK})
    plan = asyncio.run(_plan_only(h))
    text = plan.to_json()
    assert TOKEN not in text and '"key_fingerprint": "hmac-scrypt:' in text
    saved = Plan.from_json(text)

    _, report = run(h, saved=saved)
    assert report is not None and report.ok and len(hooks(h)) == 1
    with pytest.raises(StalePlanError, match="already applied"):
        run(h, saved=saved)
    assert len(hooks(h)) == 1
    assert [n for n, t in state_files(h).items() if TOKEN in t] == []


def test_an_unclear_create_from_a_saved_plan_is_found_by_its_real_key(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": TOKEN_HOOK})
    saved = Plan.from_json(asyncio.run(_plan_only(h)).to_json())

    def post(request: httpx.Request) -> bool:
        return request.method == "POST"

    _, report = run(h, saved=saved, wrap=lambda t: ArmOnce(t, h, post, "commit_drop"))
    assert report is not None and report.ok
    assert len(hooks(h)) == 1  # found after the dropped answer: not created a second time


def test_a_saved_plan_whose_key_secret_was_rotated_is_stale(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": TOKEN_HOOK})
    saved = Plan.from_json(asyncio.run(_plan_only(h)).to_json())
    rotated = BrandHarness(tmp_path, env={**SECRETS, "HOOK_TOKEN": "cnryOTHERtoken55d1e0"})
    with pytest.raises(StalePlanError) as caught:
        run(rotated, saved=saved)
    assert caught.value.moved and "oms_webhook.tokened" in caught.value.moved[0]
    assert hooks(h) == []


async def _plan_only(h: BrandHarness) -> Plan:
    brand = h.load()
    kinds = engine.kinds_to_read(brand)
    configs = registry().sandbox_configs("http://sandbox", DEFAULT_TOKEN)
    options = ClientOptions(transport=transport(h.app))
    async with await engine.open_session(brand, kinds=kinds, options=options, configs=configs) as s:
        current = await engine.read(s, kinds)
        return engine.plan_from(engine.plan_inputs(s, current), current, brand, force=True)
