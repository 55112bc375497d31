"""The brand lock (``omsform.apply.lock``): one holder at a time, across processes; the holder
named in
a refusal; a lock left by a dead run taken over; waiting with an injected clock."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from omsform.apply.lock import BrandLock, LockHeldError, parse_duration

HOLD = """
import sys
from pathlib import Path
from omsform.apply.lock import BrandLock
with BrandLock(Path(sys.argv[1]), "omsform apply brands/acme"):
    print("held", flush=True)
    sys.stdin.readline()
"""


@contextmanager
def held_by_another_process(state_dir: Path) -> Iterator[subprocess.Popen[str]]:
    """A real other process holding the lock until the block ends."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "held\n"
        yield child
    finally:
        for pipe in (child.stdin, child.stdout):
            if pipe:
                pipe.close()
        child.wait(timeout=30)


def dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    with BrandLock(tmp_path, "omsform apply first"), pytest.raises(LockHeldError) as refused:
        BrandLock(tmp_path, "omsform apply second").acquire()
    message = str(refused.value)
    assert f"pid {os.getpid()} on host {socket.gethostname()} since " in message
    assert "(omsform apply first)" in message and "--lock-timeout" in message


def test_a_lock_held_by_another_process_is_refused_with_its_pid(tmp_path: Path) -> None:
    with held_by_another_process(tmp_path) as holder, pytest.raises(LockHeldError) as refused:
        BrandLock(tmp_path, "omsform apply").acquire()
    assert f"pid {holder.pid} " in str(refused.value)
    assert "omsform apply brands/acme" in str(refused.value)
    with BrandLock(tmp_path, "omsform apply"):  # released when the holder finished
        pass


def test_the_lock_file_names_the_holder_and_is_removed_on_release(tmp_path: Path) -> None:
    lock = BrandLock(tmp_path, "omsform plan -o plan.json")
    with lock:
        content = json.loads((tmp_path / "lock").read_text())
        assert content["pid"] == os.getpid() and content["host"] == socket.gethostname()
        assert content["command"] == "omsform plan -o plan.json" and content["started"]
    assert not (tmp_path / "lock").exists() and not lock.held


def test_the_lock_is_released_when_the_block_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), BrandLock(tmp_path, "omsform apply"):
        raise RuntimeError("a failing apply")
    with BrandLock(tmp_path, "omsform apply"):
        pass


def test_a_lock_left_by_a_dead_run_on_this_host_is_taken_over_with_a_message(
    tmp_path: Path,
) -> None:
    pid = dead_pid()
    left = {"pid": pid, "host": socket.gethostname(), "started": "2026-01-01T00:00:00Z"}
    (tmp_path / "lock").write_text(json.dumps({**left, "command": "omsform apply"}))
    messages: list[str] = []
    with BrandLock(tmp_path, "omsform apply", on_message=messages.append) as lock:
        assert lock.held
        assert json.loads((tmp_path / "lock").read_text())["pid"] == os.getpid()
    (message,) = messages
    assert "Took over a stale brand lock" in message
    assert f"pid {pid} on host {socket.gethostname()} since 2026-01-01T00:00:00Z" in message


def test_a_lock_written_on_another_host_is_not_taken_over(tmp_path: Path) -> None:
    other = {"pid": 1, "host": "ci-runner-7", "started": "2026-01-01T00:00:00Z"}
    (tmp_path / "lock").write_text(json.dumps({**other, "command": "omsform apply"}))
    with pytest.raises(LockHeldError, match=r"host ci-runner-7 .*another host"):
        BrandLock(tmp_path, "omsform apply").acquire()


class FakeTime:
    """A clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_lock_timeout_waits_until_the_holder_releases(tmp_path: Path) -> None:
    first = BrandLock(tmp_path, "omsform apply first")
    first.acquire()
    time = FakeTime()

    def sleep(seconds: float) -> None:
        time.sleep(seconds)
        if time.now >= 3:
            first.release()

    messages: list[str] = []
    second = BrandLock(
        tmp_path, "second", timeout=30, clock=time.clock, sleep=sleep, on_message=messages.append
    )
    with second:
        assert second.held
    assert 3 <= time.now < 30
    assert len(messages) == 1 and "Waiting up to 30s" in messages[0]


def test_lock_timeout_gives_up_after_the_duration(tmp_path: Path) -> None:
    time = FakeTime()
    with BrandLock(tmp_path, "omsform apply first"):
        waiting = BrandLock(tmp_path, "second", timeout=5, clock=time.clock, sleep=time.sleep)
        with pytest.raises(LockHeldError, match=r"waited 5s"):
            waiting.acquire()
    assert time.now == pytest.approx(5) and all(s > 0 for s in time.sleeps)


@pytest.mark.parametrize(
    ("text", "seconds"), [("0", 0), ("30s", 30), ("2m", 120), ("1h", 3600), ("500ms", 0.5)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "soon", "-1s", "3d"])
def test_bad_durations_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(bad)
