"""End-to-end fixtures: the ``omsform`` CLI against the real sandbox server (uvicorn, a child
process running the installed ``omsform sandbox serve``) on a free loopback port.

One server runs per test process (per xdist worker) for the whole session; before each test
that uses it, ``POST /_sandbox/reset`` re-seeds it, the knobs go back to their defaults and the
request counts to zero, so every test still starts from a fresh ``demo`` sandbox. Each test gets
a copy of ``brands/demo`` in ``tmp_path``. The environment the demo needs is discovered from its
files at run time (others keep adding kinds and providers to it): every ``${env.NAME}`` of
``omsform.yaml`` is a provider URL and points at the server, every ``${secret.NAME}`` there is a
credential and gets the server's token, and every other ``${secret.NAME}`` of the brand gets a
value the test chooses.

:class:`Cli` runs the CLI in process (click's ``CliRunner``, with exactly the child's
environment and working directory) unless a test is about the installed console script
(``console_script=True``) or needs a fresh interpreter (a ``PYTHONHASHSEED``): then it runs
``omsform`` as a child process. The tests that prove the console script works end to end keep
the child process; the others save an interpreter start per command.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from secrets import token_hex
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from omsform.cli import main as cli_module
from omsform.sandbox import new_token
from omsform.sandbox.knobs import Knobs
from tests.served import child_server

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "brands" / "demo"
OMSFORM = Path(sys.executable).with_name("omsform")
CONFIG_FILE = "omsform.yaml"
SECRET_REF = re.compile(r"\$\{secret\.([A-Za-z_][A-Za-z0-9_]*)\}")
ENV_REF = re.compile(r"\$\{env\.([A-Za-z_][A-Za-z0-9_]*)\}")
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Server:
    """A running sandbox server: its URL, the token it accepts, and its admin endpoints."""

    base: str
    token: str
    http: httpx.Client

    def stats(self) -> dict[str, Any]:
        """Requests by method and path since the last reset (``/_sandbox/`` not counted)."""
        result: dict[str, Any] = self.http.get("/_sandbox/stats").json()
        return result

    def reset_stats(self) -> None:
        """Zero the request counts."""
        self.http.post("/_sandbox/stats/reset").raise_for_status()

    def writes(self) -> dict[str, int]:
        """Write requests (POST/PUT/PATCH/DELETE) by ``"METHOD path"`` since the last reset."""
        by_path: dict[str, int] = self.stats()["by_path"]
        return {k: n for k, n in by_path.items() if k.split(" ", 1)[0] in WRITE_METHODS}

    def knobs(self, **values: Any) -> None:
        """Set sandbox knobs (faults, latency, step duration)."""
        self.http.post("/_sandbox/knobs", json=values).raise_for_status()

    def reset(self, seed: str = "demo") -> None:
        """Back to a freshly seeded sandbox: data re-seeded, default knobs (setup steps finish
        at once), request counts zeroed."""
        self.http.post("/_sandbox/reset", json={"seed": seed}).raise_for_status()
        self.knobs(**FRESH_KNOBS)


FRESH_KNOBS = {**Knobs().as_dict(), "step_seconds": 0}
"""The knobs of a server :func:`served` just started (setup steps finish at once)."""


@contextmanager
def served(db: Path, *, token: str, seed: str = "demo") -> Iterator[Server]:
    """``omsform sandbox serve`` in a child process on a free port; stopped on exit.

    Setup steps finish at once (``--step-seconds 0``): the tests count calls, not wait.
    """

    def command(port: int) -> list[str]:
        args = [str(OMSFORM), "sandbox", "serve", "--port", str(port), "--db", str(db)]
        return [*args, "--token", token, "--seed", seed, "--step-seconds", "0"]

    auth = {"Authorization": f"Token {token}"}
    # a large seed takes a few seconds to write
    with (
        child_server(command, start_seconds=30) as child,
        httpx.Client(base_url=child.base_url, headers=auth, timeout=30) as http,
    ):
        yield Server(base=child.base_url, token=token, http=http)


@pytest.fixture(scope="session")
def session_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The one served sandbox of this test process, with a random token."""
    db = tmp_path_factory.mktemp("served") / "server.sqlite"
    with served(db, token=new_token()) as running:
        yield running


@pytest.fixture
def server(session_server: Server) -> Server:
    """The served sandbox, reset to a fresh ``demo`` seed for this test."""
    session_server.reset()
    return session_server


def copy_demo(dest: Path) -> Path:
    """A copy of ``brands/demo`` (without its ``.omsform`` directory) at ``dest``."""
    shutil.copytree(DEMO, dest, ignore=shutil.ignore_patterns(".omsform"))
    return dest


def brand_text(brand: Path) -> str:
    """Every YAML file of ``brand``, concatenated (for discovering references)."""
    return "\n".join(p.read_text() for p in sorted(brand.glob("*.yaml")))


