"""An append-only file whose appends are made durable together (group commit).

Each :meth:`DurableLog.append` is one ``write()`` on a descriptor opened once with
``O_APPEND``: the line is in the kernel at once, so it survives a ``kill -9`` of this process,
and lines of concurrent writers never interleave. Forcing lines to disk (``fsync``, which also
survives a machine crash) is the expensive part — milliseconds each — so it is shared: a caller
that needs its line on disk waits for an ``fsync`` that started *after* its line was written,
and one ``fsync`` covers every line written before it. With 8 or 32 writes in flight, a level
of 1,000 creates then costs tens of ``fsync``\\ s instead of 1,000, and no line is ever
reported durable before it is.

:meth:`DurableLog.sync` is for callers in worker threads (they share an ``fsync`` the same way);
:meth:`DurableLog.sync_async` is for the event loop: a long-lived thread of the log's own runs one
``fsync`` at a time for the callers waiting when it began, and the lines written meanwhile go
with the next one, which starts no sooner than a few ms after the last began (a group window:
fewer, larger groups; see ``_GROUP_WINDOW_S``). The thread is handed waiters through a plain
list under a condition and answers each group with one ``call_soon_threadsafe``, not a fresh
executor job per ``fsync`` (that hand-off cost more CPU than the ``fsync`` on a fast disk); it
stops after a second idle or when the log is closed, and the next waiter starts it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omsform.paths import fast_encode

_IDLE_S = 1.0  # the sync thread stops after this long without a waiter
# fsyncs start at least this far apart (the first after a pause at once). Lines keep arriving
# while one runs, and grouping them over a few ms rather than back to back halves the fsyncs of
# an apply of 1,000 creates at 20 ms latency (P6: ~1,400 → ~550, 0.2 ms less CPU per create)
# with its wall time unchanged: the journal's waits overlap other changes' requests
_GROUP_WINDOW_S = 0.004

_Waiter = tuple[int, asyncio.AbstractEventLoop, "asyncio.Future[None]"]

# json.dumps(record, sort_keys=True), its C encoder made once: each write appends two or three
_dumps = fast_encode(json.JSONEncoder(sort_keys=True))


def json_line(record: Mapping[str, Any]) -> str:
    """``json.dumps(record, sort_keys=True)`` and a line break: one record of a log."""
    return _dumps(record) + "\n"


class DurableLog:
    """Appends to the file at ``path`` (created with its directory, mode ``mode``, on the first
    append); ``torn``: the file ends inside a line (a killed run), so the next line starts on a
    fresh one."""

    def __init__(self, path: Path, *, mode: int = 0o644, torn: bool = False) -> None:
        self.path, self.mode, self.torn = path, mode, torn
        self.fsyncs = 0  # how many fsyncs ran (tests and the debug log)
        self._fd: int | None = None
        self._written = 0  # lines written so far
        self.appended = 0  # bytes written so far
        self._synced = 0  # lines known to be on disk
        self._lock = threading.Lock()  # writes and the descriptor
        self._sync_lock = threading.Lock()  # one fsync at a time
        self._waiting = threading.Condition(threading.Lock())  # guards the three below
        self._waiters: list[_Waiter] = []  # event-loop callers the next fsync answers
        self._syncer: threading.Thread | None = None
        self._closing = False
        # the loop a wake-up of the sync thread is scheduled on (per loop: one that closed with
        # it pending must not hold up another)
        self._kick_due: asyncio.AbstractEventLoop | None = None

    def append(self, line: str) -> int:
        """Write ``line`` (one ``write()``); returns its number, for :meth:`sync`."""
        data = line.encode("utf-8")
        with self._lock:
            if self.torn:
                data, self.torn = b"\n" + data, False
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, self.mode)
            os.write(self._fd, data)
            self._written += 1
            self.appended += len(data)
            return self._written

    def sync(self, upto: int) -> None:
        """Block until line ``upto`` (and every line before it) is on disk."""
        if self._synced >= upto:
            return
        with self._sync_lock:
            if self._synced >= upto:
                return  # an fsync that started after our write covered it
            with self._lock:
                fd, target = self._fd, self._written
            if fd is not None:
                os.fsync(fd)
                self.fsyncs += 1
            self._synced = max(self._synced, target)

    async def sync_async(self, upto: int) -> None:
        """Wait until line ``upto`` is on disk, sharing one ``fsync`` (in the log's sync thread)
        with every other line written before it started."""
        if self._synced >= upto:
            return
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        with self._waiting:
            self._waiters.append((upto, loop, done))
        if self._kick_due is not loop:
            # wake the thread once the callers ready in this turn of the loop have written too,
            # so they share its fsync instead of each starting one
            self._kick_due = loop
            loop.call_soon(self._kick)
        await done

    def _kick(self) -> None:
        """Wake the sync thread (starting it if it stopped) for the waiters queued so far."""
        self._kick_due = None
        with self._waiting:
            if self._syncer is None:
                self._closing = False
                self._syncer = threading.Thread(
                    target=self._serve, name=f"fsync {self.path.name}", daemon=True
                )
                self._syncer.start()
            self._waiting.notify()

    def _serve(self) -> None:
        """The sync thread: each round takes the waiters so far, runs one fsync begun after all
        their lines were written, and answers them on their loops."""
        began = 0.0  # when the last fsync began
        while True:
            # one group per window at most: lines written meanwhile share the next fsync
            # (each costs ~60 µs of CPU and two thread switches on the client's core)
            time.sleep(max(0.0, began + _GROUP_WINDOW_S - time.monotonic()))
            batch = self._next_batch()
            if not batch:
                return
            began = time.monotonic()
            error: BaseException | None = None
            try:
                self.sync(max(upto for upto, _, _ in batch))
            except BaseException as exc:  # every waiter of this fsync hears of its failure
                error = exc
            by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
            for _, loop, done in batch:
                by_loop.setdefault(loop, []).append(done)
            for loop, futures in by_loop.items():
                with contextlib.suppress(RuntimeError):  # that loop closed: nobody to tell
                    loop.call_soon_threadsafe(_settle, futures, error)

    def _next_batch(self) -> list[_Waiter]:
        """The waiters to serve next; empty (and the thread marked gone) once idle or closed."""
        with self._waiting:
            while not self._waiters:
                idle = self._closing or not self._waiting.wait(_IDLE_S)
                if idle and not self._waiters:
                    self._syncer = None
                    return []
            batch, self._waiters = self._waiters, []
            return batch

    def close(self) -> None:
        """Close the descriptor (a later append opens it again) and let the sync thread end."""
        with self._waiting:
            self._closing = True
            self._waiting.notify()
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _settle(futures: list[asyncio.Future[None]], error: BaseException | None) -> None:
    """On a waiter's loop: tell each still-waiting caller its fsync returned (or failed)."""
    for done in futures:
        if done.done():  # its caller was cancelled meanwhile
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)


def read_records(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of the append-only file at ``path``, one a line; a torn line (a kill hit
    mid-append) and anything not an object are left out; no file: none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    records = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records


def ends_mid_line(path: Path) -> bool:
    """Whether the append-only file at ``path`` ends inside a line (a kill hit mid-append)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() == 0:
                return False
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) != b"\n"
    except FileNotFoundError:
        return False
