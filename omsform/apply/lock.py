"""The brand lock: one writer per brand directory on this machine.

``apply`` and ``plan -o`` hold ``BRAND/.omsform/lock`` while they read and write, so two runs
started at once cannot both create the same objects. The lock is an exclusive ``flock`` on the
file (the kernel drops it when its process dies, even under ``kill -9``); the file's content —
pid, host, start time and command, as JSON — only says who holds it, for the refusal message.

- Held by another live run: refuse at once (:class:`LockHeldError`, exit 1) naming the holder,
  or with ``timeout`` wait for it, polling with an injectable clock and sleep.
- Left behind by a run that died on this host (its flock is gone): taken over, with a message
  naming the dead holder.
- Content written on another host while no flock is held (a shared or copied directory): that
  host's process cannot be checked from here, so it is refused like a held lock; the message
  says to delete the file once no run is going on there.

The lock is local to one machine: CI serialises applies across machines with one concurrency
group per brand (see the README).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from omsform.errors import OmsformError

LOCK_FILE = "lock"
_POLL_SECONDS = 0.5
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


class LockHeldError(OmsformError):
    """Another run holds the brand lock (message names it and what to do)."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) a lock: what its file says."""

    pid: int
    host: str
    started: str
    command: str

    def describe(self) -> str:
        """``pid 123 on host ci-7 since 2026-01-02T03:04:05Z (omsform apply …)``."""
        return f"pid {self.pid} on host {self.host} since {self.started} ({self.command})"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        """The holder a lock file names; ``None`` when it is empty or not ours."""
        try:
            doc = json.loads(text)
            return cls(int(doc["pid"]), str(doc["host"]), str(doc["started"]), str(doc["command"]))
        except (ValueError, KeyError, TypeError):
            return None


def parse_duration(text: str) -> float:
    """Seconds in ``30s``, ``2m``, ``1h``, ``500ms`` or a plain number of seconds."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"'{text}' is not a duration: write e.g. 30s, 2m, 1h or 0")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


class BrandLock:
    """The lock of one brand's ``.omsform`` directory. Use as ``with``; see the module doc.

    ``timeout`` is how long to wait for a held lock (0: refuse at once); ``clock`` and
    ``sleep`` are injectable for tests; ``on_message`` receives what a user should read
    (waiting, a stale lock taken over)."""

    def __init__(
        self,
        state_dir: Path,
        command: str,
        *,
        timeout: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_message: Callable[[str], None] | None = None,
    ) -> None:
        self.path = state_dir / LOCK_FILE
        self.command = command
        self.timeout = timeout
        self.clock, self.sleep = clock, sleep
        self.on_message = on_message or (lambda _message: None)
        self._fd: int | None = None

    def __enter__(self) -> BrandLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()

    @property
    def held(self) -> bool:
        """Whether this object holds the lock now."""
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, waiting up to ``timeout``; :class:`LockHeldError` when it stays held."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = self.clock() + self.timeout
        announced = False
        while True:
            holder = self._try_take()
            if holder is None:
                return
            left = deadline - self.clock()
            if left <= 0:
                raise LockHeldError(self._refusal(holder))
            if not announced:
                self.on_message(f"Waiting up to {self.timeout:g}s for the brand lock: {holder}")
                announced = True
            self.sleep(min(_POLL_SECONDS, left))

    def release(self) -> None:
        """Give the lock back (remove the file, then drop the flock); safe to call twice."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if _same_file(fd, self.path):
                self.path.unlink()
        except OSError:
            pass  # the flock below is what counts; a leftover file reads as stale
        finally:
            os.close(fd)

    # --- one attempt ---------------------------------------------------------------------------
    def _try_take(self) -> str | None:
        """Take the lock now: ``None`` when taken, else a description of who holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder_of(fd)
            os.close(fd)
            return holder.describe() if holder else "another omsform run (starting up)"
        if not _same_file(fd, self.path):  # released and removed while we opened it: retry
            os.close(fd)
            return self._try_take()
        left_behind = Holder.parse(_read(fd))
        if left_behind is not None and left_behind.host != socket.gethostname():
            os.close(fd)
            return f"{left_behind.describe()}, written on another host (cannot be checked here)"
        self._write_mine(fd)
        self._fd = fd
        if left_behind is not None:
            gone = "no longer runs" if not pid_alive(left_behind.pid) else "no longer holds it"
            self.on_message(
                f"Took over a stale brand lock ({self.path}): {left_behind.describe()} "
                f"{gone}; a killed run's uncertain operations are resolved by this run."
            )
        return None

    def _write_mine(self, fd: int) -> None:
        mine = Holder(
            pid=os.getpid(),
            host=socket.gethostname(),
            started=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            command=self.command,
        )
        data = json.dumps(asdict(mine), sort_keys=True).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)

    def _refusal(self, holder: str) -> str:
        waited = f" (waited {self.timeout:g}s)" if self.timeout else ""
        return (
            f"the brand is locked by another omsform run{waited}: {holder}. Two runs at once "
            f"would both write. Wait for it to finish (or pass --lock-timeout, e.g. 5m); if no "
            f"run is going on, delete {self.path}"
        )


def _read(fd: int) -> str:
    try:
        return os.pread(fd, 4096, 0).decode("utf-8", "replace")
    except OSError:
        return ""


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (not removed or replaced)."""
    try:
        on_disk, held = os.stat(path), os.fstat(fd)
    except OSError:
        return False
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)


def command_line() -> str:
    """This process's command as a user would recognise it (``omsform apply plan.json``)."""
    args = [os.path.basename(sys.argv[0]) if sys.argv else "omsform", *sys.argv[1:]]
    if args[0] in ("__main__.py", "-c"):
        args[0] = "omsform"
    return " ".join(args)[:200]


def _holder_of(fd: int, tries: int = 25, pause_s: float = 0.02) -> Holder | None:
    """Who holds the lock on ``fd``: the holder writes its details just after taking the
    flock, so an empty or half-written file is read again for up to half a second."""
    for _ in range(tries):
        holder = Holder.parse(_read(fd))
        if holder is not None:
            return holder
        time.sleep(pause_s)
    return None
