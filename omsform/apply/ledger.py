"""The ledger (``.omsform/ledger.json``, committed with the brand): what apply last did.

Per address: kind, natural key, remote id, a slow salted fingerprint of every write-only
value sent (the API never returns those, so the fingerprint is how plan knows whether the value
changed), and ``applied``: a short sha256 digest of each top-level field's desired value as last
applied, fields holding a secret left out (how plan tells drift from intent,
:mod:`omsform.drift.attribution`). Plus when it was written and the brand's git commit. The file
never holds a secret: only ``scrypt`` hashes under a random salt created once and kept in the
file, and natural keys with the brand's secret values (``Ledger.load(path, secrets)``) replaced
by ``(sensitive)`` inside them. An object is found again by ``kind[key]`` or, when its key had
to be masked, by ``kind#remote_id``. JSON, keys sorted, a field per line: small diffs in review.

Crash safety: apply calls :meth:`Ledger.record`/:meth:`Ledger.remove` after *each* successful
write, and each of them appends the new entry to ``ledger.pending.jsonl`` next to the ledger and
forces it to disk (one short line, however big the ledger; concurrent records share one
``fsync``, :mod:`omsform.apply.durable_log`). :meth:`Ledger.load` replays that file over
``ledger.json``, so a run killed with ``kill -9`` loses at most the fingerprints of the write in
flight; :meth:`Ledger.save` (at the end of apply) writes ``ledger.json`` atomically (temporary
file, ``fsync``, ``os.replace``, ``fsync`` of the directory) and only then deletes the pending
file. Each pending line carries the ledger's salt, so the fingerprints of a first apply killed
before any save are still comparable. Pending lines hold exactly what ``ledger.json`` holds:
masked keys and hashes, never a secret.
"""

from __future__ import annotations

import json
import re
import secrets as random_source
import threading
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omsform.apply.durable import fsync_dir, git_head, write_atomic
from omsform.apply.durable_log import DurableLog, ends_mid_line, json_line, read_records
from omsform.apply.fingerprint import fingerprint
from omsform.apply.ledger_entry import LedgerEntry
from omsform.apply.ledger_text import ledger_json
from omsform.errors import ConfigError, Location, Problem
from omsform.secrets.mask import redact_data
from omsform.secrets.patterns import secrets_pattern

