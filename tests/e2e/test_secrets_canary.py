"""Canary secrets (spec §6, §12 R9): unique random strings as the provider token and as every
``${secret.…}`` the demo uses, driven through validate, plan (every format, ``-o``, ``-v``),
show, apply of a saved plan, a rotation whose apply fails at the server, a rejected token, and a
vcrpy recording. Not one canary — nor the first half of one — may appear in any output stream
or in any file written, the saved plan, the journal and the ledger included.

Only the sandboxes' own databases are exempt: they are the remote systems, which legitimately
store the secrets (and the test checks that they did, so the canaries really went through).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from secrets import token_hex
from typing import Any

import pytest
from omsform_akinon_oms import api

from omsform.secrets import SENSITIVE
from tests.e2e.conftest import (
    Cli,
    Result,
    Server,
    copy_demo,
    demo_env,
    resource_secret_names,
    served,
)
from tests.providers.test_cassettes import DemoRun, cassette

pytestmark = pytest.mark.slow

SANDBOX_DBS = ("server.sqlite", "sandbox.sqlite")


def canary() -> str:
    """A fresh random string that appears nowhere else."""
    return "cnry" + token_hex(14)


def hits(text: str, canaries: set[str]) -> list[str]:
    """Canaries found in ``text``, whole or by their first half (a truncated leak)."""
    return sorted(c for c in canaries if c in text or c[: len(c) // 2] in text)


def written_files(root: Path) -> list[Path]:
    """Every file under ``root`` except the sandboxes' databases."""
    return [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(p.name.startswith(db) for db in SANDBOX_DBS)
    ]


def drive_the_cli(
    cli: Cli, server: Server, rotated: dict[str, str], wrong_token: str
) -> list[Result]:
    """Every command that handles secrets, successful and failing. After the secrets are
    rotated, the sandbox fails the write of one changed setting (a 503 a client must not retry
    blindly), so that apply fails with the API's message."""
    runs = [
        cli("validate", "demo"),
        cli("plan", "demo"),
        cli("plan", "demo", "--format", "json"),
        cli("plan", "demo", "--format", "markdown"),
        cli("plan", "demo", "--format", "tf-json"),
        cli("plan", "demo", "-v", "-o", "plan.json"),
        cli("show", "plan.json"),
        cli("show", "plan.json", "--format", "json"),
        cli("show", "plan.json", "--format", "tf-json"),
        cli("apply", "plan.json", "--auto-approve", "-v"),
        cli("plan", "demo", "-v", "--detailed-exitcode"),
    ]
    assert [r.code for r in runs] == [0] * len(runs), [r for r in runs if r.code]
    cli.env.update(rotated)  # every secret rotated: updates of write-only values
    changed = cli("plan", "demo", "-v", "--detailed-exitcode")
    assert changed.code == 2 and "(sensitive value changed)" in changed.stdout, changed
    tf_rotated = cli("plan", "demo", "--format", "tf-json")
    marked = [
        rc["address"]
        for rc in json.loads(tf_rotated.stdout)["resource_changes"]
        if rc["change"]["after_sensitive"] and True in _leaves(rc["change"]["after_sensitive"])
    ]
    assert marked, tf_rotated  # rotated values: masked as Terraform masks, marked true
    plan = json.loads(cli("plan", "demo", "--format", "json").stdout)
    setting = next(c for c in plan["changes"] if c["kind"] == "oms_setting" and c["action"] == "~")
    fault = api.detail(api.SETTINGS, setting["remote_id"])
    server.knobs(fail_rate=1.0, faults=["503"], fault_path=fault)
    manual = [c["address"] for c in plan["changes"] if c["action"] == "!"]
    excluded = [arg for address in manual for arg in ("--exclude", address)]
    failing = cli("apply", "demo", "--auto-approve", "-v", *excluded)
    assert failing.code == 1 and setting["address"] in failing.output, failing
    assert "503" in failing.output, failing
    credentials = {k: wrong_token for k, v in cli.env.items() if v == server.token}
    rejected = cli("plan", "demo", "-v", env=credentials)
    assert rejected.code == 1 and "(401)" in rejected.stderr, rejected
    return [*runs, changed, tf_rotated, failing, rejected]


