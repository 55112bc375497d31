"""The ledger (``.omsform/ledger.json``, committed with the brand): what apply last did.

Per address: kind, natural key, remote id, and a slow salted fingerprint of every write-only
value sent (the API never returns those, so the fingerprint is how plan knows whether the value
changed). Plus when it was written and the brand's git commit. The file never holds a secret:
only ``scrypt`` hashes under a random salt created once and kept in the file, and natural keys
with the brand's secret values (``Ledger.load(path, secrets)``) replaced by ``(sensitive)``
inside them. An object is found again by ``kind[key]`` or, when its key had to be masked, by
``kind#remote_id``. JSON with sorted keys and one field per line, so a change to one object is
a small diff in review.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets as random_source
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr

from omsform.errors import ConfigError, Location, Problem
from omsform.secrets import redact_data

FORMAT_VERSION = 1
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_cache: dict[tuple[bytes, str], str] = {}  # scrypt is ~50 ms on purpose: hash each value once


def _canonical(value: Any) -> Any:
    """JSON-ready form with secrets *revealed* (this is what gets hashed, never stored)."""
    if isinstance(value, SecretStr | SecretBytes):
        return _canonical(value.get_secret_value())
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, BaseModel):
        return {name: _canonical(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(getattr(value, "value", value))  # enums and the like


def fingerprint(salt: bytes, value: Any) -> str:
    """``scrypt:<hex>``: a slow salted hash of the canonical JSON of ``value`` (cached)."""
    text = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    cached = _cache.get((salt, text))
    if cached is None:
        digest = hashlib.scrypt(text.encode(), salt=salt, **_SCRYPT)
        cached = _cache[(salt, text)] = "scrypt:" + digest.hex()
    return cached


@dataclass
class LedgerEntry:
    """What the ledger knows about one address."""

    kind: str
    key: str
    remote_id: int | str | None = None
    fingerprints: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The entry as stored."""
        return {
            "kind": self.kind,
            "key": self.key,
            "remote_id": self.remote_id,
            "fingerprints": dict(sorted(self.fingerprints.items())),
        }


class Ledger:
    """The ledger file of one brand. :meth:`load`, change with :meth:`record`/:meth:`remove`,
    then :meth:`save` (writes only when something changed)."""

    def __init__(
        self,
        path: Path,
        salt: bytes,
        entries: dict[str, LedgerEntry],
        secrets: Iterable[str] = (),
    ) -> None:
        self.path, self.salt = path, salt
        self.secrets = frozenset(secrets)
        self.updated_at = ""
        self.git_commit = ""
        self.entries = {a: self._masked(e) for a, e in entries.items()}
        # a file written before keys were masked is cleaned on the next save
        self._dirty = any(self.entries[a] is not e for a, e in entries.items())

    def _safe(self, key: str) -> str:
        """``key`` with the brand's secret values masked (addresses are YAML names: no secrets)."""
        return str(redact_data(key, self.secrets))

    def _masked(self, entry: LedgerEntry) -> LedgerEntry:
        key = self._safe(entry.key)
        if key == entry.key:
            return entry
        return LedgerEntry(entry.kind, key, entry.remote_id, dict(entry.fingerprints))

    @classmethod
    def load(cls, path: Path | str, secrets: Iterable[str] = ()) -> Ledger:
        """The ledger at ``path``; a fresh one (new random salt) when the file does not exist.

        ``secrets`` are the brand's secret values: no key or address is kept with one inside.
        """
        path = Path(path)
        if not path.exists():
            return cls(path, random_source.token_bytes(16), {}, secrets)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            entries = {
                address: LedgerEntry(
                    kind=e["kind"],
                    key=e["key"],
                    remote_id=e.get("remote_id"),
                    fingerprints=dict(e.get("fingerprints", {})),
                )
                for address, e in doc.get("resources", {}).items()
            }
            ledger = cls(path, bytes.fromhex(doc["salt"]), entries, secrets)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            problem = Problem(
                Location(file=str(path)),
                f"the ledger cannot be read ({type(exc).__name__}: {exc})",
                "resolve the merge conflict in it, or delete it (write-only values then show "
                "as unverified until `apply --refresh-secrets`)",
            )
            raise ConfigError([problem]) from None
        ledger.updated_at = str(doc.get("updated_at", ""))
        ledger.git_commit = str(doc.get("git_commit", ""))
        return ledger

    # --- what plan reads ------------------------------------------------------------------
    def fingerprint_for(self, slot: str, value: Any) -> str:
        """The fingerprint of ``value`` at ``slot`` (``address:path``) under this ledger's salt.

        The slot is deliberately not hashed in: one secret reused in many places (the same API
        key on 200 webhooks) then costs one ~50 ms scrypt per run instead of 200. The price is
        that the ledger shows which write-only values are equal, never what they are.
        """
        return fingerprint(self.salt, value)

    def fingerprints(self) -> dict[str, dict[str, str]]:
        """Address → concrete write-only path → recorded fingerprint, for every address the
        ledger knows (an empty mapping when apply sent no write-only value: plan then knows the
        object holds none it did not send)."""
        return {a: dict(e.fingerprints) for a, e in self.entries.items()}

    def known_addresses(self) -> dict[str, str]:
        """``kind[key]`` and ``kind#remote_id`` → the address the ledger last knew that object
        by (the id form finds objects whose key is stored masked)."""
        by_key = {f"{e.kind}[{e.key}]": a for a, e in self.entries.items()}
        by_id = {
            f"{e.kind}#{e.remote_id}": a for a, e in self.entries.items() if e.remote_id is not None
        }
        return {**by_id, **by_key}

    def get(self, address: str) -> LedgerEntry | None:
        """The entry for ``address``, if any."""
        return self.entries.get(address)

    # --- what apply writes ----------------------------------------------------------------
    def record(
        self,
        address: str,
        kind: str,
        key: str,
        remote_id: int | str | None,
        fingerprints: Mapping[str, str],
        *,
        keep_others: bool = False,
    ) -> None:
        """Record ``address`` after a successful write; ``keep_others`` keeps fingerprints of
        paths this write did not send (an update of some fields only)."""
        old = self.entries.get(address)
        prints = dict(old.fingerprints) if (old and keep_others) else {}
        prints.update(fingerprints)
        entry = LedgerEntry(kind, self._safe(key), remote_id, prints)
        if old is None or old.as_json() != entry.as_json():
            self.entries[address] = entry
            self._dirty = True

    def remove(self, address: str) -> None:
        """Forget ``address`` (after a delete)."""
        if self.entries.pop(address, None) is not None:
            self._dirty = True

    def save(self) -> bool:
        """Write the file atomically if anything changed; True when it was written."""
        if not self._dirty:
            return False
        self.updated_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.git_commit = _git_head(self.path.parent.parent)
        doc = {
            "format_version": FORMAT_VERSION,
            "salt": self.salt.hex(),
            "updated_at": self.updated_at,
            "git_commit": self.git_commit,
            "resources": {a: e.as_json() for a, e in sorted(self.entries.items())},
        }
        _write_atomic(self.path, json.dumps(doc, indent=2, sort_keys=True) + "\n")
        self._dirty = False
        return True


def _git_head(directory: Path) -> str:
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


def _write_atomic(path: Path, text: str) -> None:
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
