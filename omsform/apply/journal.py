"""The write-ahead journal (``.omsform/journal.jsonl``): what apply was about to do.

Before each write, apply appends an *intent* (address, kind, natural key, action) and forces it
to disk (``fsync``, shared by the intents of concurrent writes: :mod:`omsform.apply.durable_log`);
after the write it appends a *result*. A run that is killed leaves intents
without a result — at most ``--parallelism`` of them (by default twice the adaptive ceiling,
:data:`omsform.apply.bookkeeping.IN_PROGRESS`) — and the next run resolves each one by
looking the object up by natural key (:func:`omsform.apply.run.resolve_uncertain`), then appends a
*resolved* record. Results are only flushed, not fsync'd: losing one merely makes the next run
look the object up again. Records hold addresses, keys and redacted messages, never values.

The journal never holds a secret: a natural key that embeds one (a webhook ``target_url`` with
``?token=${secret.…}``) is written with it masked as ``(sensitive)`` by the caller, plus the
key's fingerprint (``key_print``, :mod:`omsform.secrets.keyprint`), by which the next run
recognises it.

A write of several requests (a Ginesys app: create, connection tests, enable) appends a *step*
record after each request that succeeded (fsync'd like intents); the step ``created`` carries
the new object's id. An intent with steps but no result is still uncertain: the next run finds
the object by that id and the plan continues it from what the live object shows is not done.

One JSON object per line: ``{"type": "intent"|"step"|"result"|"resolved", "op": …, …}``. A torn
last line (the crash hit mid-append) is ignored. :meth:`Journal.compact` drops everything
settled.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omsform.apply.durable_log import DurableLog, ends_mid_line, json_line, read_records

_MAX_ERROR = 300
_OPEN = ("intent", "step")  # record types that leave an operation open


@dataclass(frozen=True)
class Intent:
    """One write that was about to happen."""

    op_id: str
    run_id: str
    address: str
    kind: str
    key: str
    action: str
    at: str = ""
    key_print: str = ""
    """The fingerprint of the real key when ``key`` is stored masked (else ``""``)."""
    remote_id: str = ""
    """The object's id: known for updates, deletes and runs, and for a create that got as far
    as its step ``created`` (else ``""``)."""
    steps: tuple[str, ...] = ()
    """Steps of a multi-request write that completed, in order."""
    prints: tuple[tuple[str, str], ...] = ()
    """``(path, fingerprint)`` of each write-only value a create sends (salted hashes, never
    the values): a create found done after a kill records them, so none is lost."""


def new_run_id() -> str:
    """A sortable, unique id for one apply run."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]


