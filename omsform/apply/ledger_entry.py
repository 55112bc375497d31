"""One entry of the ledger (see :mod:`omsform.apply.ledger`): what apply last did to one
address, as stored in ``ledger.json``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LedgerEntry:
    """What the ledger knows about one address."""

    kind: str
    key: str
    remote_id: int | str | None = None
    fingerprints: dict[str, str] = field(default_factory=dict)
    applied: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The entry as stored (``applied`` only when there is one: older files stay as they
        were)."""
        doc: dict[str, Any] = {
            "kind": self.kind,
            "key": self.key,
            "remote_id": self.remote_id,
            "fingerprints": dict(sorted(self.fingerprints.items())),
        }
        if self.applied:
            doc["applied"] = dict(sorted(self.applied.items()))
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> LedgerEntry:
        """An entry as stored (``KeyError``/``TypeError``/``ValueError`` when malformed)."""
        return cls(
            kind=str(doc["kind"]),
            key=str(doc["key"]),
            remote_id=doc.get("remote_id"),
            fingerprints=dict(doc.get("fingerprints") or {}),
            applied={str(k): str(v) for k, v in dict(doc.get("applied") or {}).items()},
        )