def _leaves(marks: Any) -> list[Any]:
    """The leaf values of a tf-json ``*_sensitive`` mirror."""
    if isinstance(marks, dict):
        return [leaf for v in marks.values() for leaf in _leaves(v)]
    if isinstance(marks, list):
        return [leaf for v in marks for leaf in _leaves(v)]
    return [marks]


def test_no_canary_secret_appears_in_any_output_or_file(tmp_path: Path) -> None:
    token, wrong_token = canary(), canary()
    brand = copy_demo(tmp_path / "demo")
    names = sorted(resource_secret_names(brand))
    secrets = {name: canary() for name in names}
    rotated = {name: canary() for name in names}
    canaries = {token, wrong_token, *secrets.values(), *rotated.values()}

    with served(tmp_path / "server.sqlite", token=token) as server:
        # tracebacks are test_bad_input_e2e's concern; here any output, one included, is
        # searched for canaries
        # the console script in a child process: every byte it writes to either stream counts
        env = demo_env(brand, server, secrets)
        cli = Cli(brand, env, forbid_tracebacks=False, console_script=True)
        assert token in cli.env.values()
        runs = drive_the_cli(cli, server, rotated, wrong_token)

    recorder = DemoRun.fresh(tmp_path / "recorded", secrets=secrets, token=token)
    recording = tmp_path / "recorded" / "canary.yaml"
    with cassette(recorder, recording, record=True):
        _, report = recorder.apply()
    assert report is not None and report.ok

    for run in runs:
        assert not hits(run.output, canaries), str(run)
    files = written_files(tmp_path)
    names_written = {p.name for p in files}
    assert {"plan.json", "ledger.json", "canary.yaml"} <= names_written, names_written
    for path in files:
        assert not hits(path.read_text(errors="replace"), canaries), path
    # the canaries did travel: the remote systems hold them
    dbs = [p for p in tmp_path.rglob("*.sqlite*") if p not in files]
    stored = "".join(p.read_bytes().decode(errors="replace") for p in dbs)
    assert set(hits(stored, set(rotated.values()) | set(secrets.values())))


# --- URL-token, multi-line and short secrets (in process, the embedded sandbox) -----------------
CANARY_CONFIG = """\
brand: canary
providers:
  akinon_oms: {url: "${env.CANARY_OMS_URL}", token: "${secret.CANARY_OMS_TOKEN}"}
"""
CANARY_HOOKS = """\
oms_webhook:
  ready:
    event_type: package.status.packed
    target_url: https://erp.example.com/hooks/ready?token=${secret.CANARY_URL_TOKEN}
    secret_key: ${secret.CANARY_MULTILINE}
    additional_headers: {X-Shard: "${secret.CANARY_SHORT}"}
  shipped:
    event_type: package.status.shipped
    target_url: https://erp.example.com/hooks/shipped?key=${secret.CANARY_OMS_TOKEN}
"""
MORE_HOOKS = """\
  created:
    event_type: package.status.delivered
    target_url: https://erp.example.com/hooks/delivered?token=${secret.CANARY_URL_TOKEN}
    secret_key: ${secret.CANARY_MULTILINE}
"""
SHORT = "an"  # inside "plan", "changes", "and", "manage": garbled everywhere when replaced as text


class EchoingWrites:
    """The sandbox behind a gate that, once ``on``, rejects every webhook write with a 400
    whose body echoes the secret-bearing values it was sent (as some APIs do)."""

    def __init__(self, app: Any) -> None:
        self.app, self.on = app, False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        hook_write = scope["type"] == "http" and scope["method"] in ("POST", "PATCH", "PUT")
        if not (self.on and hook_write and "hook" in scope["path"]):
            await self.app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        sent = json.loads(body or b"{}")
        echoed = {
            k: [f"{v} is not accepted."] for k, v in sent.items() if k in ECHOED and v is not None
        }
        payload = json.dumps(echoed).encode()
        head = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
        await send({"type": "http.response.start", "status": 400, "headers": head})
        await send({"type": "http.response.body", "body": payload})


ECHOED = ("target_url", "secret_key")


