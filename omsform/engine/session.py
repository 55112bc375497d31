"""A run's open clients: :class:`Session` (the brand, the run's provider
:class:`~omsform.contract.provider.Registry` and one authenticated client per provider it
needs), :func:`open_session`, and reading the current objects through it (:func:`read`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from omsform.apply.durable import file_state
from omsform.apply.ledger import PENDING_NAME, Ledger
from omsform.contract import refs
from omsform.contract.apimap import overridden
from omsform.contract.provider import Provider, Registry, registry
from omsform.contract.resource import Resource, SharedValues
from omsform.contract.spec import Desired, Remote
from omsform.engine.read import read_current
from omsform.gcpause import gc_paused
from omsform.http.client import ClientOptions, WriteClient
from omsform.lang.load import Brand

if TYPE_CHECKING:
    from omsform.engine.ahead import Listings

STATE_DIR = ".omsform"


@dataclass
class Session:
    """Open clients for one brand run. Use as ``async with``; closes the clients.
    ``registry`` says which provider, Resource class and (through ``clients``, by provider
    name) client serve each kind."""

    brand: Brand
    registry: Registry
    clients: dict[str, WriteClient] = field(default_factory=dict)
    api_overrides: ExitStack = field(default_factory=ExitStack)  # restored on close
    listings: Listings | None = None  # bulk listings started ahead (omsform.engine.ahead)
    # lookups (package states) made while reading, kept for the apply that follows in this run
    shared: SharedValues = field(default_factory=SharedValues)
    _keys: dict[str, str] | None = field(default=None, init=False, repr=False)
    # the ledger loaded by this run, with the state of its files just before (see ledger())
    _ledger: tuple[Ledger, object] | None = field(default=None, init=False, repr=False)

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            for client in self.clients.values():
                await client.aclose()
        finally:
            self.api_overrides.close()

    @property
    def providers(self) -> Mapping[str, Provider]:
        """The run's providers by name."""
        return self.registry.providers

    def resources(self) -> dict[str, Resource[Any]]:
        """One Resource instance per kind of every provider."""
        return self.registry.resources()

    def provider_of(self) -> dict[str, str]:
        """Kind → provider name."""
        return dict(self.registry.provider_of)

    def declared_keys(self) -> dict[str, str]:
        """Declared address → natural key, computed once per run (reading and planning both
        need every one)."""
        if self._keys is None:
            kinds = self.registry.kinds
            keyed = {kind: _key_function(cls) for kind, cls in kinds.items()}
            self._keys = {a: keyed[d.kind](d.spec) for a, d in self.brand.desired.items()}
        return self._keys

    def ledger(self) -> Ledger:
        """The brand's whole ledger, loaded once per run while its files stay as they were
        (``omsform apply`` plans and then applies: ~20 ms for 6,000 entries, paid once). Any
        write to them (this run's records, another run) makes the next call load it again."""
        path = self.state_dir / "ledger.json"
        state = (file_state(path), file_state(path.with_name(PENDING_NAME)))
        if self._ledger is None or self._ledger[1] != state:
            self._ledger = (Ledger.load(path, self.brand.secrets), state)
        return self._ledger[0]

    def client_for(self, kind: str) -> WriteClient:
        """The open client of the provider serving ``kind``."""
        return self.clients[self.registry.provider_of[kind]]

    @property
    def state_dir(self) -> Path:
        """The brand's ``.omsform`` directory."""
        return self.brand.path / STATE_DIR


async def open_session(
    brand: Brand,
    *,
    kinds: Iterable[str],
    options: ClientOptions,
    configs: Mapping[str, Any] | None = None,
    providers: Registry | None = None,
) -> Session:
    """Open an authenticated client for each provider that serves one of ``kinds``.

    ``configs`` overrides provider blocks (the embedded sandbox); otherwise the brand's
    validated blocks are used. ``providers``: the run's registry (the installed one when not
    given).
    """
    reg = providers or registry()
    session = Session(brand=brand, registry=reg)
    try:
        for name in reg.providers_for(kinds):
            provider = reg.providers[name]
            block = provider_block(brand, provider, configs)
            if provider.api is not None:
                overrides = provider.api_overrides(block)
                session.api_overrides.enter_context(overridden(provider.api, overrides))
            session.clients[name] = await provider.open(block, options)
    except BaseException:
        await session.__aexit__(None, None, None)
        raise
    return session


