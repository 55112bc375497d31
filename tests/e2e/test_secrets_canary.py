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
from pathlib import Path
from secrets import token_hex

import pytest
from omsform_akinon_oms import api

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
        cli("plan", "demo", "-v", "-o", "plan.json"),
        cli("show", "plan.json"),
        cli("show", "plan.json", "--format", "json"),
        cli("apply", "plan.json", "--auto-approve", "-v"),
        cli("plan", "demo", "-v", "--detailed-exitcode"),
    ]
    assert [r.code for r in runs] == [0, 0, 0, 0, 0, 0, 0, 0, 0], runs[-1]
    cli.env.update(rotated)  # every secret rotated: updates of write-only values
    changed = cli("plan", "demo", "-v", "--detailed-exitcode")
    assert changed.code == 2 and "(sensitive value changed)" in changed.stdout, changed
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
    return [*runs, changed, failing, rejected]


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
