"""The installed console script: ``plan --format tf-json`` on the demo brand read by a
conftest-style rule, the Markdown comment's checksum foot, and several brands in one plan."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from omsform.plan.model import Plan
from tests.e2e.conftest import Cli
from tests.plan.test_render_tf import count_actions, deny

pytestmark = pytest.mark.slow


def test_demo_tf_json_is_accepted_by_a_rule_walking_resource_changes(cli: Cli) -> None:
    done = cli("plan", "demo", "--format", "tf-json")
    assert done.code == 0, done
    tfplan: dict[str, Any] = json.loads(done.stdout)
    ours = json.loads(cli("plan", "demo", "--format", "json").stdout)
    assert tfplan["format_version"] == "1.2" and tfplan["complete"] is True
    assert tfplan["applyable"] is (not ours["summary"]["manual"])
    assert deny(tfplan) == []  # a fresh demo deletes nothing
    assert count_actions(tfplan, "create") == ours["summary"]["create"] > 0
    addresses = [rc["address"] for rc in tfplan["resource_changes"]]
    assert addresses == [c["address"] for c in ours["changes"]]
    for rc in tfplan["resource_changes"]:
        assert rc["type"] == rc["address"].split(".")[0].split("[")[0]
        assert set(rc["change"]) >= {"actions", "before", "after", "after_sensitive"}
    for secret in (v for k, v in cli.env.items() if v.startswith("e2e-")):
        assert secret not in done.stdout

    narrowed = cli("plan", "demo", "--format", "tf-json", "--target", "oms_channel.*")
    assert narrowed.code == 0, narrowed
    assert json.loads(narrowed.stdout)["complete"] is False


def test_markdown_names_the_checksum_and_the_exact_apply_command(cli: Cli) -> None:
    done = cli("plan", "demo", "--format", "markdown", "-o", "plan.json")
    assert done.code == 0, done
    saved = Plan.from_json((cli.brand.parent / "plan.json").read_text())
    command = f"omsform apply plan.json --checksum {saved.checksum()}"
    assert command in done.stdout
    assert len(done.stdout) < 65_000


def test_several_brands_in_one_plan_print_one_summary_and_the_worst_exit_code(cli: Cli) -> None:
    parent = cli.brand.parent
    shutil.copytree(cli.brand, parent / "beta")
    applied = cli("apply", "demo", "--sandbox", "--auto-approve")
    assert applied.code == 0, applied  # demo: nothing left to do; beta: everything

    both = cli("plan", "demo", "beta", "--sandbox", "--detailed-exitcode")
    assert both.code == 2, both  # worst of 0 and 2
    assert both.stdout.count("Summary of 2 brands:") == 1
    rows = summary(both.stdout)
    assert [(r[1], r[4], r[5]) for r in rows] == [("demo", "0", "0"), ("beta", "0", "2")]
    assert "=== acme (demo) ===" in both.stdout and "=== acme (beta) ===" in both.stdout
    assert "No changes." in both.stdout and "to create" in both.stdout

    shutil.copytree(cli.brand, parent / "broken", ignore=shutil.ignore_patterns(".omsform"))
    (parent / "broken" / "channels.yaml").write_text("oms_channel: [unclosed\n")
    three = cli("plan", "demo", "beta", "broken", "--sandbox", "--detailed-exitcode")
    assert three.code == 1, three  # an error is worse than changes
    rows = summary(three.stdout)
    assert [(r[1], r[4], r[5]) for r in rows][2] == ("broken", "1", "1")
    assert "channels.yaml" in three.output and "to create" in three.stdout  # beta still planned

    refused = cli("plan", "demo", "beta", "--sandbox", "-o", "plan.json")
    assert refused.code == 1 and "one brand" in refused.stderr


def summary(stdout: str) -> list[list[str]]:
    """The rows of the summary table (brand, directory, drift, intent, errors, exit)."""
    lines = stdout.split("Summary of", 1)[1].splitlines()[2:]
    return [line.split() for line in lines if line.strip()]
