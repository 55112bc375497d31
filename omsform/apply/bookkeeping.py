"""The state of one apply run and the bookkeeping around each write: events, redacted
messages, journal intents and results, ledger records with the fingerprints of what was sent.
:class:`RunState` is the base the writes (:mod:`omsform.apply.writes`) and the scheduling
(:mod:`omsform.apply.run`) build on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from omsform.apply.context import ChangeContext, RunContext
from omsform.apply.journal import Journal, new_run_id
from omsform.apply.ledger import Ledger
from omsform.apply.work import ApplyInput
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote
from omsform.drift.attribution import applied_digests
from omsform.errors import OmsformError
from omsform.http.client import WriteClient, is_ambiguous
from omsform.http.concurrency import MAXIMUM
from omsform.paths import comparable, items_by_pattern, top_field
from omsform.plan.compare import secret_slot
from omsform.plan.model import Action, Change
from omsform.secrets.keyprint import key_fingerprint, masked_key
from omsform.secrets.mask import redact, text_secrets, url_credentials

T = TypeVar("T")
# changes under way at once by default: twice the most requests a client keeps in flight.
# With as many as requests, each change waited on two fsyncs (~3.5 ms each) while holding its
# place, the connections idled, and every fsync covered ~1.4 lines; twice as many changes
# share each fsync and cut apply's CPU per create by ~8 % (spec §11 P6)
IN_PROGRESS = 2 * MAXIMUM


@dataclass(frozen=True)
class ApplyEvent:
    """Progress of one change: ``status`` is started, applied, failed or skipped;
    ``remote_id`` is the object's server id once applied (``None`` when deleted or unknown)."""

    address: str
    action: Action
    status: str
    message: str = ""
    remote_id: int | str | None = None


