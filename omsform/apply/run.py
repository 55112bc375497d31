"""Carrying out a plan: exactly the planned changes, one write each, in dependency order.

- Creates, updates, replaces (delete, then create) and runs go level by level, top-down; deletes
  come after everything else, bottom-up. Within a level up to ``parallelism`` run at once.
- The write's answer becomes the current object (its id serves ``ctx.id_of`` for dependants).
- A failed change is reported with the API's (redacted) message; every change that depends on
  it is skipped, and so is the delete of anything it still points at. Independent changes go on.
- Every write is journaled (intent before, result after; a write of several requests also
  journals each step). A natural key with a secret in it is journaled masked, with its
  fingerprint (:mod:`omsform.secrets.keyprint`); a saved plan's masked keys are made real again
  first.
- An *ambiguous* create (sent, but no usable answer) is looked up by id (when a step reported
  it) or natural key before it is tried once more: never a duplicate. What is found counts as
  the create only when it holds what was sent (as plan compares); otherwise the create is
  finished by an update of the fields that differ. An ambiguous update is checked the same way
  and sent once more unless the live object proves it (never for write-only fields).
- The ledger gets the remote id and write-only fingerprints of every successful write right
  after it (durably: :meth:`~omsform.apply.ledger.Ledger.record`), and is saved once at the end,
  also
  when the run fails. A create that raises :class:`~omsform.errors.IncompleteChangeError`
  (made, then a later required call failed) is recorded like a create and reported as failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from omsform.apply.journal import Intent, Journal, new_run_id
from omsform.apply.ledger import Ledger
from omsform.apply.report import ApplyReport
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote, Spec
from omsform.drift.attribution import applied_digests
from omsform.errors import ApplyError, IncompleteChangeError, OmsformError, ProviderError
from omsform.http.client import WriteClient, idempotency_scope, is_ambiguous, redact
from omsform.http.concurrency import MAXIMUM
from omsform.paths import comparable, iter_items, parse_path
from omsform.plan.build import secret_slot
from omsform.plan.compare import Fingerprints, compare
from omsform.plan.model import Action, Change, Plan
from omsform.plan.openmaps import sent_spec
from omsform.secrets.keyprint import (
    key_fingerprint,
    key_matches,
    masked_key,
    restore_keys,
    secrets_in_key,
)
from omsform.secrets.mask import text_secrets, url_credentials

T = TypeVar("T")
_NO_FINGERPRINTS = Fingerprints({}, None, False)  # write-only values: never compared here


@dataclass(frozen=True)
class ApplyEvent:
    """Progress of one change: ``status`` is started, applied, failed or skipped;
    ``remote_id`` is the object's server id once applied (``None`` when deleted or unknown)."""

    address: str
    action: Action
    status: str
    message: str = ""
    remote_id: int | str | None = None


class _Context:
    """The WriteContext of a run: current objects by kind and key, updated as writes land."""

    def __init__(
        self,
        current: Mapping[str, Iterable[Remote[Any]]],
        resources: Mapping[str, Resource[Any]],
        desired: Mapping[str, Desired[Any]],
    ) -> None:
        self._current, self._resources = current, resources
        self._index: dict[str, dict[str, Remote[Any]]] = {}
        self._declared: dict[str, set[str]] = {}
        self._desired: dict[str, list[Desired[Any]]] = {}
        for d in desired.values():
            if d.kind in resources:
                self._declared.setdefault(d.kind, set()).add(resources[d.kind].key(d.spec))
                self._desired.setdefault(d.kind, []).append(d)

    def objects(self, kind: str) -> dict[str, Remote[Any]]:
        """Key → current object of ``kind`` (empty when the kind was not read)."""
        found = self._index.get(kind)
        if found is None:
            resource = self._resources.get(kind)
            remotes = self._current.get(kind, ()) if resource else ()
            found = self._index[kind] = (
                {resource.key(r.spec): r for r in remotes} if resource else {}
            )
        return found

    async def current(self, kind: str) -> list[Remote[Any]]:
        """Current objects of ``kind``, including what this apply wrote so far."""
        return list(self.objects(kind).values())

    def declared_keys(self, kind: str) -> frozenset[str]:
        """Natural keys the brand declares for ``kind``."""
        return frozenset(self._declared.get(kind, ()))

    def declared(self, kind: str) -> list[Desired[Any]]:
        """The brand's declared objects of ``kind``."""
        return sorted(self._desired.get(kind, ()), key=lambda d: d.address)

    def id_of(self, kind: str, key: str) -> int | str:
        """Server id of ``kind`` object ``key``: read this run, or created earlier in it."""
        remote = self.objects(kind).get(key)
        if remote is None:
            raise ProviderError(
                f"no {kind} with key {key!r} exists: it was neither read nor created"
            )
        return remote.id

    def find(self, change: Change) -> Remote[Any] | None:
        """The current object a change acts on (by natural key, else by remote id)."""
        objects = self.objects(change.kind)
        if change.key in objects:
            return objects[change.key]
        wanted = str(change.remote_id)
        return next((r for r in objects.values() if str(r.id) == wanted), None)

    async def step(self, name: str, remote_id: int | str | None = None) -> None:
        """Steps are journaled per change (:class:`_ChangeContext`); here there is no write."""