FORMAT_VERSION = 1
PENDING_NAME = "ledger.pending.jsonl"
UNSURE = "unsure"
"""The fingerprint of a write-only value an interrupted update may or may not have sent: no
value hashes to it, so the next plan sends the value again and records its real fingerprint."""


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
        pattern = secrets_pattern(self.secrets, 1)  # what redact_data looks for
        needles = ("=", *(pattern.needles if pattern else ()))
        self._may_mask = re.compile("|".join(map(re.escape, needles))).search
        self.updated_at = self.git_commit = ""
        self.entries = {a: self._masked(e) for a, e in entries.items()}
        # a file written before keys were masked is cleaned on the next save
        self._dirty = any(self.entries[a] is not e for a, e in entries.items())
        self.pending = self.path.with_name(PENDING_NAME)
        self._lock = threading.Lock()  # record() runs in worker threads during apply
        self.log = DurableLog(self.pending, mode=0o600)
        self._salt_kept = path.exists()
        self._salt_line = 0  # the pending line that keeps the salt (0: none written)
        self.partial = False  # loaded for some kinds only (``load(kinds=…)``): never saved

    def _safe(self, key: str) -> str:
        """``key`` with the brand's secret values masked (addresses are YAML names: no secrets)."""
        if not self._may_mask(key):
            return key  # nothing redact_data would mask: most keys, 6,000 per load
        return str(redact_data(key, self.secrets))

    def _masked(self, entry: LedgerEntry) -> LedgerEntry:
        key = self._safe(entry.key)
        if key == entry.key:
            return entry
        return LedgerEntry(
            entry.kind, key, entry.remote_id, dict(entry.fingerprints), dict(entry.applied)
        )

    @classmethod
    def load(
        cls, path: Path | str, secrets: Iterable[str] = (), kinds: Collection[str] | None = None
    ) -> Ledger:
        """The ledger at ``path``; a fresh one (new random salt) when the file does not exist.

        ``secrets`` are the brand's secret values: no key or address is kept with one inside.
        ``kinds``: only their entries (a partial plan's lookups); such a ledger is never saved.
        """
        path = Path(path)
        pending = read_records(path.with_name(PENDING_NAME))
        if not path.exists():
            salt = _first_salt(pending) or random_source.token_bytes(16)
            ledger = cls(path, salt, {}, secrets)
            ledger.replay(pending)
            return ledger
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            entries = {
                address: LedgerEntry.from_json(e, owned=True)
                for address, e in doc.get("resources", {}).items()
                if kinds is None or e.get("kind") in kinds
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
        ledger.partial = kinds is not None
        ledger.updated_at = str(doc.get("updated_at", ""))
        ledger.git_commit = str(doc.get("git_commit", ""))
        ledger.replay(pending)
        return ledger

    def keep_salt(self) -> None:
        """Make the salt durable before any fingerprint under it leaves this process (a create's
        journal intent carries the fingerprints it sends): a fresh ledger's salt is otherwise
        only written with its first entry, and a kill before that would orphan them."""
        with self._lock:
            if not self._salt_kept:
                self._salt_line = self._log({})
                self._salt_kept = True
        # outside the lock, as record(); every caller waits, also one that came while the
        # first was still writing the salt
        self.log.sync(self._salt_line)

    def replay(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Apply pending records a run wrote after its writes but did not save (it was killed).

        Records under another salt (the ledger was deleted or replaced since) are ignored: their
        fingerprints could never match."""
        for record in records:
            if record.get("salt") != self.salt.hex():
                continue
            self._salt_kept = True
            address, entry = str(record.get("address", "")), record.get("entry")
            if record.get("removed"):
                self._dirty |= self.entries.pop(address, None) is not None
            elif isinstance(entry, Mapping):
                try:
                    self.entries[address] = self._masked(LedgerEntry.from_json(entry, owned=True))
                except (KeyError, TypeError, ValueError):
                    continue  # a hand-mangled line: the next write records the object again
                self._dirty = True
        self.log.torn = ends_mid_line(self.pending)

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
        object holds none it did not send). The inner mappings are the entries' own: read, never
        change them (copying 5,000 of them costs a plan ~30 ms)."""
        return {a: e.fingerprints for a, e in self.entries.items()}

    def applied(self) -> dict[str, dict[str, str]]:
        """Address → top-level field → digest of the value last applied (empty mappings for
        entries written before digests were recorded). The inner mappings are the entries' own:
        read, never change them."""
        return {a: e.applied for a, e in self.entries.items() if e.applied}

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
        applied: Mapping[str, str] | None = None,
        durable: bool = True,
    ) -> int:
        """Record ``address`` after a successful write; ``keep_others`` keeps fingerprints of
        paths this write did not send (an update of some fields only); ``applied`` replaces the
        field digests (``None`` keeps the old ones). Returns the pending line's number (0: none
        written); ``durable=False`` leaves its ``fsync`` to the caller (``await
        ledger.log.sync_async(number)`` on the event loop, shared with concurrent records)."""
        with self._lock:
            old = self.entries.get(address)
            prints = dict(old.fingerprints) if (old and keep_others) else {}
            prints.update(fingerprints)
            digests = dict(applied) if applied is not None else dict(old.applied if old else {})
            entry = LedgerEntry(kind, self._safe(key), remote_id, prints, digests)
            if old is not None and old.as_json() == entry.as_json():
                return 0
            self.entries[address] = entry
            self._dirty = True
            line = self._log({"address": address, "entry": entry.as_json()})
        if durable:
            self.log.sync(line)  # outside the lock: concurrent records share one fsync
        return line

    def accept(self, address: str, digests: Mapping[str, str]) -> None:
        """Take ``digests`` as the last applied values of those fields of ``address`` (``pull``
        wrote the live values into the YAML: they are what the brand declares now)."""
        with self._lock:
            old = self.entries.get(address)
            if old is None or all(old.applied.get(k) == v for k, v in digests.items()):
                return
            entry = LedgerEntry(
                old.kind,
                old.key,
                old.remote_id,
                dict(old.fingerprints),
                {**old.applied, **digests},
            )
            self.entries[address] = entry
            self._dirty = True
            line = self._log({"address": address, "entry": entry.as_json()})
        self.log.sync(line)

    def remove(self, address: str) -> None:
        """Forget ``address`` (after a delete)."""
        with self._lock:
            if self.entries.pop(address, None) is None:
                return
            self._dirty = True
            line = self._log({"address": address, "removed": True})
        self.log.sync(line)

    def _log(self, record: dict[str, Any]) -> int:
        """Append ``record`` to the pending file (one ``write()``: records never interleave);
        its number, for the ``fsync`` that the caller then waits for (see the module doc)."""
        return self.log.append(json_line({**record, "salt": self.salt.hex()}))

    def save(self) -> bool:
        """Write the file atomically if anything changed; True when it was written. The pending
        records are folded in and their file deleted afterwards."""
        if self.partial:
            raise RuntimeError("a ledger loaded for some kinds only cannot be saved")
        with self._lock:
            if self.pending.exists() and not self.path.exists():
                self._dirty = True  # the salt the pending file kept must outlive it
            written = self._save()
            self.log.close()  # the pending file is folded in: a later record starts a new one
            if self.pending.exists():
                self.pending.unlink()
                fsync_dir(self.pending.parent)
            return written

    def _save(self) -> bool:
        if not self._dirty:
            return False
        self.updated_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.git_commit = git_head(self.path.parent.parent)
        header = {"format_version": FORMAT_VERSION, "salt": self.salt.hex()}
        header |= {"updated_at": self.updated_at, "git_commit": self.git_commit}
        write_atomic(self.path, ledger_json(header, sorted(self.entries.items())) + "\n")
        self._dirty = False
        return True


def _first_salt(records: list[dict[str, Any]]) -> bytes | None:
    """The salt of a first apply that was killed before it saved ``ledger.json``."""
    for record in records:
        try:
            return bytes.fromhex(str(record["salt"]))
        except (KeyError, ValueError):
            continue
    return None
