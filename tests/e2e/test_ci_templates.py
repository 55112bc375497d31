"""The CI templates in brands/ci/: they parse, they have the jobs a brand repository needs, and
their shell steps — run here with ``bash`` exactly as written, ``omsform`` pointed at the
embedded sandbox — validate, plan, write the Markdown comment, apply the reviewed plan by its
checksum and detect drift. Steps that talk to GitHub or GitLab (or pip, git) are left out."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from omsform.sandbox import build_app
from omsform.sandbox.store import Store

ROOT = Path(__file__).resolve().parents[2]
CI = ROOT / "brands" / "ci"
DEMO = ROOT / "brands" / "demo"
OMSFORM = Path(sys.executable).with_name("omsform")
SECRET_REF = re.compile(r"\$\{secret\.([A-Za-z_][A-Za-z0-9_]*)\}")
CHECKSUM = re.compile(r"^<!-- omsform-checksum: ([0-9a-f]+) -->$", re.MULTILINE)
MARKER = "<!-- omsform-plan -->"
REMOTE = ("gh ", "git ", "pip install", "CI_API_V4_URL")
SHIM = """#!/bin/sh
# omsform against the embedded sandbox: what CI runs against the real OMS
case "$1" in
  plan|apply) exec "{real}" "$@" --sandbox ;;
  *) exec "{real}" "$@" ;;
esac
"""


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((CI / name).read_text())
    assert isinstance(data, dict)
    return data


class Repo:
    """A brand repository checked out in ``path`` (the demo brand at its root), with ``omsform``
    on PATH pointing at the sandbox."""

    def __init__(self, tmp_path: Path, workflow_env: dict[str, Any]) -> None:
        self.path = tmp_path / "repo"
        shutil.copytree(DEMO, self.path, ignore=shutil.ignore_patterns(".omsform"))
        build_app(Store(self.path / ".omsform" / "sandbox.sqlite"), seed="demo")
        shim = tmp_path / "bin" / "omsform"
        shim.parent.mkdir()
        shim.write_text(SHIM.format(real=OMSFORM))
        shim.chmod(0o755)
        secrets = {
            name: f"ci-{name.lower()}"
            for p in self.path.glob("*.yaml")
            if p.name != "omsform.yaml"
            for name in SECRET_REF.findall(p.read_text())
        }
        settings = {k: str(v) for k, v in workflow_env.items() if "${{" not in str(v)}
        self.summary = tmp_path / "summary.md"
        self.env = {
            **os.environ,
            **settings,
            **secrets,
            "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_OUTPUT": str(tmp_path / "output"),
        }

    def run(self, script: str, **env: str) -> subprocess.CompletedProcess[str]:
        """``script`` as CI runs it: bash, stop at the first failing command."""
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.path,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )

    def read(self, name: str) -> str:
        return (self.path / name).read_text()


def local(script: str) -> bool:
    return not any(marker in script for marker in REMOTE)


def steps(job: dict[str, Any]) -> list[str]:
    """The local shell scripts of a GitHub job, in order."""
    return [s["run"] for s in job["steps"] if "run" in s and local(s["run"])]


def assert_comment(repo: Repo) -> str:
    """The comment the plan job would post: one marker, the Markdown plan, the checksum."""
    comment = repo.read("comment.md")
    assert comment.startswith(MARKER) and comment.count(MARKER) == 1
    assert "## omsform plan" in comment and "| create |" in comment
    assert "<details>" in comment  # one per change, with its field diff
    assert len(comment) <= 65_536  # GitHub's comment limit
    for value in (v for k, v in repo.env.items() if k.startswith("DEMO_") and v.startswith("ci-")):
        assert value not in comment  # secrets masked
    found = CHECKSUM.findall(comment)
    assert len(found) == 1
    return found[0]


def test_github_workflow_has_the_three_jobs() -> None:
    flow = load("github-actions.yml")
    triggers = flow.get("on", flow.get(True))  # PyYAML reads the key `on` as true
    assert {"pull_request", "push", "schedule"} <= set(triggers)
    jobs = flow["jobs"]
    assert set(jobs) == {"plan", "apply", "drift", "refresh-secrets"}
    plan_uses = [s.get("uses", "") for s in jobs["plan"]["steps"]]
    assert any(u.startswith("actions/upload-artifact") for u in plan_uses)
    poster = next(
        s for s in jobs["plan"]["steps"] if s.get("uses", "").startswith("actions/github")
    )
    assert "updateComment" in poster["with"]["script"] and MARKER in poster["with"]["script"]
    assert jobs["plan"]["permissions"]["pull-requests"] == "write"
    assert any("--checksum" in s for s in steps(jobs["apply"]))
    assert any("--drift-exitcode" in s for s in steps(jobs["drift"]))


@pytest.mark.slow
def test_github_workflow_steps_run_against_the_sandbox(tmp_path: Path) -> None:
    flow = load("github-actions.yml")
    jobs = flow["jobs"]
    repo = Repo(tmp_path, flow["env"])

    assert drift_code(repo, jobs["drift"]) == "2"  # nothing applied yet: intent, not drift

    for script in steps(jobs["plan"]):
        done = repo.run(script)
        assert done.returncode == 0, done.stdout + done.stderr
    checksum = assert_comment(repo)
    assert MARKER in repo.summary.read_text()

    bad = repo.run(steps(jobs["apply"])[0], CHECKSUM="0" * 64)
    assert bad.returncode == 1 and "checksum" in bad.stderr  # not the reviewed plan: refused
    applied = repo.run(steps(jobs["apply"])[0], CHECKSUM=checksum)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "Apply complete" in applied.stdout

    assert drift_code(repo, jobs["drift"]) == "0"  # applied: neither drift nor intent


def drift_code(repo: Repo, job: dict[str, Any]) -> str:
    """Run the drift job's local steps as GitHub does (the plan step may fail: the next one
    reads its saved plan) and return the exit code it sorted out."""
    output = Path(repo.env["GITHUB_OUTPUT"])
    output.write_text("")
    plan_step, sort_step = steps(job)
    planned = repo.run(plan_step)
    assert planned.returncode in (0, 2, 4), planned.stdout + planned.stderr
    sorted_out = repo.run(sort_step)
    assert sorted_out.returncode == 0, sorted_out.stdout + sorted_out.stderr
    values = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert values["title"] == "omsform drift: acme"
    return values["code"]


def gitlab_script(job: dict[str, Any]) -> str:
    """A GitLab job's local script lines as one shell script (GitLab runs them in one shell)."""
    return "\n".join(line for line in job["script"] if local(line))


