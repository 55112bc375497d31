"""A run loads the brand's ledger once (planning and applying share it) and loads it again
as soon as anything wrote to its files."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from omsform.apply.ledger import Ledger
from omsform.contract.provider import registry
from omsform.engine.session import STATE_DIR, Session


def _session(brand_dir: Path) -> Session:
    brand = SimpleNamespace(path=brand_dir, secrets=frozenset({"hunter2-secret"}))
    return Session(brand=cast(Any, brand), registry=registry())


def test_the_ledger_is_loaded_once_while_its_files_stay_as_they_were(tmp_path: Path) -> None:
    path = tmp_path / STATE_DIR / "ledger.json"
    first = Ledger.load(path)
    first.record("toy_item.a", "toy_item", "a", 1, {})
    first.save()
    session = _session(tmp_path)
    ledger = session.ledger()
    assert session.ledger() is ledger
    assert ledger.get("toy_item.a") is not None


def test_another_runs_save_or_this_runs_records_make_it_load_again(tmp_path: Path) -> None:
    path = tmp_path / STATE_DIR / "ledger.json"
    session = _session(tmp_path)
    before = session.ledger()

    other = Ledger.load(path)  # another run applies meanwhile
    other.record("toy_item.b", "toy_item", "b", 2, {})
    other.save()
    after = session.ledger()
    assert after is not before and after.get("toy_item.b") is not None

    after.record("toy_item.c", "toy_item", "c?token=hunter2-secret", 3, {})  # not saved yet
    again = session.ledger()
    assert again is not after
    entry = again.get("toy_item.c")
    assert entry is not None and "hunter2" not in entry.key  # replayed, masked as loaded