class _ChangeContext:
    """The WriteContext one write sees: the run's, plus :meth:`step` journaled under its op."""

    def __init__(self, ctx: _Context, journal: Journal, op: str) -> None:
        self._ctx, self._journal, self._op = ctx, journal, op
        self.remote_id: int | str | None = None  # set by the step that reports the new id
        self.steps: list[str] = []

    async def current(self, kind: str) -> list[Remote[Any]]:
        """See :meth:`_Context.current`."""
        return await self._ctx.current(kind)

    def declared_keys(self, kind: str) -> frozenset[str]:
        """See :meth:`_Context.declared_keys`."""
        return self._ctx.declared_keys(kind)

    def declared(self, kind: str) -> list[Desired[Any]]:
        """See :meth:`_Context.declared`."""
        return self._ctx.declared(kind)

    def id_of(self, kind: str, key: str) -> int | str:
        """See :meth:`_Context.id_of`."""
        return self._ctx.id_of(kind, key)

    async def step(self, name: str, remote_id: int | str | None = None) -> None:
        """Journal, durably, that step ``name`` of this write is done."""
        if remote_id is not None:
            self.remote_id = remote_id
        self.steps.append(name)
        await self._journal.step_durable(self._op, name, remote_id)


class _Run:
    """One apply: the outcome of every change so far and the bookkeeping around each write."""

    def __init__(
        self,
        desired: Mapping[str, Desired[Any]],
        resources: Mapping[str, Resource[Any]],
        clients: Mapping[str, WriteClient],
        ctx: _Context,
        journal: Journal,
        ledger: Ledger,
        parallelism: int | None,
        on_event: Callable[[ApplyEvent], None] | None,
    ) -> None:
        self.desired, self.resources, self.clients, self.ctx = desired, resources, clients, ctx
        self.journal, self.ledger, self.on_event = journal, ledger, on_event
        self.run_id = new_run_id()
        # None: the clients' adaptive limits decide (omsform.http.concurrency)
        self.limit = asyncio.Semaphore(max(1, parallelism or MAXIMUM))
        self.applied: list[str] = []
        self.failed: dict[str, str] = {}
        self.skipped: dict[str, str] = {}
        self.keep: dict[str, str] = {}  # address → why it must not be deleted
        self.secrets = _desired_secrets(desired, resources)

    # --- scheduling -------------------------------------------------------------------------
    async def level(self, changes: list[Change]) -> None:
        """Run one level's changes concurrently (each catches its own failure)."""
        await asyncio.gather(*(self.one(change) for change in changes))

    async def one(self, change: Change) -> None:
        """Carry out ``change`` unless something it needs did not happen."""
        reason = self.blocked(change)
        if reason:
            self.skipped[change.address] = reason
            self.went_wrong(change)
            self.emit(change, "skipped", reason)
            return
        async with self.limit:
            self.emit(change, "started")
            try:
                note = await self.execute(change)
            except Exception as exc:  # every failure is reported; the run goes on
                self.failed[change.address] = message = self.message(exc)
                self.went_wrong(change)
                self.emit(change, "failed", message)
                return
        self.applied.append(change.address)
        found = None if change.action is Action.DELETE else self.ctx.find(change)
        self.emit(change, "applied", note, found.id if found is not None else None)

    def blocked(self, change: Change) -> str:
        """Why ``change`` must be skipped (``""`` when it may go ahead)."""
        if change.action is Action.DELETE:
            return self.keep.get(change.address, "")
        for dep in change.depends_on:
            if dep in self.failed or dep in self.skipped:
                verb = "failed" if dep in self.failed else "was skipped"
                return f"it depends on {dep}, which {verb}"
        return ""

    def went_wrong(self, change: Change) -> None:
        """Whatever ``change`` points at must now survive: it may still be referenced."""
        for dep in change.depends_on:
            self.keep.setdefault(dep, f"{change.address} still refers to it (not applied)")

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

    # --- one change -------------------------------------------------------------------------
    async def execute(self, change: Change) -> str:
        """Do the writes of ``change``; a note for the report (``""`` usually)."""
        if change.action is Action.CREATE:
            return await self.create(change)
        if change.action is Action.DELETE:
            return await self.delete(change)
        if change.action is Action.REPLACE:
            await self.delete(change)
            try:
                return await self.create(change)
            except Exception as exc:
                raise ProviderError(
                    f"the old object was deleted but creating the new one failed: "
                    f"{self.message(exc)}"
                ) from exc
        current = self.ctx.find(change)
        if current is None:
            raise ProviderError(f"{change.address} no longer exists; run plan again")
        resource, client = self.resources[change.kind], self.clients[change.provider]
        if change.action is Action.RUN:
            remote = await self.write(
                change, "run", lambda ctx: resource.run(client, current, ctx), current.id
            )
            self.ctx.objects(change.kind)[change.key] = remote
            return ""
        changed = _top_fields(change, self.sent(change))
        return await self.update(change, current, changed)

    async def update(
        self, change: Change, current: Remote[Any], changed: frozenset[str], note: str = ""
    ) -> str:
        """Send the update; after an unclear answer, look: done when the live object holds the
        planned values (never provable for write-only ones), else send it once more."""
        resource, client = self.resources[change.kind], self.clients[change.provider]
        spec = self.sent(change)
        for attempt in (1, 2):
            op = await self.intent(change, "update", current.id)
            operation = resource.update(client, current, spec, changed, self.ctx)
            try:
                remote = await operation
            except Exception as exc:
                if not is_ambiguous(exc):
                    self.journal.result(op, False, error=self.message(exc))
                    raise
                found = await self.lookup(change, exc, current.id)
                if found is None:
                    self.journal.result(op, False, error="unclear answer; the object is gone")
                    raise ProviderError(
                        f"{self.message(exc)}; the object is gone now: run plan again"
                    ) from exc
                if attempt == 1 and not self.proven(change, found, changed):
                    self.journal.result(op, False, error="unclear answer; not done: sent again")
                    current = found
                    continue
                if not self.proven(change, found, changed):
                    raise  # stays uncertain in the journal: the next plan shows what is left
                remote = found
                note = note or f"checked after an unclear answer (id {found.id})"
            self.journal.result(op, True, remote_id=remote.id)
            self.ctx.objects(change.kind)[change.key] = remote
            await self.record(change, remote, only=changed)
            return note
        raise AssertionError("unreachable")

    def sent(self, change: Change) -> Spec:
        """The desired spec as an update sends it: open maps merged with the live keys the plan
        kept (:func:`omsform.plan.openmaps.sent_spec`)."""
        return sent_spec(self.desired[change.address].spec, change.kept)

    def proven(self, change: Change, found: Remote[Any], changed: frozenset[str]) -> bool:
        """Whether ``found`` shows that an update of ``changed`` took effect: none of those
        fields differs from the desired spec, and none of them is write-only or secret (those
        can never be read back, so only sending again is sure)."""
        d = self.desired[change.address]
        hidden = {_top(p) for p in (*self.resources[change.kind].write_only, *d.secret_paths)}
        if changed & hidden:
            return False
        return not (self.differences(change, found) & changed)

    def differences(self, change: Change, found: Remote[Any]) -> frozenset[str]:
        """Top-level fields where ``found`` differs from the desired spec (as plan compares
        them; write-only values, which cannot be read back, left out)."""
        d, resource = self.desired[change.address], self.resources[change.kind]
        fields, _ = compare(d, found, type(resource), _NO_FINGERPRINTS)
        return frozenset(_top(f.path) for f in fields)

    async def intent(
        self,
        change: Change,
        verb: str,
        remote_id: int | str | None = None,
        prints: Mapping[str, str] | None = None,
    ) -> str:
        """Journal the intent durably (never a secret: a key that embeds one is masked and
        fingerprinted; ``prints``, the fingerprints of the write-only values a create sends, let
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
            masked_key(change.key, secrets),
            verb,
            key_print=key_print,
            remote_id=remote_id,
            prints=prints,
        )

    def key_secrets(self, change: Change) -> tuple[str, ...]:
        """The secret values inside ``change``'s natural key."""
        found = {s for s in self.secrets if s and s in change.key}
        found |= set(url_credentials(change.key))  # masked in every stored form: fingerprinted
        return tuple(sorted(found | set(change.key_secrets)))

    async def write(
        self,
        change: Change,
        verb: str,
        operation: Callable[[_ChangeContext], Awaitable[T]],
        remote_id: int | str | None = None,
    ) -> T:
        """One journaled write. An ambiguous failure stays uncertain for the next run."""
        op = await self.intent(change, verb, remote_id)
        try:
            result = await operation(_ChangeContext(self.ctx, self.journal, op))
        except Exception as exc:
            if not is_ambiguous(exc):
                self.journal.result(op, False, error=self.message(exc))
            raise
        self.journal.result(op, True, remote_id=getattr(result, "id", None))
        return result

    async def create(self, change: Change) -> str:
        """Create once; after an ambiguous failure look it up, and only if absent try again.

        An object found after an unclear answer counts as this create only where it holds what
        was sent; otherwise the create is finished by an update of what differs (a Ginesys app
        committed but answered 504 still gets its connection tests and enable; a channel whose
        PATCH was dropped gets it again)."""
        with idempotency_scope():  # each POST of this create keeps its Idempotency-Key on retry
            return await self._create(change)

    async def _create(self, change: Change) -> str:
        resource, client = self.resources[change.kind], self.clients[change.provider]
        spec = self.desired[change.address].spec
        prints = await self.sent_prints(change, None)
        for attempt in (1, 2):
            op = await self.intent(change, "create", prints=prints)
            ctx = _ChangeContext(self.ctx, self.journal, op)
            try:
                remote = await resource.create(client, spec, ctx)
            except IncompleteChangeError as exc:  # it exists: record it, still report the failure
                await self.created(change, op, exc.remote, prints, complete=False)
                raise
            except Exception as exc:
                if not is_ambiguous(exc):
                    self.journal.result(op, False, error=self.message(exc))
                    raise
                found = await self.lookup(change, exc, ctx.remote_id)
                if found is None:
                    self.journal.result(op, False, error="unclear answer; it was not created")
                    if attempt == 2:
                        raise
                    continue
                return await self.adopt(change, op, found, ctx.steps, prints)
            await self.created(change, op, remote, prints)
            return ""
        raise AssertionError("unreachable")

    async def adopt(
        self,
        change: Change,
        op: str,
        found: Remote[Any],
        steps: list[str],
        prints: Mapping[str, str],
    ) -> str:
        """A create found by key after an unclear answer: accepted as is when it holds what was
        sent, else finished by an update of the fields that differ."""
        await self.created(change, op, found, prints)  # it exists, with the write-only values sent
        note = f"found it by key after an unclear answer (id {found.id})"
        differ = self.differences(change, found)
        if not differ:
            return note
        immutable = sorted(differ & self.resources[change.kind].immutable)
        if immutable:
            raise ProviderError(
                f"{note}, but its {', '.join(immutable)} differ from what was sent and cannot "
                "change: run plan again"
            )
        done = f" after step {steps[-1]!r}" if steps else ""
        finished = f"{note}{done}; finished it ({', '.join(sorted(differ))})"
        return await self.update(change, found, differ, finished)

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

    async def lookup(
        self, change: Change, cause: Exception, remote_id: int | str | None = None
    ) -> Remote[Any] | None:
        """Re-list the kind and return the object with ``remote_id`` (when known) or else the
        change's natural key (the real one: a key with a secret is never matched masked)."""
        resource, client = self.resources[change.kind], self.clients[change.provider]
        try:
            remotes = await resource.list(client, self.ctx)
        except Exception as exc:
            raise ProviderError(
                f"{self.message(cause)}; looking it up afterwards failed too "
                f"({self.message(exc)}): the next run checks whether it was created"
            ) from exc
        if remote_id is not None:
            return next((r for r in remotes if str(r.id) == str(remote_id)), None)
        return next((r for r in remotes if resource.key(r.spec) == change.key), None)

    async def delete(self, change: Change) -> str:
        """Delete the current object (already gone counts as done) and forget it."""
        current = self.ctx.find(change)
        if current is not None:
            resource, client = self.resources[change.kind], self.clients[change.provider]
            await self.write(
                change, "delete", lambda ctx: resource.delete(client, current, ctx), current.id
            )
            self.ctx.objects(change.kind).pop(change.key, None)
        await asyncio.to_thread(self.ledger.remove, change.address)
        return "" if current is not None else "it was already gone"

    async def sent_prints(self, change: Change, only: frozenset[str] | None) -> dict[str, str]:
        """Fingerprints (path → salted hash) of the write-only and secret values a write of
        ``change`` sends (``only``: the top-level fields of an update)."""
        desired = self.desired[change.address]
        patterns = (*self.resources[change.kind].write_only, *sorted(desired.secret_paths))
        values = comparable(desired.spec)
        sent = {
            path: value
            for pattern in patterns
            for path, value in iter_items(values, pattern)
            if value is not None and (only is None or _top(path) in only)
        }
        slots = {path: secret_slot(change.address, path) for path in sent}
        if sent:
            await asyncio.to_thread(self.ledger.keep_salt)
        return await asyncio.to_thread(
            lambda: {p: self.ledger.fingerprint_for(slots[p], v) for p, v in sent.items()}
        )

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
            kept = {p: f for p, f in old.fingerprints.items() if _top(p) not in only}
            prints = {**kept, **prints}
        key = masked_key(change.key, self.key_secrets(change))
        resource = type(self.resources[change.kind])
        digests = applied_digests(desired, resource) if complete else {}
        # durable now (one fsync'd line, shared with concurrent records): a kill after this
        # write keeps its fingerprints
        line = self.ledger.record(
            change.address, change.kind, key, remote.id, prints, applied=digests, durable=False
        )
        await self.ledger.log.sync_async(line)