def test_gitlab_pipeline_has_the_three_jobs() -> None:
    pipeline = load("gitlab-ci.yml")
    assert {"plan", "apply", "drift"} <= set(pipeline)
    assert "merge_request_event" in str(pipeline["plan"]["rules"])
    assert "schedule" in str(pipeline["drift"]["rules"])
    assert "plan.json" in pipeline["plan"]["artifacts"]["paths"]
    assert "--checksum" in gitlab_script(pipeline["apply"])
    assert "--drift-exitcode" in gitlab_script(pipeline["drift"])
    notes = next(line for line in pipeline["plan"]["script"] if "CI_API_V4_URL" in line)
    assert '"PUT"' in notes and MARKER in notes  # one note, updated in place


@pytest.mark.slow
def test_gitlab_pipeline_scripts_run_against_the_sandbox(tmp_path: Path) -> None:
    pipeline = load("gitlab-ci.yml")
    repo = Repo(tmp_path, pipeline["variables"])

    planned = repo.run(gitlab_script(pipeline["plan"]))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    checksum = assert_comment(repo)
    (repo.path / "checksum.txt").write_text(checksum)  # what the note-reading step writes

    applied = repo.run(gitlab_script(pipeline["apply"]))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    drift = repo.run(gitlab_script(pipeline["drift"]))
    assert drift.returncode == 0, drift.stdout + drift.stderr
    assert "No changes." in repo.read("drift.md")


