"""Reading ahead while a brand loads (``omsform plan``): :func:`start` and :class:`Head`.

The list GETs of a plan do not depend on the objects' YAML, only on the provider blocks of
``omsform.yaml`` and on which kinds the brand declares. :func:`start` reads those two (the
blocks validated as loading does, the kinds told from the resource files' top-level lines),
opens the providers' clients and starts every bulk listing on the running event loop; the
brand is then loaded in a worker thread while the answers arrive, and the read that follows
takes each listing from :attr:`Head.listings` instead of sending its GETs again. The calls
made are the ones the plan makes anyway, each once.

Whenever that cannot be told with certainty the head start is simply not taken (``None``):
any problem in ``omsform.yaml``, a templated resource file, a top-level line that is not a
plain kind key, a provider block with an ``api:`` map, or a declared kind that is not listed
in one bulk listing (a kind read one object at a time, such as setup steps, orders the reads
of what it copies in, so the whole read then happens after loading, as it always did).
Failures stay where they were: a client that failed to open raises when the run takes it,
after loading; a listing that failed raises its error (the client's own: the same request
failing the same way) when the read takes it, so it is reported as without the head start.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from omsform.contract.provider import Registry, registry
from omsform.contract.rest import RestResource
from omsform.errors import OmsformError
from omsform.http.client import ApiClient, ClientOptions, WriteClient

if TYPE_CHECKING:  # the engine (loading's modules with it) is imported while the listings run
    from omsform.engine.session import Session

ListingKey = tuple[str, str, int, str]
"""(provider, collection path, page size, page-size parameter) of one bulk listing."""

# a top-level line starts right after a newline: the literal "\n" lets the engine skip ahead
_NEXT_TOP = re.compile(r"\n(?=[^\s#])")
_KIND_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:[ \t]*(?:#[^\n]*)?\r?")
_INDENTED = re.compile(r"\n[ \t]+[^\s#]")  # a line of content below a top-level key
_TEMPLATED = ("{{", "{%", "{#")


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
        view = cls.__new__(cls)
        # the view shares the client's pool, limits and counters, as ApiClient._view does
        view._core, view._backoff, view._owner = client._core, client._backoff, False
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
                client._core.secrets = client._core.secrets | brand.secrets
        except BaseException:
            await session.__aexit__(None, None, None)
            raise
        return session

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


def start(directory: Path, options: ClientOptions) -> Head | None:
    """Open clients and start the bulk listings of ``directory``'s brand on the running loop;
    ``None`` when that cannot be done with certainty (see the module)."""
    try:
        return _start(directory, options)
    except Exception:  # a head start only saves time: loading reports what went wrong
        return None


def _start(directory: Path, options: ClientOptions) -> Head | None:
    reg = registry()
    blocks, prune = _provider_blocks(directory, reg)
    declared = declared_kinds(directory, reg.kinds)
    if blocks is None or declared is None:
        return None
    kinds = sorted(declared | {k for k in prune if k in reg.kinds})
    resources = reg.resources()
    if not kinds or not all(_bulk(resources[k]) for k in kinds):
        return None
    names = reg.providers_for(kinds)
    if any(n not in blocks or _overrides(reg, n, blocks[n]) for n in names):
        return None
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


def _overrides(reg: Registry, name: str, block: BaseModel) -> bool:
    provider = reg.providers[name]
    return provider.api is not None and bool(provider.api_overrides(block))


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


def declared_kinds(directory: Path, known: Iterable[str]) -> set[str] | None:
    """The kinds the resource files of ``directory`` declare objects of, told from their
    top-level lines; ``None`` unless every such line is a known kind's key with content
    below it in a file without templates."""
    from omsform.lang.partial import resource_files

    names, kinds = set(known), set()
    for path in resource_files(directory):
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
        if any(marker in text for marker in _TEMPLATED):
            return None
        starts = [0] if text[:1] and not text[0].isspace() and text[0] != "#" else []
        starts += [m.end() for m in _NEXT_TOP.finditer(text)]
        for n, at in enumerate(starts):
            line_end = text.find("\n", at) % (len(text) + 1)  # -1 (the last line) → the end
            line = text[at:line_end]
            if line.startswith(("---", "...")):
                continue
            key = _KIND_KEY.fullmatch(line)
            if key is None or key.group(1) not in names:
                return None
            below = starts[n + 1] if n + 1 < len(starts) else len(text)
            if not _INDENTED.search(text, line_end, below):
                return None
            kinds.add(key.group(1))
    return kinds
