"""Reading ahead while a brand loads (``omsform plan``): :func:`start` and :class:`Head`.

The list GETs of a plan do not depend on the objects' YAML, only on the provider blocks of
``omsform.yaml`` and on which kinds the brand declares. :func:`start` reads those two (the
blocks validated as loading does, the kinds told from the resource files' text,
:mod:`omsform.engine.ahead_kinds`), opens the providers' clients and starts the bulk listing
of every kind the run certainly reads on the running event loop; the brand is then loaded in
a worker thread while the answers arrive, and the read that follows takes each listing from
:attr:`Head.listings` instead of sending its GETs again. The calls made are the ones the plan
makes anyway, each once, and in the same order wherever order matters.

Only what is certain starts ahead; everything else is read after loading, as it always was
(:meth:`Listings.take` finds nothing for it): the kinds of a templated file (a template may
drop or rename any block) or of a file whose top-level lines are not all plain kind keys; a
kind not listed in one bulk listing (setup steps and the stock integration are read one
object at a time); a kind whose listing waits for the read of a kind the brand may declare
(:attr:`~omsform.contract.resource.Resource.lists_after`: channels after the setup steps'
reads); the kinds of a provider whose block has an ``api:`` map; kinds only referenced by
declared objects. No head start at all (``None``) on any problem in ``omsform.yaml``, an
unreadable file, a ``${env.…}``/``${secret.…}`` that is not set or an unknown top-level key:
loading reports it, and a brand that does not load makes no request. Other errors only
loading finds (a field's type, a reference to nothing) come out as without the head start,
but the listings started ahead were sent by then.
``plan --changed-since`` narrows the kinds to those its partial plan certainly reads
(:mod:`omsform.engine.ahead_since`). :meth:`Head.under_way` lets the clients open and the first
requests go out before loading starts competing for the interpreter.
Failures stay where they were: a client that failed to open raises when the run takes it,
after loading; a listing that failed raises its error (the client's own: the same request
failing the same way) when the read takes it, so it is reported as without the head start.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from omsform.contract.provider import Registry, registry
from omsform.contract.rest import RestResource
from omsform.engine.ahead_kinds import KindScan, scan_kinds
from omsform.errors import OmsformError
from omsform.http.client import ApiClient, ClientOptions, WriteClient

if TYPE_CHECKING:  # the engine (loading's modules with it) is imported while the listings run
    from omsform.engine.session import Session

PASSES_BEFORE_LOADING = 2  # one pass opens a client with a token and sends its first GETs
ListingKey = tuple[str, str, int, str]
"""(provider, collection path, page size, page-size parameter) of one bulk listing."""


@dataclass
class Listings:
    """Bulk listings started ahead, by :data:`ListingKey`; each is handed out once."""

    tasks: dict[ListingKey, asyncio.Task[list[dict[str, Any]]]] = field(default_factory=dict)

    async def take(self, key: ListingKey) -> list[dict[str, Any]] | None:
        """The rows listed ahead under ``key``, or its failure as the client reported it (the
        same request would fail the same way again, after as many retries); ``None`` when
        nothing was listed ahead under ``key`` or it ended otherwise (the caller lists)."""
        task = self.tasks.pop(key, None)
        if task is None:
            return None
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled():
                return None
            raise
        except OmsformError:
            raise
        except Exception:
            return None

    def serving(self, clients: Mapping[str, ApiClient]) -> dict[str, ApiClient]:
        """Read-only views of ``clients`` whose ``list_all`` takes these listings first."""
        return {name: _Served.of(client, self) for name, client in clients.items()}

    async def cancel(self) -> None:
        """Stop the listings nobody took and wait until they end."""
        left = list(self.tasks.values())
        self.tasks.clear()
        for task in left:
            task.cancel()
        if left:
            await asyncio.wait(left)


class _Served(ApiClient):
    """A read-only client view that answers a bulk listing from :class:`Listings` when it was
    started ahead (once), and sends everything else as usual."""

    _listings: Listings

    @classmethod
    def of(cls, client: ApiClient, listings: Listings) -> _Served:
        view = client.view_as(cls)
        view._listings = listings
        return view

    async def list_all(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int = 100,
        page_size_param: str = "page_size",
    ) -> list[dict[str, Any]]:
        """See :meth:`ApiClient.list_all`."""
        if not params:
            rows = await self._listings.take((self.provider, path, page_size, page_size_param))
            if rows is not None:
                return rows
        return await super().list_all(
            path, params, page_size=page_size, page_size_param=page_size_param
        )


@dataclass
class Head:
    """Clients opened and listings started before the brand was loaded (see the module)."""

    registry: Registry
    blocks: dict[str, BaseModel]  # provider name → the validated block its client is opened with
    opening: dict[str, asyncio.Task[WriteClient]]
    listings: Listings

    async def session(self, brand: Any, kinds: list[str], options: ClientOptions) -> Session:
        """The run's :class:`Session` for ``kinds`` of the loaded ``brand``: the clients opened
        ahead (when the loaded blocks are the ones they were opened with), the others opened
        now; an error opening one is raised here, as :func:`open_session` raises it."""
        from omsform.engine.session import open_session

        needed = self.registry.providers_for(kinds)
        ahead = [n for n in needed if n in self.opening and _same_block(brand, n, self.blocks)]
        rest = [k for k in kinds if self.registry.provider_of.get(k) not in ahead]
        session = await open_session(brand, kinds=rest, options=options, providers=self.registry)
        session.listings = self.listings
        try:
            for name in ahead:
                client = await self.opening.pop(name)
                session.clients[name] = client
                # the loaded brand's secrets are known now: its clients redact them too
                client.learn_secrets(brand.secrets)
        except BaseException:
            await session.__aexit__(None, None, None)
            raise
        return session

    async def under_way(self) -> None:
        """Let the loop run what was started up to its first wait on the network (a login, a
        listing's first page) before loading competes for the interpreter: opening a client
        (~15 ms) would otherwise run at loading's pace, and every request after it."""
        for _ in range(PASSES_BEFORE_LOADING):
            await asyncio.sleep(0)

    async def aclose(self) -> None:
        """Stop what the run did not take: listings, and clients it did not use."""
        await self.listings.cancel()
        opening = list(self.opening.values())
        self.opening.clear()
        for task in opening:
            if not task.done():
                task.cancel()
        if opening:
            await asyncio.wait(opening)
        for task in opening:
            if not task.cancelled() and task.exception() is None:
                await task.result().aclose()


Narrowing = Callable[[frozenset[str]], Collection[str] | None]
"""Given the kinds the loaded brand certainly manages (declared for certain, or pruned), the
kinds the run certainly reads among them; ``None``: not known for certain (no head start)."""


def start(directory: Path, options: ClientOptions, narrow: Narrowing | None = None) -> Head | None:
    """Open clients and start the bulk listings of ``directory``'s brand on the running loop;
    ``None`` when that cannot be done with certainty (see the module). ``narrow``: the run reads
    fewer kinds than a full plan (``plan --changed-since``, :mod:`omsform.engine.ahead_since`)."""
    try:
        return _start(directory, options, narrow)
    except Exception:  # a head start only saves time: loading reports what went wrong
        return None


def _start(directory: Path, options: ClientOptions, narrow: Narrowing | None) -> Head | None:
    reg = registry()
    blocks, prune = _provider_blocks(directory, reg)
    scan = scan_kinds(directory, reg.kinds, os.environ)
    if blocks is None or scan is None:
        return None
    resources = reg.resources()
    kinds = _listed_ahead(reg, resources, blocks, scan, prune)
    if narrow is not None:
        managed = frozenset(scan.certain | {k for k in prune if k in reg.kinds})
        read = narrow(managed)
        kinds = [k for k in kinds if read is not None and k in read]
    if not kinds:
        return None
    names = reg.providers_for(kinds)
    opening = {n: asyncio.ensure_future(reg.providers[n].open(blocks[n], options)) for n in names}
    listings = Listings()
    for kind in kinds:
        resource = resources[kind]
        assert isinstance(resource, RestResource)
        size, param = resource.endpoint.page_size()
        path = resource.endpoint.collection()
        key = (reg.provider_of[kind], path, size, param)
        listings.tasks[key] = asyncio.ensure_future(
            _listing(opening[reg.provider_of[kind]], path, size, param)
        )
        listings.tasks[key].add_done_callback(_retrieve)
    for task in opening.values():
        task.add_done_callback(_retrieve)
    return Head(reg, {n: blocks[n] for n in names}, opening, listings)


def _listed_ahead(
    reg: Registry,
    resources: Mapping[str, Any],
    blocks: Mapping[str, BaseModel],
    scan: KindScan,
    prune: Iterable[str],
) -> list[str]:
    """The kinds whose listing starts ahead: those the run certainly reads (declared for
    certain, or pruned), each listed in one bulk listing, by a provider whose block has no
    ``api:`` map, and not waiting for the read of a kind the brand may declare."""
    wanted = scan.certain | {k for k in prune if k in reg.kinds}
    return sorted(
        kind
        for kind in wanted
        if _bulk(resources[kind])
        and not any(scan.may_declare(first) for first in resources[kind].lists_after)
        and _plain_block(reg, reg.provider_of[kind], blocks)
    )


async def _listing(
    opening: asyncio.Future[WriteClient], path: str, size: int, param: str
) -> list[dict[str, Any]]:
    client = await asyncio.shield(opening)
    return await client.read_only().list_all(path, page_size=size, page_size_param=param)


def _retrieve(task: asyncio.Future[Any]) -> None:
    """Mark an outcome as seen: a failure here is reported, if at all, by the run itself."""
    if not task.cancelled():
        task.exception()


def _bulk(resource: Any) -> bool:
    """Whether the kind's listing is one bulk listing of its collection (:meth:`rows`)."""
    return isinstance(resource, RestResource) and type(resource).rows is RestResource.rows


def _plain_block(reg: Registry, name: str, blocks: Mapping[str, BaseModel]) -> bool:
    """Whether provider ``name`` has a validated block without an ``api:`` map (which would
    change the paths listed: that provider's kinds are read after loading)."""
    provider = reg.providers[name]
    if name not in blocks:
        return False
    return provider.api is None or not provider.api_overrides(blocks[name])


def _same_block(brand: Any, name: str, blocks: Mapping[str, BaseModel]) -> bool:
    try:
        return bool(brand.provider_config(name) == blocks[name])
    except Exception:
        return False


def _provider_blocks(
    directory: Path, reg: Registry
) -> tuple[dict[str, BaseModel] | None, tuple[str, ...]]:
    """The validated provider blocks of ``omsform.yaml`` and its pruned kinds, as loading
    tells them; ``None`` on any problem or warning (loading will report it)."""
    from omsform.lang.config import load_config
    from omsform.lang.interpolate import Resolver

    kinds = {k: (reg.providers[reg.provider_of[k]], r) for k, r in reg.kinds.items()}
    problems: list[Any] = []
    warnings: list[Any] = []
    loaded = load_config(
        directory, reg.providers, kinds, Resolver(os.environ, offline=False), problems, warnings
    )
    if problems or warnings or loaded.config is None:
        return None, ()
    return dict(loaded.providers), tuple(loaded.config.manage.prune)