def _top(path: str) -> str:
    return str(parse_path(path)[0])


def _top_fields(change: Change, spec: Spec) -> frozenset[str]:
    """Top-level fields an update changes (every field when the plan names none)."""
    names = frozenset(_top(f.path) for f in change.fields if f.path)
    return names or frozenset(type(spec).model_fields)


def _desired_secrets(
    desired: Mapping[str, Desired[Any]], resources: Mapping[str, Resource[Any]]
) -> set[str]:
    """Every secret string in the desired specs the text safety net hides (to keep them out of
    failure messages): the rule is :func:`omsform.secrets.mask.text_secrets`."""
    found: set[str] = set()
    for d in desired.values():
        resource = resources.get(d.kind)
        write_only = resource.write_only if resource else ()
        found |= text_secrets(d.spec, d.secret_paths, write_only)
    return found


def _check_runnable(
    plan: Plan,
    desired: Mapping[str, Desired[Any]],
    resources: Mapping[str, Resource[Any]],
    clients: Mapping[str, WriteClient],
) -> None:
    manual = [c.address for c in plan.changes if c.action is Action.MANUAL]
    if manual:
        raise ApplyError(
            "the plan contains manual changes that omsform cannot make: " + ", ".join(manual)
        )
    problems = []
    for c in plan.changes:
        if c.kind not in resources or c.provider not in clients:
            problems.append(f"{c.address}: no resource or client for {c.kind} ({c.provider})")
        elif c.action in (Action.CREATE, Action.UPDATE, Action.REPLACE) and (
            c.address not in desired
        ):
            problems.append(f"{c.address}: not declared in the brand any more")
    if problems:
        raise ApplyError("the plan does not fit the brand: " + "; ".join(problems))