def credential_names(brand: Path) -> set[str]:
    """Secrets the provider blocks use (tokens, admin keys)."""
    return set(SECRET_REF.findall((brand / CONFIG_FILE).read_text()))


def secret_names(brand: Path) -> set[str]:
    """Every ``${secret.NAME}`` the brand uses, credentials included."""
    return set(SECRET_REF.findall(brand_text(brand)))


def resource_secret_names(brand: Path) -> set[str]:
    """The secrets resources use (passwords, API keys in settings), not the provider tokens."""
    return secret_names(brand) - credential_names(brand)


def url_env_names(brand: Path) -> set[str]:
    """The ``${env.NAME}`` of the provider blocks (their URLs)."""
    names = set(ENV_REF.findall((brand / CONFIG_FILE).read_text()))
    odd = sorted(n for n in names if not n.endswith("_URL"))
    assert not odd, f"the e2e tests only know how to fill URL variables, not {odd}"
    return names


def default_secrets(brand: Path) -> dict[str, str]:
    """A distinct, recognisable value for every resource secret of ``brand``."""
    return {name: f"e2e-{name.lower()}-{token_hex(6)}" for name in resource_secret_names(brand)}


@dataclass
class Result:
    """One finished ``omsform`` run."""

    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        """stdout and stderr together."""
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"omsform {' '.join(self.args)} → {self.code}\n{self.stdout}\n{self.stderr}"


@dataclass
class Cli:
    """Runs the CLI for one brand against one server.

    ``env`` is the complete environment of the run (see :func:`demo_env`); every run is
    checked for a Python traceback, which must never reach a user (unless
    ``forbid_tracebacks`` is off, for a test that checks something else in every output).
    With ``console_script`` (or a ``PYTHONHASHSEED`` in ``env``) each run is the installed
    console script in a child process; otherwise the CLI runs in this process.
    """

    brand: Path
    env: dict[str, str]
    runs: list[Result] = field(default_factory=list)
    forbid_tracebacks: bool = True
    console_script: bool = False

    def __call__(
        self, *args: str, env: Mapping[str, str | None] | None = None, cwd: Path | None = None
    ) -> Result:
        """``omsform ARGS`` with ``env`` overriding (``None`` removes a variable)."""
        child = dict(self.env)
        for name, value in (env or {}).items():
            if value is None:
                child.pop(name, None)
            else:
                child[name] = value
        where = cwd or self.brand.parent
        if self.console_script or "PYTHONHASHSEED" in child:
            result = run_console_script(args, child, where)
        else:
            result = run_in_process(args, child, where)
        self.runs.append(result)
        assert not self.forbid_tracebacks or "Traceback" not in result.output, str(result)
        return result


def run_console_script(args: tuple[str, ...], env: dict[str, str], cwd: Path) -> Result:
    """``omsform ARGS`` as a child process: the installed console script, a fresh interpreter."""
    done = subprocess.run(
        [str(OMSFORM), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    return Result(tuple(args), done.returncode, done.stdout, done.stderr)


def run_in_process(args: tuple[str, ...], env: dict[str, str], cwd: Path) -> Result:
    """``omsform ARGS`` through click's ``CliRunner`` in this process, with ``env`` as the whole
    environment and ``cwd`` as the working directory for the run (both restored after).

    An exception that escapes the CLI is put into stderr as the traceback Python would print,
    so the traceback check sees it as it would a child's.
    """
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    cli_module.OUT.secrets = frozenset()  # what the last run redacted is no concern of this one
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd)
        done = CliRunner().invoke(cli_module.main, list(args), prog_name="omsform")
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    stderr = done.stderr
    if done.exc_info is not None and not isinstance(done.exc_info[1], SystemExit):
        stderr += "".join(traceback.format_exception(*done.exc_info))
    return Result(tuple(args), done.exit_code, done.stdout, stderr)


def demo_env(brand: Path, server: Server, secrets: Mapping[str, str]) -> dict[str, str]:
    """The environment for running ``brand`` against ``server``: no inherited ``DEMO_*``
    values, provider URLs and credentials pointing at the server, ``secrets`` for the rest,
    plain output."""
    env = {k: v for k, v in _base_env().items() if not k.startswith("DEMO_")}
    env.update({name: server.base for name in url_env_names(brand)})
    env.update({name: server.token for name in credential_names(brand)})
    env.update(secrets)
    missing = sorted(resource_secret_names(brand) - set(secrets))
    assert not missing, f"no test value for the demo's secrets {missing}"
    return env


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env.pop("PYTHONHASHSEED", None)
    return env


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A fresh copy of the demo brand."""
    return copy_demo(tmp_path / "demo")


@pytest.fixture
def cli(demo: Path, server: Server) -> Cli:
    """The console script for the demo copy against the served sandbox."""
    return Cli(demo, demo_env(demo, server, default_secrets(demo)))