class Journal:
    """The journal file at ``path`` (created with its directory on the first append)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # a record torn by a killed run: the next one must start on a fresh line
        self.log = DurableLog(self.path, torn=ends_mid_line(self.path))
        # no earlier run's records: once every intent of this one is settled, nothing is left
        self._fresh = not self.path.exists()
        self._open: set[str] = set()  # operations this journal began and has not settled

    def intent(
        self,
        run_id: str,
        address: str,
        kind: str,
        key: str,
        action: str,
        *,
        key_print: str = "",
        remote_id: int | str | None = None,
        prints: Mapping[str, str] | None = None,
    ) -> str:
        """Record, durably, that a write is about to be sent; returns its operation id.

        ``key`` must already be masked when it embeds a secret (``key_print`` then given);
        ``prints`` are the fingerprints of the write-only values it sends."""
        record = _intent(run_id, address, kind, key, action, key_print, remote_id, prints)
        self._open.add(str(record["op"]))
        self._append(record, sync=True)
        return str(record["op"])

    async def intent_durable(
        self,
        run_id: str,
        address: str,
        kind: str,
        key: str,
        action: str,
        *,
        key_print: str = "",
        remote_id: int | str | None = None,
        prints: Mapping[str, str] | None = None,
    ) -> str:
        """:meth:`intent` for the event loop: the line is written at once and the caller waits
        until it is on disk, sharing one ``fsync`` with the intents written meanwhile (group
        commit, :mod:`omsform.apply.durable_log`). Only then may its write be sent."""
        record = _intent(run_id, address, kind, key, action, key_print, remote_id, prints)
        self._open.add(str(record["op"]))
        await self.log.sync_async(self.log.append(_line(record)))
        return str(record["op"])

    def step(self, op_id: str, name: str, remote_id: int | str | None = None) -> None:
        """Record, durably, that step ``name`` of the multi-request write ``op_id`` is done."""
        self._append(_step(op_id, name, remote_id), sync=True)

    async def step_durable(self, op_id: str, name: str, remote_id: int | str | None = None) -> None:
        """:meth:`step` for the event loop (a shared ``fsync``, as :meth:`intent_durable`)."""
        await self.log.sync_async(self.log.append(_line(_step(op_id, name, remote_id))))

    def result(
        self,
        op_id: str,
        ok: bool,
        remote_id: int | str | None = None,
        error: str | None = None,
    ) -> None:
        """Record how the write ``op_id`` ended (``error`` must already be redacted)."""
        record: dict[str, Any] = {"type": "result", "op": op_id, "ok": ok}
        if remote_id is not None:
            record["remote_id"] = remote_id
        if error:
            record["error"] = error[:_MAX_ERROR]
        self._append(record, sync=False)
        self._open.discard(op_id)

    def resolve(self, op_id: str, note: str) -> None:
        """Record that an uncertain write from an earlier run was looked into."""
        self._append({"type": "resolved", "op": op_id, "note": note[:_MAX_ERROR]}, sync=False)

    def uncertain(self) -> list[Intent]:
        """Intents with neither a result nor a resolution, oldest first."""
        intents: dict[str, Intent] = {}
        records = read_records(self.path)
        # settled first: only intents left open are built (after a whole run, usually none)
        settled = {str(r.get("op", "")) for r in records if r.get("type") not in _OPEN}
        for record in records:
            op, what = str(record.get("op", "")), record.get("type")
            if op in settled:
                continue
            if what == "intent":
                remote_id = record.get("remote_id")
                run, kind, key = (str(record.get(name, "")) for name in ("run", "kind", "key"))
                intents[op] = Intent(
                    op,
                    run_id=run,
                    address=str(record.get("address", "")),
                    kind=kind,
                    key=key,
                    action=str(record.get("action", "")),
                    at=str(record.get("at", "")),
                    key_print=str(record.get("key_print", "")),
                    remote_id="" if remote_id is None else str(remote_id),
                    prints=_prints(record.get("prints")),
                )
            elif what == "step":
                intent = intents.get(op)
                if intent is not None:
                    remote_id = record.get("remote_id")
                    intents[op] = replace(
                        intent,
                        steps=(*intent.steps, str(record.get("step", ""))),
                        remote_id=intent.remote_id if remote_id is None else str(remote_id),
                    )
        return list(intents.values())

    def compact(self) -> None:
        """Drop settled records; delete the file when nothing is left uncertain."""
        # the usual end of a run: only its own records, each settled (no read of 1,000s)
        only_ours = self._fresh and self.log.appended == _size(self.path)
        keep = [] if only_ours and not self._open else self.uncertain()
        self.log.close()  # the file is replaced or removed: the next append opens the new one
        self._fresh = False  # what this journal appended no longer tells what the file holds
        if not keep:
            self.path.unlink(missing_ok=True)
            return
        lines = "".join(_line(r) for i in keep for r in _intent_records(i))
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(lines, encoding="utf-8")
        os.replace(tmp, self.path)

    def _append(self, record: dict[str, Any], *, sync: bool) -> None:
        # one write() per record on an O_APPEND descriptor: records never interleave, and a
        # record is in the kernel (safe from kill -9) as soon as this returns
        number = self.log.append(_line(record))
        if sync:
            self.log.sync(number)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _intent_records(intent: Intent) -> list[dict[str, Any]]:
    """The records that bring ``intent`` back as it is (its steps and id included)."""
    record: dict[str, Any] = {
        "type": "intent",
        "op": intent.op_id,
        "run": intent.run_id,
        "address": intent.address,
        "kind": intent.kind,
        "key": intent.key,
        "action": intent.action,
        "at": intent.at,
    }
    if intent.key_print:
        record["key_print"] = intent.key_print
    if intent.remote_id and not intent.steps:
        record["remote_id"] = intent.remote_id
    steps = [{"type": "step", "op": intent.op_id, "step": name} for name in intent.steps]
    if steps and intent.remote_id:
        steps[-1]["remote_id"] = intent.remote_id
    return [record, *steps]


def _prints(value: Any) -> tuple[tuple[str, str], ...]:
    """An intent's ``prints`` as read back (anything but a map of strings is ignored)."""
    if not isinstance(value, dict):
        return ()
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


_line = json_line


def _intent(
    run_id: str,
    address: str,
    kind: str,
    key: str,
    action: str,
    key_print: str,
    remote_id: int | str | None,
    prints: Mapping[str, str] | None,
) -> dict[str, Any]:
    """A new intent record (with a fresh operation id)."""
    record: dict[str, Any] = {
        "type": "intent",
        "op": _op_id(),
        "run": run_id,
        "address": address,
        "kind": kind,
        "key": key,
        "action": action,
        # the text strftime("%Y-%m-%dT%H:%M:%S.%fZ") gives, made without a format to parse
        "at": datetime.now(UTC).isoformat(timespec="microseconds")[:-6] + "Z",
    }
    if key_print:
        record["key_print"] = key_print
    if remote_id is not None:
        record["remote_id"] = remote_id
    if prints:
        record["prints"] = dict(prints)
    return record


def _op_id() -> str:
    """``uuid4().hex[:16]`` (its version nibble included), without making a UUID object."""
    head = bytearray(os.urandom(8))
    head[6] = (head[6] & 0x0F) | 0x40
    return head.hex()


def _step(op_id: str, name: str, remote_id: int | str | None) -> dict[str, Any]:
    record: dict[str, Any] = {"type": "step", "op": op_id, "step": name}
    if remote_id is not None:
        record["remote_id"] = remote_id
    return record