async def apply_plan(
    plan: Plan,
    desired: Mapping[str, Desired[Any]],
    resources: Mapping[str, Resource[Any]],
    clients: Mapping[str, WriteClient],
    *,
    current: Mapping[str, list[Remote[Any]]],
    journal: Journal,
    ledger: Ledger,
    parallelism: int | None = None,
    on_event: Callable[[ApplyEvent], None] | None = None,
) -> ApplyReport:
    """Carry out ``plan`` (see the module docstring); raises only before the first write."""
    _check_runnable(plan, desired, resources, clients)
    plan = restore_keys(plan, desired, resources)  # a saved plan's masked keys: real again
    resolve_uncertain(journal, current, resources, desired, ledger)
    ctx = _Context(current, resources, desired)
    run = _Run(desired, resources, clients, ctx, journal, ledger, parallelism, on_event)
    forward = [c for c in plan.changes if c.action is not Action.DELETE]
    deletes = [c for c in plan.changes if c.action is Action.DELETE]
    try:
        for level in sorted({c.level for c in forward}):
            await run.level([c for c in forward if c.level == level])
        for level in sorted({c.level for c in deletes}, reverse=True):
            await run.level([c for c in deletes if c.level == level])
    finally:
        ledger.save()
        journal.compact()
    order = {c.address: i for i, c in enumerate(plan.changes)}
    return ApplyReport(
        applied=tuple(sorted(run.applied, key=order.__getitem__)),
        failed=tuple(sorted(run.failed.items(), key=lambda kv: order[kv[0]])),
        skipped=tuple(sorted(run.skipped.items(), key=lambda kv: order[kv[0]])),
    )


