"""SQLite storage for the sandbox: JSON documents in named collections.

One file shared by every process that opens it (WAL mode), so data survives restarts and
separate CLI invocations see the same objects. Each object gets an integer ``id`` per
collection, ``created_date`` and a ``modified_date`` that strictly increases on every write
(ISO-8601 with microseconds and ``Z``, as the OMS documents).
"""

from __future__ import annotations

import builtins
import json
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, overload

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    collection TEXT NOT NULL,
    id INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

Doc = dict[str, Any]
# a field a lookup may index: a plain name, so it can be written into the SQL of the index
_INDEXABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_SQL_INT = (-(2**63), 2**63 - 1)  # what SQLite can bind; larger ints raise OverflowError


def _storable_id(obj_id: Any) -> bool:
    """True when ``obj_id`` can be an object's id (an int SQLite can bind). Anything else
    cannot name a stored object, so lookups treat it as "not found" instead of failing."""
    return (
        isinstance(obj_id, int)
        and not isinstance(obj_id, bool)
        and _SQL_INT[0] <= obj_id <= _SQL_INT[1]
    )


def _bindable(value: Any) -> bool:
    """True for a str, float or in-range int: a value SQLite can compare in a query."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return _SQL_INT[0] <= value <= _SQL_INT[1]
    return isinstance(value, str | float)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Store:
    """A tiny document store. All methods are safe to call from the event loop thread or
    worker threads; writes from several processes serialise on SQLite's file lock."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._lock = threading.RLock()
        self._indexed: set[str] = set()  # fields find() has made an index for, this process
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
        self._last_stamp = datetime.now(UTC)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work (``BEGIN IMMEDIATE``: other processes wait)."""
        with self._lock:
            if self._conn.in_transaction:
                yield
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _stamp(self) -> str:
        now = datetime.now(UTC)
        if now <= self._last_stamp:
            now = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = now
        return _iso(now)

    # --- reads ---------------------------------------------------------------------------
    def list(self, collection: str) -> list[Doc]:
        """Every object of ``collection`` ordered by id."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT data FROM objects WHERE collection = ? ORDER BY id", (collection,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def rows(self, collection: str) -> Rows:
        """``collection`` ordered by id, read lazily: its length is a ``COUNT`` and a slice is
        one ``LIMIT``/``OFFSET`` query, so serving one page decodes only that page (as DRF's
        paginator does over a queryset)."""
        return Rows(self, collection)

    def page(self, collection: str, offset: int, limit: int) -> builtins.list[Doc]:
        """At most ``limit`` objects of ``collection`` from position ``offset``, ordered by id."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT data FROM objects WHERE collection = ? ORDER BY id LIMIT ? OFFSET ?",
                (collection, limit, offset),
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def get(self, collection: str, obj_id: int) -> Doc | None:
        """One object by id, or None (also for an id no object can have, e.g. beyond 64 bits)."""
        if not _storable_id(obj_id):
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM objects WHERE collection = ? AND id = ?", (collection, obj_id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def find(self, collection: str, **match: Any) -> builtins.list[Doc]:
        """Objects whose fields equal every ``match`` value (SQLite narrows by the JSON text of
        each value; Python confirms, so ``1`` never matches ``true``)."""
        sql = "SELECT data FROM objects WHERE collection = ?"
        args: builtins.list[Any] = [collection]
        with self._lock:
            for key, value in match.items():
                # values SQLite cannot bind (ints beyond 64 bits) are left to the Python check
                if _bindable(value):
                    expression, path = self._field(key)
                    sql += f" AND {expression} = ?"
                    args += [*path, value]
            # "+id": sorting the few matches beats walking the collection in id order
            rows = self._conn.execute(sql + " ORDER BY +id", args).fetchall()
        docs = [json.loads(row[0]) for row in rows]
        return [d for d in docs if all(d.get(k) == v for k, v in match.items())]

    def _field(self, key: str) -> tuple[str, builtins.list[str]]:
        """The SQL of ``key``'s value in a document, and its parameters: for a plain name, the
        expression of an index made on first use, so a lookup by it (uniqueness on every create)
        does not scan the collection (it did: with 5,000 objects each create cost ~0.5 ms more);
        for another name, a bound path. An index made inside a transaction that then rolls back
        is made again by the next process; lookups stay right either way."""
        if not _INDEXABLE.fullmatch(key):
            return "json_extract(data, ?)", [f'$."{key}"']
        expression = f"json_extract(data, '$.\"{key}\"')"
        if key not in self._indexed:
            index = f'"objects_by_{key}" ON objects(collection, {expression})'
            self._conn.execute(f"CREATE INDEX IF NOT EXISTS {index}")
            self._indexed.add(key)
        return expression, []

    def count(self, collection: str) -> int:
        """How many objects ``collection`` holds."""
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM objects WHERE collection = ?", (collection,)
            ).fetchone()
        return int(row[0])

    # --- writes --------------------------------------------------------------------------
    def insert(self, collection: str, data: Doc) -> Doc:
        """Store a new object; assigns ``id``, ``created_date`` and ``modified_date``."""
        with self.transaction():
            # ids are never reused after a delete, as with a database sequence
            next_id = int(self.meta_get(f"seq:{collection}", 0)) + 1
            self.meta_set(f"seq:{collection}", next_id)
            stamp = self._stamp()
            doc = {"id": next_id, **data, "created_date": stamp, "modified_date": stamp}
            self._conn.execute(
                "INSERT INTO objects (collection, id, data) VALUES (?, ?, ?)",
                (collection, doc["id"], json.dumps(doc)),
            )
        return doc

    def update(self, collection: str, obj_id: int, changes: Doc) -> Doc | None:
        """Merge ``changes`` into the object and bump ``modified_date``; None if absent."""
        with self.transaction():
            doc = self.get(collection, obj_id)
            if doc is None:
                return None
            doc.update(changes)
            doc["id"] = obj_id
            doc["modified_date"] = self._stamp()
            self._conn.execute(
                "UPDATE objects SET data = ? WHERE collection = ? AND id = ?",
                (json.dumps(doc), collection, obj_id),
            )
        return doc

    def delete(self, collection: str, obj_id: int) -> bool:
        """Remove one object; False if it did not exist."""
        if not _storable_id(obj_id):
            return False
        with self.transaction():
            cur = self._conn.execute(
                "DELETE FROM objects WHERE collection = ? AND id = ?", (collection, obj_id)
            )
        return cur.rowcount > 0

    # --- sandbox bookkeeping ---------------------------------------------------------------
    def meta_get(self, key: str, default: Any = None) -> Any:
        """A JSON value kept beside the objects (seed marker, job progress, …)."""
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def meta_set(self, key: str, value: Any) -> None:
        """Set a meta value."""
        with self.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )

    def wipe(self) -> None:
        """Delete every object and meta value."""
        with self.transaction():
            self._conn.execute("DELETE FROM objects")
            self._conn.execute("DELETE FROM meta")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


class Rows(Sequence[Doc]):
    """A read-only, lazily queried view of one collection (see :meth:`Store.rows`)."""

    def __init__(self, store: Store, collection: str) -> None:
        self._store = store
        self._collection = collection

    def __len__(self) -> int:
        return self._store.count(self._collection)

    def __iter__(self) -> Iterator[Doc]:
        return iter(self._store.list(self._collection))

    @overload
    def __getitem__(self, index: int) -> Doc: ...

    @overload
    def __getitem__(self, index: slice) -> builtins.list[Doc]: ...

    def __getitem__(self, index: int | slice) -> Doc | builtins.list[Doc]:
        if isinstance(index, slice) and _is_forward_range(index):
            first = index.start or 0
            return self._store.page(self._collection, first, max(0, index.stop - first))
        return self._store.list(self._collection)[index]


def _is_forward_range(index: slice) -> bool:
    """True for ``[a:b]`` with ``0 <= a`` and ``0 <= b``: the slices one SQL page can serve."""
    return index.step in (None, 1) and (index.start or 0) >= 0 and (index.stop or -1) >= 0
