"""Group commit (:mod:`omsform.apply.durable_log`): a line is never reported durable before an
``fsync`` that began after it was written, and concurrent lines share ``fsync``\\ s."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from omsform.apply.durable_log import DurableLog, json_line


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The file's content at each ``fsync`` (what that fsync made durable)."""
    seen: list[bytes] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        content = Path(f"/proc/self/fd/{fd}").read_bytes()
        real(fd)
        seen.append(content)  # counted once it has finished

    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def test_every_awaited_line_was_in_the_file_at_an_fsync(
    tmp_path: Path, synced: list[bytes]
) -> None:
    log = DurableLog(tmp_path / "j.jsonl")
    durable: list[tuple[str, int]] = []

    async def writer(i: int) -> None:
        for round_no in range(5):
            line = f"line {i}.{round_no}\n"
            await log.sync_async(log.append(line))
            durable.append((line, len(synced)))  # fsyncs finished when it was reported durable
            await asyncio.sleep(0)

    async def main() -> None:
        await asyncio.gather(*(writer(i) for i in range(16)))

    asyncio.run(main())
    assert len(durable) == 80
    for line, finished in durable:
        assert any(line.encode() in content for content in synced[:finished]), line
    assert log.fsyncs == len(synced) < 80  # shared: far fewer fsyncs than lines


def test_threads_share_fsyncs_and_none_is_early(tmp_path: Path, synced: list[bytes]) -> None:
    log = DurableLog(tmp_path / "l.jsonl")

    def record(i: int) -> tuple[str, int]:
        line = f"entry {i}\n"
        log.sync(log.append(line))
        return line, len(synced)

    async def main() -> list[tuple[str, int]]:
        return await asyncio.gather(*(asyncio.to_thread(record, i) for i in range(40)))

    for line, finished in asyncio.run(main()):
        assert any(line.encode() in content for content in synced[:finished]), line
    assert (tmp_path / "l.jsonl").read_text().count("\n") == 40


def test_a_torn_last_line_is_closed_before_the_next(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text('{"type": "intent"}\n{"type": "res')
    log = DurableLog(path, torn=True)
    log.sync(log.append('{"type": "result"}\n'))
    assert path.read_text().splitlines()[-1] == '{"type": "result"}'


@pytest.mark.parametrize(
    "record",
    [
        {"type": "intent", "op": "ab", "key": 'é中 "x"\n', "remote_id": 7, "prints": {"b": "1"}},
        {"z": [1, 2.5, None, True, {"y": float("nan")}], "a": {}},
    ],
)
def test_a_log_line_is_the_records_sorted_json_on_one_line(record: dict[str, Any]) -> None:
    assert json_line(record) == json.dumps(record, sort_keys=True) + "\n"