def resolve_uncertain(
    journal: Journal,
    current: Mapping[str, Iterable[Remote[Any]]],
    resources: Mapping[str, Resource[Any]],
    desired: Mapping[str, Desired[Any]] | None = None,
    ledger: Ledger | None = None,
) -> list[str]:
    """Settle writes a killed run left uncertain, by remote id (updates, deletes, runs, and
    creates that got past their first step) or else natural key, in ``current``. A create
    found done is recorded in ``ledger`` with the fingerprints its intent carries (what it
    sent), so a kill loses none.

    A key stored masked (it embeds a secret) is matched through its fingerprint: the real key
    comes from ``desired`` when it still has that fingerprint. Returns one line per intent
    saying what was found. Intents whose kind was not read, or whose masked key cannot be
    re-derived, stay uncertain (their line says so).
    """
    lines = []
    for intent in journal.uncertain():
        resource = resources.get(intent.kind)
        if resource is None or intent.kind not in current:
            lines.append(f"{intent.address}: an interrupted {intent.action} could not be checked")
            continue
        remotes = list(current[intent.kind])
        key = _real_key(intent, resource, desired or {})
        if key is None:
            lines.append(
                f"{intent.address}: an interrupted {intent.action} could not be checked (its key "
                "embeds a secret that changed since); the plan rechecks it"
            )
            continue
        if intent.remote_id:
            found = next((r for r in remotes if str(r.id) == intent.remote_id), None)
        else:
            found = next((r for r in remotes if resource.key(r.spec) == key), None)
        line = _resolution(intent, found)
        if ledger is not None and intent.action == "create" and found is not None:
            ledger.record(intent.address, intent.kind, intent.key, found.id, dict(intent.prints))
        journal.resolve(intent.op_id, line)
        lines.append(line)
    return lines


def _real_key(
    intent: Intent, resource: Resource[Any], desired: Mapping[str, Desired[Any]]
) -> str | None:
    """The intent's natural key in clear (``None`` when it was masked and cannot be known)."""
    if not intent.key_print:
        return intent.key
    d = desired.get(intent.address)
    if d is None or d.kind != intent.kind:
        return None if not intent.remote_id else ""
    real = resource.key(d.spec)
    if key_matches(intent.key_print, real, secrets_in_key(d, real)):
        return real
    return None if not intent.remote_id else ""


def _resolution(intent: Intent, found: Remote[Any] | None) -> str:
    address, action = intent.address, intent.action
    if action == "create":
        if found is not None and intent.steps:
            return (
                f"{address}: an interrupted create did happen (id {found.id}) and stopped after "
                f"step {intent.steps[-1]!r}; the plan continues it"
            )
        if found is not None:
            return f"{address}: an interrupted create did happen (id {found.id}); kept as is"
        return f"{address}: an interrupted create did not happen; the plan creates it"
    if action == "delete":
        happened = "did not happen" if found is not None else "did happen"
        return f"{address}: an interrupted delete {happened}"
    return f"{address}: an interrupted {action} may or may not have happened; the plan rechecks it"
