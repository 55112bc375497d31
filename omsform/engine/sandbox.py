"""The embedded sandbox of a brand (``.omsform/sandbox.sqlite``) as a transport for a run."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from omsform.engine.session import STATE_DIR
from omsform.errors import OmsformError

if TYPE_CHECKING:
    from omsform.sandbox.store import Store


def sandbox_transport(brand_path: Path, seed: str = "demo") -> httpx.AsyncBaseTransport:
    """The embedded sandbox for ``brand_path`` (``.omsform/sandbox.sqlite``)."""
    from omsform.sandbox import build_app, transport

    db = brand_path / STATE_DIR / "sandbox.sqlite"
    return transport(build_app(open_sandbox_db(db), seed=seed))


def open_sandbox_db(db: Path) -> Store:
    """The sandbox store in ``db``, or an error naming the file when it is not a sandbox
    database (a truncated copy, another program's file)."""
    from omsform.sandbox.store import Store

    try:
        store = Store(db)
        store.meta_get("sandbox:seed")
    except sqlite3.DatabaseError as exc:
        raise OmsformError(
            f"{db}: not a usable sandbox database ({exc}); delete or move the file "
            "(a new sandbox is created and seeded on next use)"
        ) from None
    return store