def provider_block(
    brand: Brand, provider: Provider, configs: Mapping[str, Any] | None = None
) -> BaseModel:
    """The validated block of ``provider`` for a run: ``configs[name]`` when given (the embedded
    sandbox) with the brand's own ``api:`` map kept, else the brand's validated block."""
    if not configs or provider.name not in configs:
        return brand.provider_config(provider.name)
    written = brand.config.providers.get(provider.name) or {}
    block = dict(configs[provider.name])
    if isinstance(written.get("api"), dict) and "api" not in block:
        block["api"] = written["api"]
    return provider.config_model.model_validate(block)


def kinds_to_read(brand: Brand, providers: Registry | None = None) -> list[str]:
    """Declared kinds, pruned kinds and kinds that declared objects point at (served by the
    run's registry ``providers``, the installed one when not given)."""
    index = (providers or registry()).kinds
    kinds = {d.kind for d in brand.desired.values()} | set(brand.config.manage.prune)
    done: set[str] = set()  # kinds whose objects can name no kind not already in ``kinds``
    for d in brand.desired.values():
        if d.kind in done:
            continue
        cls = index[d.kind]
        kinds.update(kind for kind, _ in cls.references(d.spec))
        if _derived(cls) and _target_kinds(cls.spec_model) <= kinds:
            done.add(d.kind)
    return sorted(k for k in kinds if k in index)


def _key_function(cls: type[Resource[Any]]) -> Callable[[Any], str]:
    """``cls.key``; for the default key of one field, that field's text read directly (the
    same string, without the generic join: it runs for every declared object)."""
    if getattr(cls.key, "__func__", None) is _DEFAULT_KEY and len(cls.key_fields) == 1:
        name = cls.key_fields[0]
        return lambda spec: str(getattr(spec, name))
    return cls.key


def _derived(cls: type[Resource[Any]]) -> bool:
    """Whether ``cls`` keeps the default ``references`` (derived from its Spec's Ref fields)."""
    return getattr(cls.references, "__func__", None) is _DERIVED_REFERENCES


@cache
def _target_kinds(model: type[BaseModel]) -> frozenset[str]:
    """Every kind a ``model``'s references may name, nested models included (not lookups)."""
    found = refs.slots(model)
    named = {s.ref.target for s in found if s.ref and isinstance(s.ref.target, str)}
    return frozenset(named).union(*(_target_kinds(s.model) for s in found if s.model))


_DERIVED_REFERENCES = Resource.references.__func__  # type: ignore[attr-defined]
_DEFAULT_KEY = Resource.key.__func__  # type: ignore[attr-defined]


async def read(
    session: Session,
    kinds: Iterable[str],
    *,
    on_listed: Callable[[str, int], None] | None = None,
) -> dict[str, list[Remote[Any]]]:
    """Current objects of ``kinds`` (read-only clients); ``on_listed(kind, count)`` is told as
    each kind's listing finishes."""
    clients = {name: c.read_only() for name, c in session.clients.items()}
    if session.listings is not None:
        clients = session.listings.serving(clients)
    resources = session.resources()
    declared: dict[str, set[str]] = {}
    desired: dict[str, list[Desired[Any]]] = {}
    keys = session.declared_keys()
    for address, d in session.brand.desired.items():
        declared.setdefault(d.kind, set()).add(keys[address])
        desired.setdefault(d.kind, []).append(d)
    with gc_paused():
        return await read_current(
            kinds,
            resources,
            clients,
            session.provider_of(),
            declared=declared,
            desired=desired,
            on_listed=on_listed,
            shared=session.shared,
        )