REF = re.compile(r"\$\{(env|secret)\.([A-Za-z_][A-Za-z0-9_]*)\}")


def test_github_workflow_env_lists_every_variable_the_demo_reads() -> None:
    """Each ``${env.X}`` of brands/demo is a repository variable, each ``${secret.X}`` a secret."""
    wanted = {
        name: "vars" if scope == "env" else "secrets"
        for path in DEMO.glob("*.yaml")
        for scope, name in REF.findall(path.read_text())
    }
    env = load("github-actions.yml")["env"]
    given = {k: v for k, v in env.items() if "${{" in str(v)}
    assert given == {name: f"${{{{ {where}.{name} }}}}" for name, where in wanted.items()}


@pytest.mark.parametrize(
    ("name", "where"), [("github-actions.yml", "env"), ("gitlab-ci.yml", "variables")]
)
def test_templates_install_omsform_from_git_at_a_pinned_rev(name: str, where: str) -> None:
    spec = load(name)[where]["OMSFORM"]
    assert spec.startswith("git+") and "@<tag or commit>" in spec and "==" not in spec
    text = (CI / name).read_text()
    assert "not on PyPI" in text  # the placeholder is explained where it is set


def test_ci_never_pushes_to_the_default_branch() -> None:
    """The ledger lands through a pull request from its own branch, and is kept as an artefact;
    merging that pull request applies nothing."""
    jobs = load("github-actions.yml")["jobs"]
    for name in ("apply", "refresh-secrets"):
        scripts = [s.get("run", "") for s in jobs[name]["steps"]]
        pushes = [line.strip() for s in scripts for line in s.splitlines() if "git push" in line]
        assert pushes == ['git push origin "$branch"'], pushes
        assert any('branch="omsform/ledger-' in s and "gh pr create" in s for s in scripts)
        uploads = [s for s in jobs[name]["steps"] if s.get("uses", "").startswith("actions/upload")]
        assert any("ledger.json" in s["with"]["path"] for s in uploads)
        assert jobs[name]["permissions"]["pull-requests"] == "write"
    fetch = next(s["run"] for s in jobs["apply"]["steps"] if "gh run download" in s.get("run", ""))
    assert "omsform/ledger-*" in fetch and "skip=true" in fetch
    gitlab = (CI / "gitlab-ci.yml").read_text()
    assert "git push" not in gitlab


@pytest.mark.slow
def test_github_refresh_secrets_job_records_every_secret_of_an_imported_brand(
    tmp_path: Path,
) -> None:
    flow = load("github-actions.yml")
    repo = Repo(tmp_path, flow["env"])
    applied = repo.run("omsform apply . --auto-approve --force")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    out = tmp_path / "imported"
    imported = repo.run(f"omsform import --config omsform.yaml --sandbox --out {out}")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    env = {
        n: f"ci-{n.lower()}" for n in re.findall(r"^  ([A-Z][A-Z0-9_]*)  ", imported.stdout, re.M)
    }
    plan = f"omsform plan {out} --detailed-exitcode"
    assert "no recorded fingerprint" in repo.run(plan, **env).stdout  # nothing sent yet

    job = flow["jobs"]["refresh-secrets"]
    exclude = (flow.get("on") or flow[True])["workflow_dispatch"]["inputs"]["exclude"]["default"]
    for script in steps(job):
        done = repo.run(script, BRAND=str(out), EXCLUDE=exclude, **env)
        assert done.returncode == 0, done.stdout + done.stderr
    assert (out / ".omsform" / "ledger.json").is_file()
    after = repo.run(plan, **env)
    assert after.returncode == 0 and "No changes." in after.stdout, after.stdout + after.stderr
    unverified = [line for line in after.stdout.splitlines() if "no recorded fingerprint" in line]
    assert all(line.strip().startswith("ginesys_oms_app.") for line in unverified), unverified


def test_pre_commit_hooks_run_validate_and_fmt_check() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    entries = {hook["id"]: hook["entry"] for hook in hooks}
    assert entries == {
        "omsform-validate": "omsform validate",
        "omsform-fmt-check": "omsform fmt --check",
    }
    for hook in hooks:
        assert hook["language"] == "python"


