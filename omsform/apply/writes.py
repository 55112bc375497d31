"""The writes of one apply run: create (looked up after an unclear answer, never made twice),
update (checked after an unclear answer, sent once more unless the live object proves it),
delete, and the lookups they need. See :mod:`omsform.apply.run` for the rules."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from omsform.apply.bookkeeping import RunState
from omsform.apply.context import ChangeContext
from omsform.contract.spec import Remote
from omsform.errors import IncompleteChangeError, ProviderError
from omsform.http.client import idempotency_scope, is_ambiguous
from omsform.paths import top_field
from omsform.plan.compare import Fingerprints, compare
from omsform.plan.model import Change

_NO_FINGERPRINTS = Fingerprints({}, None, False)  # write-only values: never compared here


class Writes(RunState):
    """The writes of a run, on top of its state and bookkeeping."""

    async def update(
        self, change: Change, current: Remote[Any], changed: frozenset[str], note: str = ""
    ) -> str:
        """Send the update; after an unclear answer, look: done when the live object holds the
        planned values (never provable for write-only ones), else send it once more."""
        resource, client = self.resources[change.kind], self.clients[change.provider]
        spec = self.work.spec_for(change)
        # hashed before the write, as for a create: once it is answered nothing slow stands
        # between the journal's result and the ledger, and a killed run knows what was sent
        prints = await self.sent_prints(change, changed)
        for attempt in (1, 2):
            op = await self.intent(change, "update", current.id, prints=prints)
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
            await self.record(change, remote, only=changed, prints=prints)
            return note
        raise AssertionError("unreachable")

    def proven(self, change: Change, found: Remote[Any], changed: frozenset[str]) -> bool:
        """Whether ``found`` shows that an update of ``changed`` took effect: none of those
        fields differs from the desired spec, and none of them is write-only or secret (those
        can never be read back, so only sending again is sure)."""
        d = self.desired[change.address]
        hidden = {top_field(p) for p in (*self.resources[change.kind].write_only, *d.secret_paths)}
        if changed & hidden:
            return False
        return not (self.differences(change, found) & changed)

    def differences(self, change: Change, found: Remote[Any]) -> frozenset[str]:
        """Top-level fields where ``found`` differs from the desired spec (as plan compares
        them; write-only values, which cannot be read back, left out)."""
        d, resource = self.desired[change.address], self.resources[change.kind]
        return compare(d, found, type(resource), _NO_FINGERPRINTS).top

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
            ctx = ChangeContext(self.ctx, self.journal, op)
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
