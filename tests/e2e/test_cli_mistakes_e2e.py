"""User mistakes through the installed console script, on a copy of ``brands/demo`` with the
embedded sandbox: each exits 1 with a message that says where the problem is and what to do,
never a traceback (the ``Cli`` helper fails any run that prints one), and exit 2 stays reserved
for "changes" under ``plan --detailed-exitcode``. Also: options that do not fit what is applied
(``--checksum`` with a directory, ``--exclude`` with a saved plan), globs that select nothing,
a changed natural key of a kind's only object, and ``sandbox serve`` on an existing database.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import OMSFORM, Cli, _base_env, copy_demo, resource_secret_names
from tests.served import _wait_until_up, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def local(tmp_path: Path) -> Cli:
    """The console script for a demo copy at ``tmp_path/demo``, run from ``tmp_path``, with
    the embedded sandbox (``--sandbox`` on the commands that talk to the providers)."""
    brand = copy_demo(tmp_path / "demo")
    env = {k: v for k, v in _base_env().items() if not k.startswith("DEMO_")}
    env.update({name: f"local-{name.lower()}" for name in resource_secret_names(brand)})
    return Cli(brand, env)


def refused(result: object, *parts: str) -> None:
    """Exit 1 with every part in the output (the ``Cli`` already checked for tracebacks)."""
    assert getattr(result, "code", None) == 1, result
    for part in parts:
        assert part in getattr(result, "output", ""), (part, str(result))


BAD_PLAN_FILES = {
    "list.json": ("[]", "holds a JSON list"),
    "string.json": ('"x"', "holds a JSON str"),
    "shape.json": ('{"format_version": 1, "brand": 3}', "brand: Input should be a valid string"),
    "broken.json": ('{"format_version": ', "broken.json:1:"),
}


@pytest.mark.parametrize("name", sorted(BAD_PLAN_FILES))
def test_a_file_that_is_not_a_plan_is_named_without_a_traceback(
    local: Cli, tmp_path: Path, name: str
) -> None:
    text, says = BAD_PLAN_FILES[name]
    (tmp_path / name).write_text(text)
    for args in (("show", name), ("apply", name, "--sandbox", "--auto-approve")):
        result = local(*args)
        refused(result, name, says)
        assert "errors.pydantic.dev" not in result.output


def test_an_output_file_in_a_missing_directory_is_refused_before_any_work(local: Cli) -> None:
    result = local("plan", "demo", "--sandbox", "-o", "nodir/x/pp.json")
    refused(result, "nodir/x/pp.json", "nodir/x does not exist")
    assert "Using the embedded sandbox" not in result.output, "refused before reading"
    refused(local("schema", "-o", "nodir/s.json"), "nodir/s.json", "nodir does not exist")


def test_a_sandbox_file_that_is_not_a_database_is_named(local: Cli, tmp_path: Path) -> None:
    db = local.brand / ".omsform" / "sandbox.sqlite"
    db.parent.mkdir()
    db.write_bytes(os.urandom(4096))
    refused(local("plan", "demo", "--sandbox"), str(db.relative_to(tmp_path)), "delete or move")
    other = tmp_path / "other.db"
    other.write_bytes(os.urandom(4096))
    refused(local("sandbox", "serve", "--db", str(other)), str(other), "not a usable sandbox")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("plan", "demo", "--parallelism", "0"), "Invalid value for '--parallelism'"),
        (("plan", "demo", "--format", "xml"), "Invalid value for '--format'"),
        (("plan", "demo", "--bogus"), "No such option '--bogus'"),
        (("show", "/nonexist.json"), "does not exist"),
        (("apply", "/nonexist.json"), "does not exist"),
        (("nosuchcommand",), "No such command"),
    ],
)
def test_usage_errors_exit_1_not_the_changes_code(
    local: Cli, args: tuple[str, ...], says: str
) -> None:
    result = local(*args, "--detailed-exitcode") if args[0] == "plan" else local(*args)
    refused(result, says, "Usage: omsform")


def test_checksum_with_a_brand_directory_is_refused_and_nothing_is_applied(local: Cli) -> None:
    result = local("apply", "demo", "--sandbox", "--auto-approve", "--checksum", "abc")
    refused(result, "--checksum", "saved plan", "omsform plan -o FILE")
    assert local("plan", "demo", "--sandbox", "--detailed-exitcode").code == 2, "nothing applied"


def test_a_glob_that_selects_nothing_is_an_error_with_a_suggestion(local: Cli) -> None:
    typo = local("plan", "demo", "--sandbox", "--target", "oms_webhok.*")
    refused(typo, "--target 'oms_webhok.*' matches no", "did you mean 'oms_webhook.*'?")
    refused(local("plan", "demo", "--sandbox", "--exclude", "nothing.here"), "'nothing.here'")
    kept = local("plan", "demo", "--sandbox", "--target", "oms_webhook.*", "--detailed-exitcode")
    assert kept.code == 2 and "oms_webhook.package_ready" in kept.stdout, kept


def _make_manual(local: Cli) -> None:
    """Apply the demo, then change an immutable Ginesys field: the next plan has a manual `!`."""
    assert local("apply", "demo", "--sandbox", "--auto-approve").code == 0
    yaml = local.brand / "ginesys.yaml"
    yaml.write_text(yaml.read_text().replace("app_name: Acme OMS", "app_name: Acme OMS 2"))


def test_a_saved_plan_runs_as_approved_and_the_manual_hint_says_how(local: Cli) -> None:
    _make_manual(local)
    assert local("plan", "demo", "--sandbox", "-o", "plan.json").code == 0
    manual = local("apply", "plan.json", "--sandbox")
    refused(manual, "manual changes", "omsform plan --exclude 'ginesys_oms_app.main' -o FILE")
    narrowed = local("apply", "plan.json", "--sandbox", "--exclude", "ginesys_oms_app.*")
    refused(narrowed, "--exclude cannot narrow a saved plan", "omsform plan --exclude GLOB")

    direct = local("apply", "demo", "--sandbox", "--auto-approve")
    refused(direct, "manual changes", "--exclude 'ginesys_oms_app.main'")

    # following the hint works: plan without it, then apply that plan
    made = local("plan", "demo", "--sandbox", "--exclude", "ginesys_oms_app.*", "-o", "p2.json")
    assert made.code == 0, made
    assert local("apply", "p2.json", "--sandbox").code == 0
    again = local("plan", "demo", "--sandbox", "--detailed-exitcode")
    assert again.code == 2 and "! ginesys_oms_app.main" in again.stdout, again


def test_a_new_natural_key_for_a_kinds_only_object_is_not_taken_for_an_emptied_yaml(
    local: Cli,
) -> None:
    assert local("apply", "demo", "--sandbox", "--auto-approve").code == 0
    yaml = local.brand / "webhooks.yaml"
    yaml.write_text(yaml.read_text().replace("package.status.packed", "package.status.shipped"))
    plan = local("plan", "demo", "--sandbox", "--detailed-exitcode")
    assert plan.code == 2, plan
    assert "emptied" not in plan.output
    applied = local("apply", "demo", "--sandbox", "--auto-approve")
    assert applied.code == 0, applied
    assert local("plan", "demo", "--sandbox", "--detailed-exitcode").code == 0

    yaml.unlink()  # now the YAML really declares no webhook: refused
    emptied = local("plan", "demo", "--sandbox")
    refused(emptied, "oms_webhook: the plan deletes all 1 existing objects", "--force")


def test_graph_draws_every_edge_plan_orders_changes_by(local: Cli) -> None:
    changes = json.loads(local("plan", "demo", "--sandbox", "--format", "json").stdout)["changes"]
    dot = local("graph", "demo", "--format", "dot")
    assert dot.code == 0, dot
    edges = set(re.findall(r'"([^"]+)" -> "([^"]+)"', dot.stdout))
    planned = {(dep, c["address"]) for c in changes for dep in c["depends_on"]}
    assert planned, "the demo plan orders some changes after others"
    assert planned <= edges, sorted(planned - edges)
    assert any(source.startswith("oms_setup_step.") for source, _ in edges)


def test_sandbox_serve_says_an_existing_database_keeps_its_data(local: Cli, tmp_path: Path) -> None:
    db = tmp_path / "kept.sqlite"
    first = _serve(local, db, "demo")
    assert "Kept the existing database" not in first, first
    again = _serve(local, db, "empty")
    assert f"Kept the existing database {db} (seeded 'demo'" in again, again
    assert "POST /_sandbox/reset" in again


def _serve(local: Cli, db: Path, seed: str) -> str:
    """Start ``sandbox serve`` until it answers, stop it, and return what it printed."""
    port = free_port()
    args = [str(OMSFORM), "sandbox", "serve", "--port", str(port), "--db", str(db)]
    proc = subprocess.Popen(
        [*args, "--seed", seed],
        env={**local.env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(proc, f"http://127.0.0.1:{port}", 30)
    finally:
        proc.terminate()
        printed, _ = proc.communicate(timeout=10)
    out = printed.decode()
    assert "Traceback" not in out, out
    return out
