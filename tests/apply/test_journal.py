"""The write-ahead journal: intents are durable, uncertain ones are found, settled ones go."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from omsform.apply.journal import Journal, new_run_id


def test_an_intent_without_a_result_is_uncertain_until_resolved(tmp_path: Path) -> None:
    journal = Journal(tmp_path / ".omsform" / "journal.jsonl")
    run = new_run_id()
    done = journal.intent(run, "toy_group.a", "toy_group", "a", "create")
    journal.result(done, True, remote_id=7)
    open_op = journal.intent(run, "toy_group.b", "toy_group", "b", "create")
    del journal  # the process "dies" here

    later = Journal(tmp_path / ".omsform" / "journal.jsonl")
    uncertain = later.uncertain()
    assert [(i.op_id, i.address, i.key, i.action, i.run_id) for i in uncertain] == [
        (open_op, "toy_group.b", "b", "create", run)
    ]
    later.resolve(open_op, "did happen")
    assert later.uncertain() == []


def test_each_intent_is_forced_to_disk_before_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    journal = Journal(tmp_path / "journal.jsonl")
    op = journal.intent("r", "k.a", "k", "a", "update")
    assert len(synced) == 1
    assert json.loads((tmp_path / "journal.jsonl").read_text())["op"] == op


def test_a_torn_last_line_is_ignored_and_not_glued_to_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.intent("r1", "k.a", "k", "a", "create")
    with path.open("a") as handle:
        handle.write('{"type": "intent", "op": "torn", "addr')  # killed mid-append
    later = Journal(path)
    op = later.intent("r2", "k.b", "k", "b", "delete")
    assert [i.key for i in later.uncertain()] == ["a", "b"]
    assert op in {i.op_id for i in later.uncertain()}


def test_compact_keeps_only_what_is_still_uncertain(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    settled = journal.intent("r", "k.a", "k", "a", "create")
    journal.result(settled, False, error="400: bad")
    pending = journal.intent("r", "k.b", "k", "b", "create")
    journal.compact()
    assert [i.op_id for i in Journal(path).uncertain()] == [pending]
    assert len(path.read_text().splitlines()) == 1
    journal.resolve(pending, "did not happen")
    journal.compact()
    assert not path.exists()


def test_steps_and_masked_keys_survive_compaction(tmp_path: Path) -> None:
    journal = Journal(tmp_path / ".omsform" / "journal.jsonl")
    op = journal.intent(
        "run-1", "k.app", "k", "u|(sensitive)", "create", key_print="hmac-scrypt:00:ff"
    )
    journal.step(op, "created", 42)
    journal.step(op, "tested")
    done = journal.intent("run-1", "k.other", "k", "o", "update", remote_id=7)
    journal.result(done, True, remote_id=7)
    journal.compact()
    [intent] = Journal(journal.path).uncertain()
    assert (intent.key, intent.key_print, intent.remote_id, intent.steps) == (
        "u|(sensitive)",
        "hmac-scrypt:00:ff",
        "42",
        ("created", "tested"),
    )


def test_a_run_whose_writes_all_settled_keeps_an_earlier_runs_uncertain_intent(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.jsonl"
    killed = Journal(path)
    earlier = killed.intent("r1", "k.a", "k", "a", "create")  # killed before its result
    run = Journal(path)
    run.result(run.intent("r2", "k.b", "k", "b", "create"), True, remote_id=3)
    run.compact()
    assert [i.op_id for i in Journal(path).uncertain()] == [earlier]


def test_compact_keeps_an_intent_another_writer_appended_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    run, other = Journal(path), Journal(path)  # both found no journal
    run.result(run.intent("r1", "k.a", "k", "a", "create"), True, remote_id=1)
    theirs = other.intent("r2", "k.b", "k", "b", "create")
    run.compact()
    assert [i.op_id for i in Journal(path).uncertain()] == [theirs]
