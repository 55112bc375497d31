"""The write contexts of an apply run (the ``WriteContext`` a Resource's writes see):
:class:`RunContext`, the current objects by kind and key as writes land, and
:class:`ChangeContext`, the same for one write with its steps journaled under its operation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
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
        self._index: dict[str, _Objects] = {}
        self._declared: dict[str, frozenset[str]] = {}  # worked out for the kinds asked about
        self._all_desired = desired
        self._by_kind: dict[str, list[Desired[Any]]] | None = None  # made when first asked
        self._shared = shared if shared is not None else SharedValues()

    def _desired(self, kind: str) -> list[Desired[Any]]:
        """The declared objects of ``kind`` (none unless a resource serves it)."""
        if self._by_kind is None:  # most runs never ask: no pass over 6,000 objects per apply
            self._by_kind = {}
            for d in self._all_desired.values():
                if d.kind in self._resources:
                    self._by_kind.setdefault(d.kind, []).append(d)
        return self._by_kind.get(kind, [])

    def objects(self, kind: str) -> dict[str, Remote[Any]]:
        """Key → current object of ``kind`` (empty when the kind was not read)."""
        found = self._index.get(kind)
        if found is None:
            resource = self._resources.get(kind)
            remotes = self._current.get(kind, ()) if resource else ()
            found = self._index[kind] = _Objects(
                {resource.key(r.spec): r for r in remotes} if resource else {}
            )
        return found

    async def current(self, kind: str) -> list[Remote[Any]]:
        """Current objects of ``kind``, including what this apply wrote so far."""
        return list(self.objects(kind).values())

    def declared_keys(self, kind: str) -> frozenset[str]:
        """Natural keys the brand declares for ``kind``."""
        keys = self._declared.get(kind)
        if keys is None:  # a natural key costs a dump of the spec: only kinds that ask pay
            resource = self._resources.get(kind)
            desired = self._desired(kind)
            keys = frozenset(resource.key(d.spec) for d in desired) if resource else frozenset()
            self._declared[kind] = keys
        return keys

    def declared(self, kind: str) -> list[Desired[Any]]:
        """The brand's declared objects of ``kind``."""
        return sorted(self._desired(kind), key=lambda d: d.address)

    async def ids(self, kind: str) -> Mapping[str, int | str]:
        """Natural key → server id of every current object of ``kind`` (a read-only view, kept
        up to date as writes land: reading a reference in each write's answer costs no copy)."""
        self.objects(kind)
        return self._index[kind].view

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

    async def ids(self, kind: str) -> Mapping[str, int | str]:
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


class _Objects(dict[str, Remote[Any]]):
    """Key → current object of one kind, with ``ids`` (key → server id) kept beside it. Apply
    changes it by item only (``[key] = remote``, ``pop``); the other ways of changing a dict
    are refused rather than leaving ``ids`` behind."""

    def __init__(self, objects: dict[str, Remote[Any]]) -> None:
        super().__init__(objects)
        self.ids: dict[str, int | str] = {key: remote.id for key, remote in objects.items()}
        self.view = _Ids(self)
        self._by_id: dict[int | str, str] | None = None  # ids inverted, once per change

    def __setitem__(self, key: str, remote: Remote[Any]) -> None:
        super().__setitem__(key, remote)
        self.ids[key] = remote.id
        self._by_id = None

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        del self.ids[key]
        self._by_id = None

    def pop(self, key: str, *default: Any) -> Any:
        """Remove ``key`` (see :meth:`dict.pop`)."""
        self.ids.pop(key, None)
        self._by_id = None
        return super().pop(key, *default)

    def by_id(self) -> dict[int | str, str]:
        """Server id → natural key (the last key of an id held twice, as inverting ``ids``)."""
        if self._by_id is None:
            self._by_id = {pk: key for key, pk in self.ids.items()}
        return self._by_id

    def _unsupported(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("change the current objects one key at a time")

    update = setdefault = popitem = clear = __ior__ = _unsupported


class _Ids(Mapping[str, int | str]):
    """Natural key → server id of one kind's current objects, read-only and up to date; what
    :func:`omsform.contract.refs.decode` reads each write's answer with (``by_id``: inverted,
    made again only after the objects changed)."""

    def __init__(self, objects: _Objects) -> None:
        self._objects = objects

    def __getitem__(self, key: str) -> int | str:
        return self._objects.ids[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._objects.ids)

    def __len__(self) -> int:
        return len(self._objects.ids)

    def by_id(self) -> Mapping[int | str, str]:
        """Server id → natural key."""
        return self._objects.by_id()