# --- linters, exec, and the drift issue ---------------------------------------------------------
BIN = Path(sys.executable).parent


def test_github_workflow_passes_actionlint() -> None:
    """actionlint ships inside a dev dependency's wheel: the check runs offline."""
    done = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", str(CI / "github-actions.yml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_gitlab_pipeline_passes_the_gitlab_ci_schema() -> None:
    """check-jsonschema's vendored GitLab CI schema (offline, in the package)."""
    done = subprocess.run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.gitlab-ci",
            str(CI / "gitlab-ci.yml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_drift_jobs_never_apply_and_omsform_runs_under_exec() -> None:
    jobs = load("github-actions.yml")["jobs"]
    drift = [s.get("run", "") for s in jobs["drift"]["steps"]]
    assert not any("omsform apply" in s for s in drift)
    assert jobs["drift"]["permissions"] == {"contents": "read", "issues": "write"}
    plan_step = next(s for s in jobs["drift"]["steps"] if s.get("id") == "plan")
    assert plan_step["run"].startswith("exec omsform plan") and plan_step["continue-on-error"]
    applies = [s["run"] for s in jobs["apply"]["steps"] if "omsform apply" in s.get("run", "")]
    assert applies and all(run.startswith("exec omsform apply") for run in applies)

    pipeline = load("gitlab-ci.yml")
    assert not any("omsform apply" in line for line in pipeline["drift"]["script"])
    assert pipeline["drift"]["script"][0].startswith("(exec omsform plan")
    for name in ("apply", "refresh-secrets"):
        assert pipeline[name]["script"][-1].startswith("exec omsform apply")


FAKE_GH = """#!/bin/sh
# gh as the drift step calls it: records each call; `issue list` answers from $GH_ISSUES
echo "$*" >> "$GH_CALLS"
case "$1 $2" in
  "issue list") cat "$GH_ISSUES" ;;
esac
"""


@pytest.mark.parametrize(
    ("code", "open_issue", "expected", "exit_code"),
    [
        ("4", "", "issue create --title omsform drift: acme --body-file issue.md", 4),
        ("4", "17", "issue edit 17 --body-file issue.md", 4),
        ("0", "17", "issue close 17 --comment No drift in run 99: closing.", 0),
        ("2", "17", "issue close 17 --comment No drift in run 99: closing.", 0),
        ("0", "", None, 0),
    ],
)
def test_github_drift_step_opens_updates_or_closes_one_issue(
    tmp_path: Path, code: str, open_issue: str, expected: str | None, exit_code: int
) -> None:
    """The issue step against a fake ``gh``: one issue per brand title, opened or updated on
    drift (exit 4, the job goes red), closed when the drift is gone."""
    job = load("github-actions.yml")["jobs"]["drift"]
    script = next(s["run"] for s in job["steps"] if "gh issue" in s.get("run", ""))
    gh = tmp_path / "bin" / "gh"
    gh.parent.mkdir()
    gh.write_text(FAKE_GH)
    gh.chmod(0o755)
    (tmp_path / "issues").write_text(f"{open_issue}\n" if open_issue else "")
    (tmp_path / "drift.md").write_text("### Changed outside omsform\n")
    calls = tmp_path / "calls"
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=tmp_path,
        env={
            **os.environ,
            "PATH": f"{gh.parent}{os.pathsep}{os.environ['PATH']}",
            "GH_CALLS": str(calls),
            "GH_ISSUES": str(tmp_path / "issues"),
            "CODE": code,
            "TITLE": "omsform drift: acme",
            "GITHUB_RUN_ID": "99",
            "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_REPOSITORY": "acme/brand",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == exit_code, done.stdout + done.stderr
    made = calls.read_text().splitlines()
    assert made[0].startswith("issue list --state open")
    assert made[1:] == ([expected] if expected else [])
    if code == "4":
        body = (tmp_path / "issue.md").read_text()
        assert "### Changed outside omsform" in body and "omsform pull" in body
