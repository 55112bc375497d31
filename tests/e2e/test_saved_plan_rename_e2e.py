"""A saved plan of a natural-key change applies what it showed: the YAML renamed an object's
key, plan shows one replace (``-/+``, delete the old object then create the new one), and
``apply plan.json`` does exactly that: one object with the new key, none with the old one, no
duplicate, and a plan after it shows no changes. The same holds for a key with a secret in it
(a webhook URL with ``?token=${secret.…}``, stored masked in the plan file).
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Cli, Server

pytestmark = pytest.mark.slow

HOOK_TOKEN = "e2e-hook-token-5f1c9a"
OLD_URL = "https://erp.acme.example.com/hooks/package-ready"
NEW_URL = "https://erp.acme.example.com/hooks/packed"


def edit(brand: Path, file: str, old: str, new: str) -> None:
    path = brand / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def titles(server: Server) -> list[str]:
    rows = server.http.get("/_sandbox/objects/package_denial_reasons").json()
    return sorted(r["title"] for r in rows)


def hook_urls(server: Server) -> list[str]:
    return sorted(h["target_url"] for h in server.http.get("/_sandbox/objects/oms_hooks").json())


def saved_replace(plan_file: Path) -> dict[str, Any]:
    (change,) = json.loads(plan_file.read_text())["changes"]
    assert change["action"] == "-/+", change
    return dict(change)


def test_a_saved_plan_of_a_renamed_denial_reason_replaces_it_once(
    cli: Cli, server: Server, tmp_path: Path
) -> None:
    assert cli("apply", "demo", "--auto-approve").code == 0
    edit(cli.brand, "denial_reasons.yaml", "title: Damaged product", "title: Damaged goods")
    made = cli("plan", "demo", "-o", "plan.json", "--drift-exitcode")
    assert made.code == 2, made  # the YAML moved: intent, not a change made outside omsform
    assert "natural key changed: Damaged product → Damaged goods" in made.stdout
    assert saved_replace(tmp_path / "plan.json")["address"] == "oms_denial_reason.damaged"

    server.reset_stats()
    applied = cli("apply", "plan.json", "--auto-approve")
    assert applied.code == 0, applied
    assert "1 applied, 0 failed, 0 skipped" in applied.output, applied
    methods: Counter[str] = Counter()
    for request, count in server.writes().items():
        methods[request.split(" ", 1)[0]] += count
    assert methods == {"DELETE": 1, "POST": 1}, server.writes()  # the old one, then the new

    after = cli("plan", "demo", "--detailed-exitcode")
    assert after.code == 0, after
    assert "Damaged goods" in titles(server) and "Damaged product" not in titles(server)
    assert titles(server).count("Damaged goods") == 1


def test_a_saved_plan_of_a_webhook_url_with_a_secret_token_replaces_it_once(
    cli: Cli, server: Server, tmp_path: Path
) -> None:
    cli.env["DEMO_HOOK_TOKEN"] = HOOK_TOKEN
    edit(cli.brand, "webhooks.yaml", OLD_URL, f"{OLD_URL}?token=${{secret.DEMO_HOOK_TOKEN}}")
    assert cli("apply", "demo", "--auto-approve").code == 0
    edit(cli.brand, "webhooks.yaml", OLD_URL, NEW_URL)
    assert cli("plan", "demo", "-o", "plan.json").code == 0
    plan_text = (tmp_path / "plan.json").read_text()
    assert HOOK_TOKEN not in plan_text
    assert saved_replace(tmp_path / "plan.json")["key_fingerprint"].startswith("hmac-scrypt:")

    applied = cli("apply", "plan.json", "--auto-approve")
    assert applied.code == 0, applied
    assert HOOK_TOKEN not in applied.output

    assert cli("plan", "demo", "--detailed-exitcode").code == 0
    assert hook_urls(server) == [f"{NEW_URL}?token={HOOK_TOKEN}"]


def test_a_saved_partial_plan_of_a_renamed_denial_reason_replaces_it_once(
    cli: Cli, server: Server, tmp_path: Path
) -> None:
    repo, identity = tmp_path, ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    assert cli("apply", "demo", "--auto-approve").code == 0
    for args in (["add", "-A"], ["add", "-f", "demo/.omsform/ledger.json"], ["commit", "-qm", "a"]):
        subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True)
    edit(cli.brand, "denial_reasons.yaml", "title: Damaged product", "title: Damaged goods")
    made = cli("plan", "demo", "--changed-since", "HEAD", "-o", "plan.json")
    assert made.code == 0, made
    assert saved_replace(tmp_path / "plan.json")["address"] == "oms_denial_reason.damaged"

    applied = cli("apply", "plan.json", "--auto-approve")
    assert applied.code == 0, applied
    assert cli("plan", "demo", "--detailed-exitcode").code == 0
    assert titles(server).count("Damaged goods") == 1 and "Damaged product" not in titles(server)
