"""A partial plan (``plan --changed-since``) loads the ledger entries of the kinds it reads
only, and such a ledger is never saved (the file would lose every other kind's entries)."""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.apply.ledger import Ledger


def test_a_ledger_loaded_for_some_kinds_holds_only_theirs_and_is_never_saved(
    tmp_path: Path,
) -> None:
    path = tmp_path / ".omsform" / "ledger.json"
    ledger = Ledger.load(path)
    ledger.record("toy_item.a", "toy_item", "a", 1, {"password": "f1"})
    ledger.record("toy_group.g", "toy_group", "g", 2, {})
    ledger.save()
    part = Ledger.load(path, kinds={"toy_item"})
    assert set(part.entries) == {"toy_item.a"}
    assert part.fingerprints() == {"toy_item.a": {"password": "f1"}}
    assert part.salt == Ledger.load(path).salt  # fingerprints still compare
    part.record("toy_item.b", "toy_item", "b", 3, {})  # a durable record is kept as always
    with pytest.raises(RuntimeError):
        part.save()  # but rewriting the file would drop every other kind's entries
    assert set(Ledger.load(path).entries) == {"toy_item.a", "toy_item.b", "toy_group.g"}
