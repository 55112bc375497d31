"""Reading current objects: every requested kind listed concurrently, each kind exactly once.

A kind's ``list`` may need another kind's objects (items name their group): it awaits
``ctx.current(other)``, which shares one memoised listing per kind. Any failure fails the whole
read, so a plan is never built from a partial view of the live systems.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from omsform.contract.resource import Resource, SharedValues
from omsform.contract.spec import Desired, Remote
from omsform.dag import path_between
from omsform.errors import OmsformError, ProviderError
from omsform.http.client import ApiClient, gather_all

_listing: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "omsform_listing", default=None
)
"""The kind whose ``list`` runs in this task (to report a cycle instead of hanging)."""
T = TypeVar("T")


class Reader:
    """The :class:`~omsform.contract.resource.ReadContext` of a run: listings by kind, memoised.

    ``resources`` maps kind → Resource instance, ``clients`` provider name → client,
    ``provider_of`` kind → provider name, ``declared`` kind → natural keys the brand declares
    (kinds read one object at a time, such as setup steps, read only those), ``desired`` kind →
    the declared objects themselves (for ``ctx.declared``); ``on_listed(kind, count)`` is told
    as each listing finishes (progress display).
    """

    def __init__(
        self,
        resources: Mapping[str, Resource[Any]],
        clients: Mapping[str, ApiClient],
        provider_of: Mapping[str, str],
        declared: Mapping[str, Iterable[str]] | None = None,
        desired: Mapping[str, Sequence[Desired[Any]]] | None = None,
        on_listed: Callable[[str, int], None] | None = None,
        shared: SharedValues | None = None,
    ) -> None:
        self.resources, self.clients, self.provider_of = resources, clients, provider_of
        self.on_listed = on_listed
        self._declared = {kind: frozenset(keys) for kind, keys in (declared or {}).items()}
        self._desired = {kind: list(items) for kind, items in (desired or {}).items()}
        self._tasks: dict[str, asyncio.Task[list[Remote[Any]]]] = {}
        self._waits: dict[str, set[str]] = {}  # kind being listed → kinds its list awaits
        self._shared = shared if shared is not None else SharedValues()

    async def current(self, kind: str) -> list[Remote[Any]]:
        """All current objects of ``kind`` (listed once per run, shared by every caller)."""
        me = _listing.get()
        if me is not None:
            path = path_between(self._waits, kind, me)
            if path:
                cycle = " → ".join([me, *path])
                raise ProviderError(f"listing these kinds needs each other in a cycle: {cycle}")
            self._waits.setdefault(me, set()).add(kind)
        task = self._tasks.get(kind)
        if task is None:
            task = asyncio.ensure_future(self._list(kind))
            self._tasks[kind] = task
        try:
            # shield: one caller being cancelled must not cancel the listing others wait for
            return await asyncio.shield(task)
        finally:
            if me is not None:
                self._waits[me].discard(kind)

    def declared_keys(self, kind: str) -> frozenset[str]:
        """Natural keys the brand declares for ``kind``."""
        return self._declared.get(kind, frozenset())

    def declared(self, kind: str) -> list[Desired[Any]]:
        """The brand's declared objects of ``kind``."""
        return list(self._desired.get(kind, ()))

    async def ids(self, kind: str) -> dict[str, int | str]:
        """Natural key → server id of every current object of ``kind``."""
        listed = await self.current(kind)  # a kind without a resource fails here, clearly
        key = self.resources[kind].key
        return {key(r.spec): r.id for r in listed}

    async def shared(self, name: str, load: Callable[[], Awaitable[T]]) -> T:
        """What ``load()`` gives, made once per run under ``name`` (package states)."""
        return await self._shared.get(name, load)

    async def relist(self, kind: str) -> list[Remote[Any]]:
        """List ``kind`` again now (after an ambiguous write), replacing the memoised listing."""
        self._tasks.pop(kind, None)
        return await self.current(kind)

    async def close(self) -> None:
        """Cancel listings still running (after a failure elsewhere) and wait until they end,
        collecting every error, so none outlives the read: a listing cancelled mid-request
        may still end with its own error, which asyncio would otherwise report at shutdown."""
        tasks: list[asyncio.Future[Any]] = [*self._tasks.values(), *self._shared.tasks.values()]
        for task in tasks:
            task.cancel()
            task.add_done_callback(_retrieve)
        if tasks:
            await asyncio.wait(tasks)

    async def _list(self, kind: str) -> list[Remote[Any]]:
        resource = self.resources.get(kind)
        provider = self.provider_of.get(kind)
        client = self.clients.get(provider) if provider is not None else None
        if resource is None or client is None:
            raise ProviderError(f"cannot list {kind}: no resource or no client for its provider")
        _listing.set(kind)
        try:
            listed = list(await resource.list(client, self))
        except OmsformError:
            raise
        except Exception as exc:  # a kind's bug or an unexpected answer: fail this read clearly
            raise ProviderError(f"listing {kind} failed: {type(exc).__name__}: {exc}") from exc
        if self.on_listed is not None:
            self.on_listed(kind, len(listed))
        return listed


async def read_current(
    kinds: Iterable[str],
    resources: Mapping[str, Resource[Any]],
    clients: Mapping[str, ApiClient],
    provider_of: Mapping[str, str],
    *,
    declared: Mapping[str, Iterable[str]] | None = None,
    desired: Mapping[str, Sequence[Desired[Any]]] | None = None,
    reader: Reader | None = None,
    on_listed: Callable[[str, int], None] | None = None,
    shared: SharedValues | None = None,
) -> dict[str, list[Remote[Any]]]:
    """Current objects of every kind in ``kinds``, all listed concurrently; any failure raises.

    ``declared`` (kind → declared natural keys) feeds ``ctx.declared_keys``, ``desired`` (kind →
    declared objects) ``ctx.declared``; pass ``reader`` to keep its memoised listings for later;
    ``on_listed(kind, count)`` is told as each kind's listing finishes; ``shared`` keeps the
    lookups made (``ctx.shared``) for the rest of the run.
    """
    reader = reader or Reader(resources, clients, provider_of, declared, desired, on_listed, shared)
    wanted = sorted(set(kinds))
    try:
        listed = await gather_all(reader.current(kind) for kind in wanted)
    except BaseException:
        await reader.close()
        raise
    return dict(zip(wanted, listed, strict=True))


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Mark a finished task's outcome as seen (the first error was already reported)."""
    if not task.cancelled():
        task.exception()
