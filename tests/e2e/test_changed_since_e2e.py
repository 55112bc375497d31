"""``plan --changed-since REF`` against the served sandbox, in a real git repository: a change to
one kind's file reads only that kind and its reference reach, says the plan is partial and which
kinds it left out; files that reach everything give a full plan; a bad REF or a brand outside
git is an error; a saved partial plan applies only its own changes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from omsform_akinon_oms import api

from omsform.plan.model import Plan
from tests.e2e.conftest import Cli, Server

pytestmark = pytest.mark.slow

IDENTITY = ["-c", "user.name=t", "-c", "user.email=t@example.com"]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *IDENTITY, *args], cwd=repo, check=True, capture_output=True)


def applied_repo(cli: Cli) -> Path:
    """The demo applied to the sandbox and committed with its ledger (as after a merge)."""
    repo = cli.brand.parent
    git(repo, "init", "-q")
    done = cli("apply", "demo", "--auto-approve")
    assert done.code == 0, done
    git(repo, "add", "-A")
    git(repo, "add", "-f", "demo/.omsform/ledger.json")
    git(repo, "commit", "-qm", "applied")
    return repo


def gets(server: Server) -> Counter[str]:
    """GET requests by path since the last reset."""
    by_path: dict[str, int] = server.stats()["by_path"]
    return Counter({k.split(" ", 1)[1]: n for k, n in by_path.items() if k.startswith("GET ")})


def plan_json(cli: Cli, *args: str) -> tuple[int, dict[str, Any], str]:
    done = cli("plan", "demo", "--format", "json", "--detailed-exitcode", *args)
    assert done.code in (0, 2), done
    return done.code, json.loads(done.stdout), done.stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_one_changed_kind_reads_only_that_kind_and_names_the_rest(cli: Cli, server: Server) -> None:
    applied_repo(cli)
    edit(cli.brand / "webhooks.yaml", "max_retries: 5", "max_retries: 7")
    server.reset_stats()
    code, doc, stderr = plan_json(cli, "--changed-since", "HEAD")
    read = gets(server)
    assert read and all(path.startswith(api.OMS_HOOKS) for path in read), read
    assert code == 2 and {c["kind"] for c in doc["changes"]} == {"oms_webhook"}
    assert doc["complete"] is False and doc["changed_since"] == "HEAD"
    assert "oms_webhook" not in doc["left_out"]
    assert {"oms_channel", "oms_scenario", "oms_stock_location"} <= set(doc["left_out"])
    assert "changed oms_webhook" in stderr
    assert Plan.from_json(json.dumps(doc)).left_out == tuple(doc["left_out"])  # checksum holds

    text = cli("plan", "demo", "--changed-since", "HEAD")
    banner = r"Partial plan \(--changed-since HEAD\).*Not read \(\d+\): .*oms_channel"
    assert re.search(banner, text.stdout)
    markdown = cli("plan", "demo", "--changed-since", "HEAD", "--format", "markdown")
    assert "**Partial plan**" in markdown.stdout and "<code>oms_channel</code>" in markdown.stdout

    server.reset_stats()
    _, full, _ = plan_json(cli)
    assert "complete" not in full and "left_out" not in full
    assert len(gets(server)) > len(read)


def test_a_scenario_change_also_reads_what_scenarios_reference(cli: Cli) -> None:
    applied_repo(cli)
    edit(cli.brand / "scenarios.yaml", "priority: 10", "priority: 11")
    code, doc, _ = plan_json(cli, "--changed-since", "HEAD")
    assert code == 2 and {c["kind"] for c in doc["changes"]} == {"oms_scenario"}
    assert "oms_stock_location" not in doc["left_out"] and "oms_channel" not in doc["left_out"]
    assert "oms_webhook" in doc["left_out"]


def test_nothing_changed_reads_nothing_and_exits_0(cli: Cli, server: Server) -> None:
    applied_repo(cli)
    (cli.brand / "README.md").write_text("not part of the brand\n")
    server.reset_stats()
    code, doc, stderr = plan_json(cli, "--changed-since", "HEAD")
    assert code == 0 and gets(server) == Counter() and doc["complete"] is False
    assert "no brand file changed" in stderr


@pytest.mark.parametrize("changed", ["omsform.yaml", "vars.yaml"])
def test_a_file_that_reaches_everything_gives_a_full_plan(cli: Cli, changed: str) -> None:
    applied_repo(cli)
    edit(cli.brand / "webhooks.yaml", "max_retries: 5", "max_retries: 7")
    path = cli.brand / changed
    path.write_text(path.read_text() + "# a comment\n")
    code, doc, stderr = plan_json(cli, "--changed-since", "HEAD")
    assert f"{changed} changed: a full plan" in stderr
    assert "complete" not in doc and code == 2


def test_a_deleted_file_of_a_pruned_kind_plans_its_deletes(cli: Cli) -> None:
    repo = applied_repo(cli)
    git(repo, "rm", "-q", "demo/denial_reasons.yaml")
    code, doc, _ = plan_json(cli, "--changed-since", "HEAD", "--force")
    deletes = {c["address"] for c in doc["changes"] if c["action"] == "-"}
    assert code == 2 and deletes and all(a.startswith("oms_denial_reason") for a in deletes)
    assert "oms_denial_reason" not in doc["left_out"]


def test_an_untracked_new_file_counts(cli: Cli) -> None:
    applied_repo(cli)
    hook = (cli.brand / "webhooks.yaml").read_text().replace("package_ready:", "package_ready_2:")
    (cli.brand / "more_webhooks.yaml").write_text(hook.replace("package-ready", "ready-2"))
    code, doc, _ = plan_json(cli, "--changed-since", "HEAD")
    assert code == 2 and [c["address"] for c in doc["changes"]] == ["oms_webhook.package_ready_2"]


def test_a_bad_ref_or_no_repository_is_an_error(cli: Cli) -> None:
    outside = cli("plan", "demo", "--changed-since", "HEAD")
    assert outside.code == 1 and "not inside a git repository" in outside.stderr
    applied_repo(cli)
    bad = cli("plan", "demo", "--changed-since", "no-such-ref")
    assert bad.code == 1 and "'no-such-ref' is not a commit in this repository" in bad.stderr
    empty = cli("plan", "demo", "--changed-since", "")  # an unset CI variable
    assert empty.code == 1 and "needs a git REF" in empty.stderr


def test_several_brands_each_read_only_their_own_changes(cli: Cli, server: Server) -> None:
    repo = applied_repo(cli)
    shutil.copytree(cli.brand, repo / "same", ignore=shutil.ignore_patterns(".omsform"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a second brand directory")
    edit(cli.brand / "webhooks.yaml", "max_retries: 5", "max_retries: 7")
    done = cli("plan", "demo", "same", "--changed-since", "HEAD", "--format", "json")
    assert done.code == 0, done
    plans = {b["path"]: b["plan"] for b in json.loads(done.stdout)["brands"]}
    assert {c["kind"] for c in plans["demo"]["changes"]} == {"oms_webhook"}
    assert plans["same"]["changes"] == [] and plans["same"]["complete"] is False


def test_a_saved_partial_plan_applies_only_its_changes(cli: Cli, server: Server) -> None:
    applied_repo(cli)
    edit(cli.brand / "webhooks.yaml", "max_retries: 5", "max_retries: 7")
    edit(cli.brand / "denial_reasons.yaml", "priority: 2", "priority: 4")
    made = cli("plan", "demo", "--changed-since", "HEAD~0", "-o", "plan.json")
    assert made.code == 0, made
    saved = Plan.from_json((cli.brand.parent / "plan.json").read_text())
    assert {c.kind for c in saved.changes} == {"oms_webhook", "oms_denial_reason"}

    tampered = saved.model_copy(update={"left_out": (*saved.left_out, "oms_webhook")})
    (cli.brand.parent / "tampered.json").write_text(tampered.to_json())
    refused = cli("apply", "tampered.json", "--auto-approve")
    assert refused.code == 1 and "changes kinds it did not read" in refused.stderr

    server.reset_stats()
    done = cli("apply", "plan.json", "--auto-approve")
    assert done.code == 0, done
    written = {path.split(" ", 1)[1] for path in server.writes()}
    assert written and all(api.OMS_HOOKS in p or "denial" in p for p in written), written


def test_a_saved_partial_plan_checks_the_yaml_of_the_kinds_it_compared(cli: Cli) -> None:
    applied_repo(cli)
    edit(cli.brand / "webhooks.yaml", "max_retries: 5", "max_retries: 7")
    made = cli("plan", "demo", "--changed-since", "HEAD", "-o", "plan.json")
    assert made.code == 0, made
    assert "Files not read:" in made.stderr and "omsform validate" in made.stderr
    saved = Plan.from_json((cli.brand.parent / "plan.json").read_text())
    assert "oms_denial_reason" in saved.left_out

    edit(cli.brand / "webhooks.yaml", "max_retries: 7", "max_retries: 8")  # a compared kind
    refused = cli("apply", "plan.json", "--auto-approve")
    assert refused.code == 1 and "YAML changed since this plan was made" in refused.stderr

    edit(cli.brand / "webhooks.yaml", "max_retries: 8", "max_retries: 7")
    edit(cli.brand / "denial_reasons.yaml", "priority: 2", "priority: 4")  # a kind left out
    done = cli("apply", "plan.json", "--auto-approve")
    assert done.code == 0, done
    _, doc, _ = plan_json(cli)
    assert {c["kind"] for c in doc["changes"]} == {"oms_denial_reason"}  # not applied: not read
