"""Writing the ledger's files so a crash never leaves half of one: atomic replacement, appends
forced to disk, durable renames; and the brand's git commit recorded beside them."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path


def git_head(directory: Path) -> str:
    """The commit checked out in ``directory``'s git repository, or ``""`` (never fails)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    head = done.stdout.strip()
    return head if done.returncode == 0 and len(head) >= 40 else ""


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory and ``os.replace`` (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # a committed file, not a private one (mkstemp makes it 0600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def file_state(path: Path) -> tuple[int, int, int] | None:
    """What changes whenever the file at ``path`` is written, replaced or removed (its inode,
    size and modification time); ``None`` when there is none."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns)


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (a no-op where directories cannot be
    opened, such as Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
