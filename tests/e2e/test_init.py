"""``omsform init`` end to end, in process against the embedded sandbox: a new brand validates
and plans to no change; with its examples turned on it applies and then plans to no change;
``--from-sandbox`` hands over to import; a sandbox-only brand needs no provider URL."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from omsform.cli.main import main
from omsform.guide.init import EXAMPLE_MARK, uncommented

ROOT = Path(__file__).resolve().parents[2]
SECRET_REF = re.compile(r"\$\{secret\.([A-Za-z_][A-Za-z0-9_]*)\}")


def omsform(*args: str, env: Mapping[str, str] | None = None) -> Result:
    """Run the CLI in process (stdout and stderr kept apart)."""
    return CliRunner().invoke(main, list(args), env=dict(env or {}), catch_exceptions=False)


def resource_files(brand: Path) -> list[Path]:
    return [p for p in sorted(brand.glob("*.yaml")) if p.name not in ("omsform.yaml", "vars.yaml")]


def test_init_writes_a_brand_that_validates_and_plans_to_no_change(tmp_path: Path) -> None:
    brand = tmp_path / "shop"
    made = omsform("init", str(brand))
    assert made.exit_code == 0, made.output
    config = (brand / "omsform.yaml").read_text()
    assert "brand: shop" in config
    assert "url: ${env.SHOP_OMS_URL}" in config and "token: ${secret.SHOP_OMS_TOKEN}" in config
    assert (brand / "vars.yaml").is_file() and (brand / "omsform.schema.json").is_file()
    families = {p.stem for p in resource_files(brand)}
    assert {
        "setup",
        "settings",
        "stock_locations",
        "scenarios",
        "package_flow",
        "cargo",
    } <= families
    assert all(EXAMPLE_MARK in p.read_text() for p in resource_files(brand))
    assert omsform("validate", str(brand)).exit_code == 0
    planned = omsform("plan", str(brand), "--sandbox", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output


def test_the_examples_turned_on_apply_to_the_sandbox_and_then_plan_no_change(
    tmp_path: Path,
) -> None:
    brand = tmp_path / "shop"
    assert omsform("init", str(brand)).exit_code == 0
    for path in resource_files(brand):
        path.write_text(uncommented(path.read_text()))
    names = {n for p in resource_files(brand) for n in SECRET_REF.findall(p.read_text())}
    env = {name: f"value-of-{name.lower()}" for name in names}
    assert omsform("validate", str(brand)).exit_code == 0
    applied = omsform("apply", str(brand), "--sandbox", "--auto-approve", env=env)
    assert applied.exit_code == 0, applied.output
    assert "0 failed" in applied.stdout
    kinds = {
        line.split()[2].split(".")[0]
        for line in applied.stdout.splitlines()
        if "applied" in line and "." in line
    }
    assert {"oms_scenario", "oms_cargo_integration", "ginesys_oms_app"} <= kinds
    again = omsform("plan", str(brand), "--sandbox", "--detailed-exitcode", env=env)
    assert again.exit_code == 0, again.output


def _ignored(directory: Path, *paths: str) -> set[str]:
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", *paths],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    return set(done.stdout.split())


@pytest.mark.parametrize("where", ["init", "demo"])
def test_gitignore_keeps_the_ledger_and_ignores_the_sandbox_and_journal(
    tmp_path: Path, where: str
) -> None:
    if where == "init":
        assert omsform("init", str(tmp_path / "b")).exit_code == 0
        ignore = (tmp_path / "b" / ".gitignore").read_text()
    else:
        ignore = (ROOT / "brands" / "demo" / ".gitignore").read_text()
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    (tmp_path / "repo" / ".gitignore").write_text(ignore)
    state = [
        ".omsform/ledger.json",
        ".omsform/sandbox.sqlite",
        ".omsform/sandbox.sqlite-wal",
        ".omsform/journal.jsonl",
        ".omsform/ledger.pending.jsonl",
    ]
    assert _ignored(tmp_path / "repo", *state) == set(state) - {".omsform/ledger.json"}


def test_init_refuses_a_directory_with_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "omsform.yaml").write_text("brand: x\n")
    refused = omsform("init", str(tmp_path))
    assert refused.exit_code == 1
    assert "already has YAML files" in refused.stderr
    assert (tmp_path / "omsform.yaml").read_text() == "brand: x\n"


def test_init_from_sandbox_hands_over_to_import(tmp_path: Path) -> None:
    brand = tmp_path / "shop"
    made = omsform("init", str(brand), "--from-sandbox")
    assert made.exit_code == 0, made.output
    assert "Imported" in made.stdout
    assert "brand: shop" in (brand / "omsform.yaml").read_text()
    assert ".omsform/journal.jsonl" in (brand / ".gitignore").read_text()
    planned = omsform("plan", str(brand), "--sandbox", "--detailed-exitcode")
    assert planned.exit_code == 0, planned.output


def test_a_sandbox_only_brand_needs_no_url_and_a_live_run_names_the_block(
    tmp_path: Path,
) -> None:
    (tmp_path / "omsform.yaml").write_text("brand: s\nproviders:\n  akinon_oms: {}\n")
    (tmp_path / "reasons.yaml").write_text("oms_denial_reason:\n  Damaged: {priority: 1}\n")
    assert omsform("validate", str(tmp_path)).exit_code == 0
    sandboxed = omsform("apply", str(tmp_path), "--sandbox", "--auto-approve")
    assert sandboxed.exit_code == 0, sandboxed.output
    live = omsform("plan", str(tmp_path))
    assert live.exit_code == 1
    assert "omsform.yaml:3:3: error: providers.akinon_oms has no url" in live.stderr
    assert "only --sandbox runs without one" in live.stderr
