"""Carrying out a plan: exactly the planned changes, one write each, in dependency order.

- Creates, updates, replaces (delete, then create) and runs go level by level, top-down; deletes
  come after everything else, bottom-up. Within a level up to ``parallelism`` run at once (by
  default twice the clients' most requests in flight,
  :data:`~omsform.apply.bookkeeping.IN_PROGRESS`: their adaptive limits decide how many
  requests are sent at once).
- The write's answer becomes the current object (its id serves ``ctx.id_of`` for dependants).
- A failed change is reported with the API's (redacted) message; every change that depends on
  it is skipped, and so is the delete of anything it still points at. Independent changes go on.
- An update sends exactly the top-level fields the plan recorded (:attr:`Change.sends`), with
  values from the brand as loaded for this run (:class:`~omsform.apply.work.ApplyInput`).
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
from collections.abc import Callable, Mapping
from typing import Any

from omsform.apply.bookkeeping import ApplyEvent
from omsform.apply.context import RunContext
from omsform.apply.journal import Journal
from omsform.apply.ledger import Ledger
from omsform.apply.recover import resolve_uncertain
from omsform.apply.report import ApplyReport
from omsform.apply.work import ApplyInput
from omsform.apply.writes import Writes
from omsform.contract.resource import Resource, SharedValues
from omsform.contract.spec import Remote
from omsform.errors import ProviderError
from omsform.http.client import WriteClient
from omsform.plan.model import Action, Change

_Context = RunContext  # the name tests and older callers import

__all__ = ["ApplyEvent", "ApplyInput", "apply_plan", "resolve_uncertain"]


class _Run(Writes):
    """One apply: the order of its changes, and what happens to each."""

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
        return await self.update(change, current, self.work.sends(change))


async def apply_plan(
    work: ApplyInput,
    resources: Mapping[str, Resource[Any]],
    clients: Mapping[str, WriteClient],
    *,
    current: Mapping[str, list[Remote[Any]]],
    journal: Journal,
    ledger: Ledger,
    parallelism: int | None = None,
    on_event: Callable[[ApplyEvent], None] | None = None,
    shared: SharedValues | None = None,
) -> ApplyReport:
    """Carry out ``work`` (made by :func:`omsform.apply.work.apply_input`, which refuses what
    cannot run; see the module docstring): the writes of each change go to the clients of
    ``clients`` by provider name, starting from the ``current`` objects (and the lookups in
    ``shared`` that reading them made)."""
    plan, desired = work.plan, work.specs
    resolve_uncertain(journal, current, resources, desired, ledger)
    ctx = RunContext(current, resources, desired, shared)
    run = _Run(work, resources, clients, ctx, journal, ledger, parallelism, on_event)
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