class RunState:
    """One apply's state: the outcome of every change so far, and the bookkeeping around each
    write (events, messages, journal, ledger)."""

    def __init__(
        self,
        work: ApplyInput,
        resources: Mapping[str, Resource[Any]],
        clients: Mapping[str, WriteClient],
        ctx: RunContext,
        journal: Journal,
        ledger: Ledger,
        parallelism: int | None,
        on_event: Callable[[ApplyEvent], None] | None,
    ) -> None:
        self.work, self.desired = work, work.specs
        self.resources, self.clients, self.ctx = resources, clients, ctx
        self.journal, self.ledger, self.on_event = journal, ledger, on_event
        self.run_id = new_run_id()
        # None: the clients' adaptive limits decide how many requests are in flight
        # (omsform.http.concurrency); more changes than that are under way, so that some wait
        # for their journal's fsync while others' requests keep the connections busy
        self.limit = asyncio.Semaphore(max(1, parallelism or IN_PROGRESS))
        self.applied: list[str] = []
        self.failed: dict[str, str] = {}
        self.skipped: dict[str, str] = {}
        self.keep: dict[str, str] = {}  # address → why it must not be deleted
        self._comparable: dict[str, Any] = {}  # address → comparable(spec), made once
        self._key_secrets: dict[str, tuple[Change, tuple[str, ...]]] = {}
        self.secrets = _run_secrets(work, resources, self.comparable_spec)

    def comparable_spec(self, address: str) -> Any:
        """``comparable()`` of the desired spec at ``address``, made once per run (the secrets
        looked for in it and the fingerprints of what its write sends are read from it)."""
        found = self._comparable.get(address)
        if found is None:
            found = self._comparable[address] = comparable(self.desired[address].spec)
        return found

    def emit(
        self, change: Change, status: str, message: str = "", remote_id: int | str | None = None
    ) -> None:
        if self.on_event is not None:
            self.on_event(ApplyEvent(change.address, change.action, status, message, remote_id))

    def message(self, exc: BaseException) -> str:
        text = str(exc) or type(exc).__name__
        if not isinstance(exc, OmsformError):
            text = f"{type(exc).__name__}: {text}"
        for client in self.clients.values():
            text = client.redact(text)
        return redact(text, self.secrets)

    async def intent(
        self,
        change: Change,
        verb: str,
        remote_id: int | str | None = None,
        prints: Mapping[str, str] | None = None,
    ) -> str:
        """Journal the intent durably (never a secret: a key that embeds one is masked and
        fingerprinted; ``prints``, the fingerprints of the write-only values a write sends, let
        a run that finds it done after a kill record them); the fsync runs in a thread so other
        writes go on."""
        secrets = self.key_secrets(change)
        key_print = ""
        if secrets:  # a slow salted hash: off the event loop
            salt = self.ledger.salt
            key_print = await asyncio.to_thread(key_fingerprint, salt, change.key, secrets)
        return await self.journal.intent_durable(  # one fsync shared by concurrent intents
            self.run_id,
            change.address,
            change.kind,
            self.stored_key(change),
            verb,
            key_print=key_print,
            remote_id=remote_id,
            prints=prints,
        )

    def key_secrets(self, change: Change) -> tuple[str, ...]:
        """The secret values inside ``change``'s natural key (looked for once per change: its
        intent and its ledger record both need them)."""
        kept = self._key_secrets.get(change.address)
        if kept is None or kept[0] is not change:
            found = {s for s in self.secrets if s and s in change.key}
            found |= set(url_credentials(change.key))  # masked in every stored form
            kept = self._key_secrets[change.address] = (
                change,
                tuple(sorted(found | set(change.key_secrets))),
            )
        return kept[1]

    def stored_key(self, change: Change) -> str:
        """``change``'s natural key as the journal and the ledger keep it (secrets masked)."""
        secrets = self.key_secrets(change)
        # nothing to mask: the key as it is (URL credentials are among the secrets found)
        return masked_key(change.key, secrets) if secrets else change.key

    async def write(
        self,
        change: Change,
        verb: str,
        operation: Callable[[ChangeContext], Awaitable[T]],
        remote_id: int | str | None = None,
    ) -> T:
        """One journaled write. An ambiguous failure stays uncertain for the next run."""
        op = await self.intent(change, verb, remote_id)
        try:
            result = await operation(ChangeContext(self.ctx, self.journal, op))
        except Exception as exc:
            if not is_ambiguous(exc):
                self.journal.result(op, False, error=self.message(exc))
            raise
        self.journal.result(op, True, remote_id=getattr(result, "id", None))
        return result

    async def created(
        self,
        change: Change,
        op: str,
        remote: Remote[Any],
        prints: Mapping[str, str],
        *,
        complete: bool = True,
    ) -> None:
        """Bookkeeping of a create that happened: journal, current objects, ledger with the
        fingerprints of what it sent (``complete`` false: made, but not as desired, so no field
        counts as applied)."""
        self.journal.result(op, True, remote_id=remote.id)
        self.ctx.objects(change.kind)[change.key] = remote
        await self.record(change, remote, only=None, complete=complete, prints=prints)

    async def sent_prints(self, change: Change, only: frozenset[str] | None) -> dict[str, str]:
        """Fingerprints (path → salted hash) of the write-only and secret values a write of
        ``change`` sends (``only``: the top-level fields of an update)."""
        desired = self.desired[change.address]
        patterns = (*self.resources[change.kind].write_only, *sorted(desired.secret_paths))
        if not patterns:
            return {}  # most writes: nothing to fingerprint, no dump and no thread hop
        values = self.comparable_spec(change.address)
        sent = {
            path: value
            for _, items in items_by_pattern(values, patterns)  # one walk for all of them
            for path, value in items
            if value is not None and (only is None or top_field(path) in only)
        }
        if not sent:
            return {}
        slots = {path: secret_slot(change.address, path) for path in sent}

        def fingerprints() -> dict[str, str]:  # slow salted hashes: one trip off the event loop
            self.ledger.keep_salt()  # the salt is durable before anything hashed with it
            return {p: self.ledger.fingerprint_for(slots[p], v) for p, v in sent.items()}

        return await asyncio.to_thread(fingerprints)

    async def record(
        self,
        change: Change,
        remote: Remote[Any],
        only: frozenset[str] | None,
        *,
        complete: bool = True,
        prints: Mapping[str, str] | None = None,
    ) -> None:
        """Ledger entry after a write; ``only``: the top-level fields an update sent;
        ``prints``: their fingerprints when already known. The object now holds the desired
        value of every field (an update sends those that differed), so all their digests are
        recorded as applied (:mod:`omsform.drift.attribution`)."""
        desired = self.desired[change.address]
        prints = dict(prints) if prints is not None else await self.sent_prints(change, only)
        old = self.ledger.get(change.address)
        if only is not None and old is not None:
            kept = {p: f for p, f in old.fingerprints.items() if top_field(p) not in only}
            prints = {**kept, **prints}
        key = self.stored_key(change)
        resource = type(self.resources[change.kind])
        digests = applied_digests(desired, resource) if complete else {}
        # durable now (one fsync'd line, shared with concurrent records): a kill after this
        # write keeps its fingerprints
        line = self.ledger.record(
            change.address, change.kind, key, remote.id, prints, applied=digests, durable=False
        )
        await self.ledger.log.sync_async(line)


def _run_secrets(
    work: ApplyInput, resources: Mapping[str, Resource[Any]], plain: Callable[[str], Any]
) -> set[str]:
    """The secret values failure messages and journaled keys must not show: those of every
    declared spec. The brand's secrets hold them all (worked out when it was loaded); the specs
    this run writes are looked into again anyway, so they are covered whatever the caller
    passed, and only a caller without the brand's secrets pays for looking into all of them
    (6,000 specs: ~60 ms). ``plain(address)``: the comparable form of a written spec, which
    its write reads again."""
    if work.secrets is None:
        return _desired_secrets(work.specs, resources)
    specs = work.specs
    written = {c.address: specs[c.address] for c in work.plan.changes if c.address in specs}
    return set(work.secrets) | _desired_secrets(written, resources, plain)


def _desired_secrets(
    desired: Mapping[str, Desired[Any]],
    resources: Mapping[str, Resource[Any]],
    plain: Callable[[str], Any] | None = None,
) -> set[str]:
    """Every secret string in the desired specs the text safety net hides (to keep them out of
    failure messages): the rule is :func:`omsform.secrets.mask.text_secrets`."""
    found: set[str] = set()
    for address, d in desired.items():
        resource = resources.get(d.kind)
        write_only = resource.write_only if resource else ()
        if plain is not None and (d.secret_paths or write_only):
            found |= text_secrets(plain(address), d.secret_paths, write_only, plain=True)
        else:
            found |= text_secrets(d.spec, d.secret_paths, write_only)
    return found
