"""The ``Provider`` contract and discovery through the ``omsform.providers`` entry-point group.

A provider is one remote system (``akinon_oms``, ``ginesys``). It declares the schema of its
block in ``omsform.yaml``, the kinds it serves, and how to open an authenticated client. The
engine never imports a provider by name: a run builds one :class:`Registry` (:func:`registry`,
the only reader of the entry points) and passes it down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from omsform.contract.resource import Resource
from omsform.errors import ConfigError, Location, Problem

if TYPE_CHECKING:  # httpx is imported only when a client is made, not to validate a brand
    from omsform.http.client import ApiClient, ClientOptions, WriteClient

ENTRY_POINT_GROUP = "omsform.providers"


class Provider:
    """Base class of a provider. Subclasses set the class attributes and :meth:`open`.

    - ``name``: the block name in ``omsform.yaml`` and the prefix source of its kinds.
    - ``config_model``: pydantic model of the provider block (fields that hold secrets are
      listed in ``secret_fields`` so they are masked everywhere).
    - ``resources``: the kinds, as a typed tuple (never looked up by string building).
    - ``sandbox_url_path``: where the embedded sandbox serves this provider (``""`` = root).
    - ``api``: the provider's ``api.py`` module, whose entries an ``api:`` map in the block
      may override (:mod:`omsform.contract.apimap`); ``None`` when it has none.
    """

    name: ClassVar[str]
    config_model: ClassVar[type[BaseModel]]
    secret_fields: ClassVar[tuple[str, ...]] = ()
    live_fields: ClassVar[tuple[str, ...]] = ("url",)
    """Block fields only a run against the live system needs: the embedded sandbox
    (``--sandbox``) replaces the block, so a sandbox-only brand may leave them out."""
    resources: ClassVar[tuple[type[Resource[Any]], ...]] = ()
    api: ClassVar[ModuleType | None] = None

    def api_overrides(self, config: BaseModel) -> dict[str, Any]:
        """The ``api.py`` entries a run with ``config`` uses instead of the defaults: the
        block's ``api:`` map (a provider adds what its host keys imply)."""
        from omsform.contract.apimap import overrides_of

        return overrides_of(config)

    def kinds(self) -> dict[str, type[Resource[Any]]]:
        """Kind name → Resource class."""
        return {r.kind: r for r in self.resources}

    def doctor_probes(self, kinds: set[str], declared: dict[str, set[str]]) -> list[Any]:
        """What ``omsform doctor`` checks for ``kinds`` (:mod:`omsform.doctor.probes` values);
        ``declared`` maps a kind to the local names the brand declares."""
        return []

    async def open(self, config: BaseModel, options: ClientOptions) -> WriteClient:
        """An authenticated client for ``config`` (logs in once when the block needs it).

        The engine hands plan code only the read-only :class:`ApiClient` view of it.
        """
        raise NotImplementedError

    def sandbox_config(self, base_url: str, token: str) -> dict[str, Any]:
        """A provider block pointing at the sandbox served at ``base_url`` with ``token``."""
        raise NotImplementedError

    def missing_for_live(self, config: BaseModel) -> list[str]:
        """The :attr:`live_fields` that ``config`` leaves empty."""
        fields = type(config).model_fields
        return [f for f in self.live_fields if f in fields and not getattr(config, f)]

    def live_url(self, config: BaseModel) -> str:
        """``config.url``, or an error naming the provider block when it has none (a block
        written for ``--sandbox`` only, used for a live run)."""
        url = getattr(config, "url", None)
        if not url:
            raise ConfigError([_no_live_url(self.name)])
        return str(url)

    def kind_docs(self) -> dict[str, Any]:
        """Kind name → :class:`omsform.contract.kinddoc.KindDoc` (what ``omsform docs`` adds to the
        fields: API status, rules, enums, examples); empty when the provider has none."""
        return {}


def _no_live_url(name: str) -> Problem:
    message = f"providers.{name} has no url: only --sandbox runs without one"
    hint = f"add url: ${{env.NAME}} to the providers.{name} block of omsform.yaml"
    return Problem(Location(address=f"providers.{name}"), message, hint)


def _installed() -> dict[str, Provider]:
    """Every provider installed under the ``omsform.providers`` entry-point group, by name."""
    found: dict[str, Provider] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        provider = ep.load()
        found[provider.name] = provider
    return found


@dataclass(frozen=True)
class Registry:
    """The providers of a run and what they serve, built once (:func:`registry`) and passed
    down: ``providers`` by name, ``kinds`` (kind → Resource class) and ``provider_of`` (kind →
    provider name). A run's clients are opened per provider from it (``engine.Session``)."""

    providers: Mapping[str, Provider]
    kinds: Mapping[str, type[Resource[Any]]] = field(default_factory=dict)
    provider_of: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, providers: Mapping[str, Provider]) -> Registry:
        """The registry of ``providers`` (name → provider)."""
        kinds = {k: r for p in providers.values() for k, r in p.kinds().items()}
        serving = {k: p.name for p in providers.values() for k in p.kinds()}
        return cls(
            MappingProxyType(dict(providers)), MappingProxyType(kinds), MappingProxyType(serving)
        )

    def provider(self, kind: str) -> Provider:
        """The provider serving ``kind`` (``ConfigError`` when none does)."""
        try:
            return self.providers[self.provider_of[kind]]
        except KeyError:
            problem = Problem(Location(address=kind), f"unknown kind '{kind}'")
            raise ConfigError([problem]) from None

    def resources(self) -> dict[str, Resource[Any]]:
        """One Resource instance per kind (what a run's reads and writes call)."""
        return {kind: cls() for kind, cls in self.kinds.items()}

    def sandbox_configs(self, base_url: str, token: str) -> dict[str, dict[str, Any]]:
        """Every provider's block pointing at the sandbox served at ``base_url`` with ``token``."""
        return {n: p.sandbox_config(base_url, token) for n, p in self.providers.items()}

    def providers_for(self, kinds: Iterable[str]) -> list[str]:
        """The names of the providers serving ``kinds`` (those a run opens a client for)."""
        return sorted({self.provider_of[k] for k in kinds if k in self.provider_of})


@cache
def registry() -> Registry:
    """The registry of every installed provider (entry points are loaded once per process)."""
    return Registry.of(_installed())


def kind_index() -> dict[str, tuple[Provider, type[Resource[Any]]]]:
    """Kind name → (provider, Resource class) over every installed provider."""
    reg = registry()
    return {kind: (reg.providers[reg.provider_of[kind]], cls) for kind, cls in reg.kinds.items()}


def provider_of(kind: str) -> Provider:
    """The provider serving ``kind`` (``ConfigError`` when no provider has it)."""
    return registry().provider(kind)


def __getattr__(name: str) -> Any:
    """``ApiClient`` and ``WriteClient``, still importable from here, loaded on first use."""
    if name in ("ApiClient", "WriteClient"):
        from omsform.http import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ApiClient",
    "Provider",
    "Registry",
    "WriteClient",
    "kind_index",
    "provider_of",
    "registry",
]