def canary_env() -> dict[str, str]:
    """The brand's secrets: a URL token, a provider token (also in a URL), a multi-line secret
    (with a doubled space), and a two-letter one."""
    lines = f"{canary()}\n  {canary()}  {canary()}\n{canary()}"
    return {
        "CANARY_OMS_URL": "https://oms.example.com",
        "CANARY_OMS_TOKEN": canary(),
        "CANARY_URL_TOKEN": canary(),
        "CANARY_MULTILINE": lines,
        "CANARY_SHORT": SHORT,
        "NO_COLOR": "1",
    }


def canaries_of(env: Mapping[str, str]) -> set[str]:
    """Every long secret of ``env``, each line and word of a multi-line one apart."""
    secrets = [v for k, v in env.items() if k.startswith("CANARY_") and v.startswith("cnry")]
    return {word for value in secrets for word in value.split()}


def test_url_multiline_and_short_secrets_never_leak_nor_garble_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from omsform.cli.main import main
    from omsform.engine import run as engine
    from omsform.sandbox import build_app, transport

    gates: list[EchoingWrites] = []

    def echoing_sandbox(brand_path: Path, seed: str = "demo") -> Any:
        db = brand_path / ".omsform" / "sandbox.sqlite"
        gates.append(EchoingWrites(build_app(engine.open_sandbox_db(db), seed=seed)))
        gates[-1].on = echo
        return transport(gates[-1])

    monkeypatch.setattr(engine, "sandbox_transport", echoing_sandbox)
    brand = tmp_path / "canary"
    brand.mkdir()
    (brand / "omsform.yaml").write_text(CANARY_CONFIG)
    (brand / "webhooks.yaml").write_text(CANARY_HOOKS)
    env, echo = canary_env(), False
    first = canaries_of(env)

    def run(*args: str) -> Result:
        done = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        return Result(args, done.exit_code, done.stdout, done.stderr)

    b = str(brand)
    valid = run("validate", b)
    assert valid.code == 0, valid
    warning = f"{brand / 'webhooks.yaml'}:6:35"  # the ${secret.CANARY_SHORT} use
    assert warning in valid.stderr and "secret CANARY_SHORT is shorter than 6" in valid.stderr
    plans = [run("plan", b, "--sandbox", "--format", f) for f in ("text", "json", "markdown")]
    saved = run("plan", b, "--sandbox", "-o", str(tmp_path / "plan.json"))
    applied = run("apply", b, "--sandbox", "--auto-approve")
    assert [r.code for r in [*plans, saved, applied]] == [0] * 5, applied
    assert "plan" in plans[0].stdout.lower() and "2 to create" in plans[0].stdout, plans[0]
    doc = json.loads(plans[1].stdout)
    headers = [
        f for c in doc["changes"] for f in c.get("fields", []) if "additional_headers" in f["path"]
    ]
    assert headers and all(SHORT not in json.dumps(f) for f in headers), headers  # by field
    imported = run("import", "--config", b, "--sandbox", "--out", str(tmp_path / "imported"))
    assert imported.code == 0, imported
    text = (tmp_path / "imported" / "oms_webhook.yaml").read_text()
    assert "?token=${secret.CANARY_URL_TOKEN}" in text and "?key=${secret.CANARY_OMS_TOKEN}" in text

    # A rotated multi-line secret (an update) and a new webhook with both (a create). (Rotating
    # the URL token would leave the old one in a live key omsform no longer knows.)
    env["CANARY_MULTILINE"] = canary_env()["CANARY_MULTILINE"]
    (brand / "webhooks.yaml").write_text(CANARY_HOOKS + MORE_HOOKS)
    echo = True  # the next writes are answered 400 with the values sent echoed back
    failing = run("apply", b, "--sandbox", "--auto-approve")
    assert failing.code == 1 and "400" in failing.output and SENSITIVE in failing.output, failing

    runs = [valid, *plans, saved, applied, imported, failing]
    canaries = first | canaries_of(env)
    for result in runs:
        assert not hits(result.output, canaries), str(result)
        for word in ("plan", "changes", "manage", "and"):  # the short secret garbles nothing
            assert f"{word[:1]}{SENSITIVE}" not in result.output, str(result)
    files = [p for p in written_files(tmp_path) if not p.name.startswith("journal")]
    assert {"plan.json", "ledger.json", "oms_webhook.yaml"} <= {p.name for p in files}
    for path in files:
        assert not hits(path.read_text(errors="replace"), canaries), path
