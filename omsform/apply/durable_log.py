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
:meth:`DurableLog.sync_async` is for the event loop: one ``fsync`` at a time runs in a thread
while the callers that need it wait on it, and the lines written meanwhile go with the next one.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path


class DurableLog:
    """Appends to the file at ``path`` (created with its directory, mode ``mode``, on the first
    append); ``torn``: the file ends inside a line (a killed run), so the next line starts on a
    fresh one."""

    def __init__(self, path: Path, *, mode: int = 0o644, torn: bool = False) -> None:
        self.path, self.mode, self.torn = path, mode, torn
        self.fsyncs = 0  # how many fsyncs ran (tests and the debug log)
        self._fd: int | None = None
        self._written = 0  # lines written so far
        self._synced = 0  # lines known to be on disk
        self._lock = threading.Lock()  # writes and the descriptor
        self._sync_lock = threading.Lock()  # one fsync at a time
        self._flight: asyncio.Future[None] | None = None

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
        """Wait until line ``upto`` is on disk, sharing one ``fsync`` (in a thread) with every
        other line written before it started."""
        while self._synced < upto:
            flight = self._flight
            if flight is None or flight.done():  # done: it began before our line was written
                flight = asyncio.ensure_future(asyncio.to_thread(self.sync, self._written))
                self._flight = flight
                flight.add_done_callback(self._landed)
            await asyncio.shield(flight)

    def _landed(self, flight: asyncio.Future[None]) -> None:
        if self._flight is flight:
            self._flight = None

    def close(self) -> None:
        """Close the descriptor (a later append opens it again)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
