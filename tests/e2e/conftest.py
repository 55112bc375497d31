"""End-to-end fixtures: the installed ``omsform`` console script, run as a child process against
the real sandbox server (uvicorn, another child process) on a free loopback port.

Each test gets a fresh sandbox database and a copy of ``brands/demo`` in ``tmp_path``. The
environment the demo needs is discovered from its files at run time (others keep adding kinds
and providers to it): every ``${env.NAME}`` of ``omsform.yaml`` is a provider URL and points at
the server, every ``${secret.NAME}`` there is a credential and gets the server's token, and every
other ``${secret.NAME}`` of the brand gets a value the test chooses.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from secrets import token_hex
from typing import Any

import httpx
import pytest

from omsform.sandbox import new_token
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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """A fresh ``demo``-seeded sandbox server with a random token."""
    with served(tmp_path / "server.sqlite", token=new_token()) as running:
        yield running


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
    """Runs the installed console script for one brand against one server.

    ``env`` is the complete environment of the child (see :func:`demo_env`); every run is
    checked for a Python traceback, which must never reach a user (unless
    ``forbid_tracebacks`` is off, for a test that checks something else in every output).
    """

    brand: Path
    env: dict[str, str]
    runs: list[Result] = field(default_factory=list)
    forbid_tracebacks: bool = True

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
        done = subprocess.run(
            [str(OMSFORM), *args],
            env=child,
            cwd=cwd or self.brand.parent,
            capture_output=True,
            text=True,
            timeout=300,
        )
        result = Result(tuple(args), done.returncode, done.stdout, done.stderr)
        self.runs.append(result)
        assert not self.forbid_tracebacks or "Traceback" not in result.output, str(result)
        return result


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
