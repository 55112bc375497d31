"""The command line as a user meets it: the approval prompt (an answer on stdin, Ctrl-C),
``apply --format json``, ``validate --format json``, plan banners and refusals. Runs
``omsform … --sandbox`` in-process (click's runner) against the embedded sandbox."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from omsform.cli import apply as cli_apply
from omsform.cli.main import main
from tests.harness import CONFIG

REASONS = """\
oms_denial_reason:
  damaged: {title: Damaged product, priority: 2}
  late: {title: Arrived late, priority: 3}
"""


class Brand:
    """A small brand directory run through the CLI with the embedded sandbox."""

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "brand"
        self.path.mkdir()
        (self.path / "omsform.yaml").write_text(
            CONFIG % {"prune": [], "protect": [], "fraction": 1.0}
        )
        (self.path / "reasons.yaml").write_text(REASONS)
        self.runner = CliRunner()

    def run(self, *args: str, stdin: str | None = None) -> Result:
        return self.runner.invoke(main, list(args), input=stdin, catch_exceptions=False)

    def plan(self, *extra: str) -> Result:
        return self.run("plan", str(self.path), "--sandbox", "--detailed-exitcode", *extra)

    def apply(self, *extra: str, stdin: str | None = None) -> Result:
        return self.run("apply", str(self.path), "--sandbox", *extra, stdin=stdin)


@pytest.fixture
def brand(tmp_path: Path) -> Brand:
    return Brand(tmp_path)


# --- the approval prompt -----------------------------------------------------------------------
def test_yes_on_stdin_applies_when_stdin_is_not_a_terminal(brand: Brand) -> None:
    done = brand.apply(stdin="yes\n")
    assert done.exit_code == 0, done.output
    assert "Only 'yes' will be accepted" in done.output
    assert "Apply complete" in done.output
    assert brand.plan().exit_code == 0


@pytest.mark.parametrize("answer", ["no\n", "y\n", "YES\n", ""])
def test_anything_but_yes_on_stdin_cancels(brand: Brand, answer: str) -> None:
    refused = brand.apply(stdin=answer)
    assert refused.exit_code == 1
    assert "Apply cancelled" in refused.output
    assert brand.plan().exit_code == 2  # nothing was written


def test_ctrl_c_at_the_prompt_cancels_at_once(brand: Brand, monkeypatch: Any) -> None:
    """The prompt runs inside asyncio.run, whose Ctrl-C handler only cancels the task once the
    blocking prompt returns: the user had to press Enter. Now Ctrl-C interrupts the prompt."""

    def typed(text: str, **kwargs: Any) -> str:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while waiting for the answer
        return "yes"  # what would arrive if the interrupt waited for Enter

    monkeypatch.setattr(cli_apply, "_stdin_is_terminal", lambda: True)
    monkeypatch.setattr(click, "prompt", typed)
    handler = signal.getsignal(signal.SIGINT)
    cancelled = brand.apply()
    assert cancelled.exit_code == 1
    assert "Apply cancelled" in cancelled.output
    assert signal.getsignal(signal.SIGINT) == handler
    assert brand.plan().exit_code == 2  # nothing was written


# --- JSON for machines ---------------------------------------------------------------------------
def test_apply_format_json_prints_one_event_per_line(brand: Brand) -> None:
    done = brand.apply("--auto-approve", "--format", "json")
    assert done.exit_code == 0, done.output
    events = [json.loads(line) for line in done.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds.count("started") == 2 and kinds.count("applied") == 2
    assert kinds[-1] == "summary" and events[-1]["ok"] is True and events[-1]["applied"] == 2
    applied = [e for e in events if e["event"] == "applied"]
    addresses = {e["address"] for e in applied}
    assert addresses == {"oms_denial_reason.damaged", "oms_denial_reason.late"}
    assert all("remote_id" in e and "seconds" in e for e in applied)
    again = brand.apply("--auto-approve", "--format", "json")
    assert [json.loads(line)["event"] for line in again.stdout.splitlines()] == ["summary"]


# --- readable plans ------------------------------------------------------------------------
def test_target_puts_a_warning_banner_above_the_plan(brand: Brand) -> None:
    narrowed = brand.plan("--target", "oms_denial_reason.damaged")
    assert narrowed.exit_code == 2, narrowed.output
    banner = "Warning: only part of the brand is planned (--target 'oms_denial_reason.damaged')"
    assert banner in narrowed.stdout
    assert narrowed.stdout.index(banner) < narrowed.stdout.index("+ oms_denial_reason.damaged")
    assert "Warning: only part" not in brand.plan().output


def test_a_safety_refusal_shows_the_plan_it_refused_then_the_refusal(brand: Brand) -> None:
    many = "".join(f"  r{i}: {{title: Reason {i}, priority: {i}}}\n" for i in range(10))
    (brand.path / "reasons.yaml").write_text("oms_denial_reason:\n" + many)
    assert brand.apply("--auto-approve").exit_code == 0
    config = CONFIG % {"prune": [], "protect": [], "fraction": 0.1}
    (brand.path / "omsform.yaml").write_text(config)
    edited = many.replace("priority: 1}", "priority: 11}").replace("priority: 2}", "priority: 12}")
    (brand.path / "reasons.yaml").write_text("oms_denial_reason:\n" + edited)
    refused = brand.plan()
    assert refused.exit_code == 1
    assert "~ oms_denial_reason.r1" in refused.stdout and "priority: 1 → 11" in refused.stdout
    assert "refused by the safety rules" in refused.stderr
    assert refused.output.index("~ oms_denial_reason.r1") < refused.output.index("refused by")


# --- validate --format json ------------------------------------------------------------------
def test_validate_json_lists_every_problem_with_position_code_and_hint(brand: Brand) -> None:
    (brand.path / "reasons.yaml").write_text(
        "oms_denial_reason:\n  damaged: {titel: Damaged, priority: 2}\noms_denial_reazon: {}\n"
    )
    result = brand.run("validate", str(brand.path), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["valid"] is False
    by_code = {p["code"]: p for p in doc["problems"]}
    field = by_code["unknown-field"]
    assert field["file"].endswith("reasons.yaml") and (field["line"], field["column"]) == (2, 13)
    assert "titel" in field["message"] and "title" in field["hint"]
    assert by_code["unknown-kind"]["line"] == 3
    assert set(by_code["unknown-kind"]) == {
        "file", "line", "column", "address", "severity", "code", "message", "hint"
    }  # fmt: skip


def test_validate_json_of_a_valid_brand(brand: Brand) -> None:
    result = brand.run("validate", str(brand.path), "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["valid"] is True and doc["resources"] == 2 and doc["kinds"] == 1


def test_import_format_json_reports_what_it_wrote_and_left_out(
    brand: Brand, tmp_path: Path
) -> None:
    assert brand.apply("--auto-approve").exit_code == 0
    out = tmp_path / "imported"
    config = str(brand.path / "omsform.yaml")
    args = ("import", "--config", config, "--sandbox", "--out", str(out), "--format", "json")
    result = brand.run(*args, "--kinds", "oms_denial_reason")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)  # stdout holds the document only
    written = {w["file"]: w["objects"] for w in doc["written"]}
    assert written["oms_denial_reason.yaml"] >= 2 and (out / "oms_denial_reason.yaml").is_file()
    assert isinstance(doc["skipped"], list) and doc["next"].startswith("omsform plan ")
