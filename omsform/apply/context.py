"""The write contexts of an apply run (the ``WriteContext`` a Resource's writes see):
:class:`RunContext`, the current objects by kind and key as writes land, and
:class:`ChangeContext`, the same for one write with its steps journaled under its operation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from omsform.apply.journal import Journal
from omsform.contract.resource import Resource, SharedValues
from omsform.contract.spec import Desired, Remote
from omsform.errors import ProviderError
from omsform.plan.model import Change

T = TypeVar("T")


class RunContext:
    """The WriteContext of a run: current objects by kind and key, updated as writes land."""

    def __init__(
        self,
        current: Mapping[str, Iterable[Remote[Any]]],
        resources: Mapping[str, Resource[Any]],
        desired: Mapping[str, Desired[Any]],
        shared: SharedValues | None = None,
    ) -> None:
        self._current, self._resources = current, resources
        self._index: dict[str, dict[str, Remote[Any]]] = {}
        self._declared: dict[str, set[str]] = {}
        self._desired: dict[str, list[Desired[Any]]] = {}
        self._shared = shared if shared is not None else SharedValues()
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

    async def ids(self, kind: str) -> dict[str, int | str]:
        """Natural key → server id of every current object of ``kind``."""
        return {key: r.id for key, r in self.objects(kind).items()}

    async def shared(self, name: str, load: Callable[[], Awaitable[T]]) -> T:
        """What ``load()`` gives, made once per apply under ``name`` (package states)."""
        return await self._shared.get(name, load)

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
        """Steps are journaled per change (:class:`ChangeContext`); here there is no write."""


class ChangeContext:
    """The WriteContext one write sees: the run's, plus :meth:`step` journaled under its op."""

    def __init__(self, ctx: RunContext, journal: Journal, op: str) -> None:
        self._ctx, self._journal, self._op = ctx, journal, op
        self.remote_id: int | str | None = None  # set by the step that reports the new id
        self.steps: list[str] = []

    async def current(self, kind: str) -> list[Remote[Any]]:
        """See :meth:`RunContext.current`."""
        return await self._ctx.current(kind)

    def declared_keys(self, kind: str) -> frozenset[str]:
        """See :meth:`RunContext.declared_keys`."""
        return self._ctx.declared_keys(kind)

    def declared(self, kind: str) -> list[Desired[Any]]:
        """See :meth:`RunContext.declared`."""
        return self._ctx.declared(kind)

    async def ids(self, kind: str) -> dict[str, int | str]:
        """See :meth:`RunContext.ids`."""
        return await self._ctx.ids(kind)

    async def shared(self, name: str, load: Callable[[], Awaitable[T]]) -> T:
        """See :meth:`RunContext.shared`."""
        return await self._ctx.shared(name, load)

    def id_of(self, kind: str, key: str) -> int | str:
        """See :meth:`RunContext.id_of`."""
        return self._ctx.id_of(kind, key)

    async def step(self, name: str, remote_id: int | str | None = None) -> None:
        """Journal, durably, that step ``name`` of this write is done."""
        if remote_id is not None:
            self.remote_id = remote_id
        self.steps.append(name)
        await self._journal.step_durable(self._op, name, remote_id)
