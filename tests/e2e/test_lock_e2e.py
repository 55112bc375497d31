"""The brand lock through the installed console script against the served sandbox: two applies
started at once → one refused naming the other, no duplicate; the lock is given back after a
failing apply and after SIGTERM; a lock left by a dead run is taken over; ``plan -o`` takes it.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.e2e.conftest import OMSFORM, Cli, Server

pytestmark = pytest.mark.slow

# keys of the kinds the demo creates: a duplicate is two live objects with one of these
KEYS = {
    "oms_hooks": ("event_type", "target_url"),
    "stock_locations": ("erp_code",),
    "scenarios": ("name",),
    "transitions": ("slug",),
}


def duplicates(server: Server) -> dict[str, list[tuple[str, ...]]]:
    """Natural keys held by more than one live object, by sandbox collection."""
    found = {}
    for collection, fields in KEYS.items():
        rows = server.http.get(f"/_sandbox/objects/{collection}").json()
        counts = Counter(tuple(str(row.get(f)) for f in fields) for row in rows)
        found[collection] = [key for key, n in counts.items() if n > 1]
    return {k: v for k, v in found.items() if v}


def start(cli: Cli, *args: str) -> subprocess.Popen[str]:
    """``omsform ARGS`` in the background, unbuffered, in the brand's parent directory."""
    return subprocess.Popen(
        [str(OMSFORM), *args],
        env={**cli.env, "PYTHONUNBUFFERED": "1"},
        cwd=cli.brand.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(child: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = child.communicate(timeout=300)
    assert "Traceback" not in out + err, out + err
    return child.returncode, out, err


def lock_file(cli: Cli) -> Path:
    return cli.brand / ".omsform" / "lock"


def test_two_applies_at_once_one_is_refused_naming_the_other_and_nothing_is_duplicated(
    cli: Cli, server: Server
) -> None:
    server.knobs(latency_ms=40)  # an apply lasts seconds: the two surely overlap
    first = start(cli, "apply", "demo", "--auto-approve")
    second = start(cli, "apply", "demo", "--auto-approve")
    results = {child.pid: finish(child) for child in (first, second)}
    codes = sorted(code for code, _, _ in results.values())
    assert codes == [0, 1], results
    (winner,) = [pid for pid, (code, _, _) in results.items() if code == 0]
    (refused,) = [err for code, _, err in results.values() if code == 1]
    holder = f"pid {winner} on host {socket.gethostname()} since "
    assert "locked by another omsform run" in refused and holder in refused, refused
    assert "omsform apply demo --auto-approve" in refused
    server.knobs(latency_ms=0)
    assert duplicates(server) == {}
    assert cli("plan", "demo", "--detailed-exitcode").code == 0
    assert not lock_file(cli).exists()


def test_the_lock_is_given_back_after_a_failing_apply(cli: Cli, server: Server) -> None:
    server.knobs(fail_rate=1.0, faults=["503"], fault_path="/whisperer/hooks/")
    failed = cli("apply", "demo", "--auto-approve")
    assert failed.code == 1, failed
    assert not lock_file(cli).exists()
    server.knobs(fail_rate=0.0, fault_path="")
    again = cli("apply", "demo", "--auto-approve")
    assert again.code == 0, again
    assert "locked" not in again.stderr and "stale" not in again.stderr


def test_sigterm_during_apply_leaves_through_the_normal_exit_and_gives_the_lock_back(
    cli: Cli, server: Server
) -> None:
    server.knobs(latency_ms=40)
    child = start(cli, "apply", "demo", "--auto-approve")
    assert child.stdout is not None
    for line in child.stdout:  # the first finished change: apply is writing under the lock
        if line.lstrip().startswith("applied "):
            break
    assert lock_file(cli).exists()
    child.send_signal(signal.SIGTERM)
    code, _, err = finish(child)
    assert code == 1 and "Terminated (SIGTERM)" in err, err
    assert not lock_file(cli).exists()
    server.knobs(latency_ms=0)
    again = cli("apply", "demo", "--auto-approve")
    assert again.code == 0, again
    assert "locked" not in again.stderr
    assert duplicates(server) == {}
    assert cli("plan", "demo", "--detailed-exitcode").code == 0


def test_a_lock_left_by_a_killed_run_is_taken_over_with_a_message(cli: Cli) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()
    lock_file(cli).parent.mkdir(exist_ok=True)
    left = {"pid": gone.pid, "host": socket.gethostname(), "started": "2026-01-01T00:00:00Z"}
    lock_file(cli).write_text(json.dumps({**left, "command": "omsform apply demo"}))
    result = cli("apply", "demo", "--auto-approve")
    assert result.code == 0, result
    assert "Took over a stale brand lock" in result.stderr
    assert f"pid {gone.pid} on host {socket.gethostname()}" in result.stderr
    assert not lock_file(cli).exists()


def test_plan_to_a_file_takes_the_lock_and_a_plain_plan_does_not(cli: Cli) -> None:
    lock_file(cli).parent.mkdir(exist_ok=True)
    holder = start(cli, "apply", "demo", "--auto-approve", "--lock-timeout", "nonsense")
    assert finish(holder)[0] == 1  # a bad duration is a usage error (exit 1), nothing is locked
    from omsform.apply.lock import BrandLock

    with BrandLock(lock_file(cli).parent, "omsform apply demo"):
        saved = cli("plan", "demo", "-o", "plan.json")
        assert saved.code == 1 and "locked by another omsform run" in saved.stderr, saved
        assert not (cli.brand.parent / "plan.json").exists()
        assert cli("plan", "demo").code == 0
