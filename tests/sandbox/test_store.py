"""The sandbox's document store: lookups by field (uniqueness checks on every create) find the
same objects whatever the field's name, through an index where the name allows one, so a
sandbox holding thousands of objects does not slow down with each create."""

from __future__ import annotations

from pathlib import Path

from omsform.sandbox.store import Store


def _store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "sandbox.sqlite")
    for i in range(50):
        store.insert("things", {"name": f"n{i % 10}", "odd-key": i % 7, "n": i})
    store.insert("others", {"name": "n1", "odd-key": 1, "n": -1})
    return store


def test_a_lookup_by_field_finds_every_match_in_its_collection_only(tmp_path: Path) -> None:
    store = _store(tmp_path)
    assert [d["n"] for d in store.find("things", name="n3")] == [3, 13, 23, 33, 43]
    assert [d["n"] for d in store.find("things", **{"odd-key": 5})] == [5, 12, 19, 26, 33, 40, 47]
    assert [d["n"] for d in store.find("things", name="n1", **{"odd-key": 4})] == [11]
    assert store.find("things", name="nobody") == []


def test_a_lookup_by_a_plain_field_name_searches_an_index(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.find("things", name="n0")  # the first lookup by a name makes its index
    ran: list[str] = []
    store._conn.set_trace_callback(ran.append)
    store.find("things", name="n3")
    store._conn.set_trace_callback(None)
    query = next(sql for sql in ran if sql.startswith("SELECT"))
    plan = str(store._conn.execute("EXPLAIN QUERY PLAN " + query).fetchall())
    assert "USING INDEX objects_by_name" in plan, plan
    reopened = Store(tmp_path / "sandbox.sqlite")  # the index is kept in the file
    assert [d["n"] for d in reopened.find("things", name="n3")] == [3, 13, 23, 33, 43]
