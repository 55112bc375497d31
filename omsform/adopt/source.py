"""Where ``omsform import`` reads from, and writing what it built.

The provider URLs and credentials come from, in this order of preference:

1. ``--sandbox``: the embedded sandbox of the source brand (``--config``'s directory, else the
   output directory), with the sandbox's own credentials;
2. ``--config PATH`` (an existing ``omsform.yaml`` or its directory): its provider blocks,
   ``${env.…}``/``${secret.…}`` resolved from the environment;
3. otherwise the environment: ``OMSFORM_<PROVIDER>_<FIELD>`` for every field of a provider's
   block (``OMSFORM_AKINON_OMS_URL``, ``OMSFORM_AKINON_OMS_TOKEN``, ``OMSFORM_GINESYS_URL``,
   ``OMSFORM_GINESYS_API_KEY``, …); a provider with none of them set is not read.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from omsform.adopt.importer import EnvVar, env_name, keys_to_read, provider_block
from omsform.contract.provider import Provider, registry
from omsform.contract.spec import Remote
from omsform.engine import run as engine
from omsform.engine.read import read_current
from omsform.errors import ConfigError, Location, Problem
from omsform.http.client import ClientOptions
from omsform.lang.config import CONFIG_FILE, BrandConfig, Safety, load_config
from omsform.lang.interpolate import Resolver
from omsform.lang.load import Brand
from omsform.secrets import SENSITIVE

ENV_PREFIX = "OMSFORM"
_REF = re.compile(r"\$\{\s*(env|secret)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}")


@dataclass
class Source:
    """The live systems to import from: validated provider ``configs`` (``None`` entries are
    replaced by the sandbox), the blocks to write into the new ``omsform.yaml`` and the
    environment variables they use, the brand name, and the source's ownership settings."""

    brand: str
    configs: dict[str, BaseModel] = field(default_factory=dict)
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    env: list[EnvVar] = field(default_factory=list)
    secrets: frozenset[str] = frozenset()
    named_secrets: dict[str, str] = field(default_factory=dict)
    sandbox_dir: Path | None = None
    protect: tuple[str, ...] = ()
    safety: Safety | None = None
    skipped_providers: dict[str, str] = field(default_factory=dict)
    """Installed providers that are not read, and why (no credentials, no block)."""


def config_dir(path: Path) -> Path:
    """The brand directory of ``--config`` (the file must be named omsform.yaml)."""
    if path.is_dir():
        return path
    if path.name != CONFIG_FILE:
        problem = Problem(Location(str(path)), f"--config must be a {CONFIG_FILE} file")
        raise ConfigError([problem])
    return path.parent


def _from_config(directory: Path, sandbox: bool, brand: str | None) -> Source:
    installed = registry()
    providers = dict(installed.providers)
    kinds = {k: (installed.provider(k), r) for k, r in installed.kinds.items()}
    problems: list[Problem] = []
    resolver = Resolver(os.environ, offline=sandbox, placeholders=sandbox)
    loaded = load_config(directory, providers, kinds, resolver, problems, [])
    if loaded.config is None or any(p.severity == "error" for p in problems):
        raise ConfigError(problems)
    config: BrandConfig = loaded.config
    name = brand or config.brand
    source = Source(
        brand=name,
        configs=dict(loaded.providers),
        secrets=frozenset(loaded.secrets),
        protect=tuple(config.manage.protect),
        safety=config.safety,
    )
    for provider, written in config.providers.items():
        block: dict[str, Any] = {}
        for key, value in written.items():
            if value == SENSITIVE:  # a secret written in plain text: never copy it
                var = env_name(name, provider, key)
                value = "${secret." + var + "}"
            block[key] = value
            for scope, var in _REF.findall(str(value)):
                purpose = f"providers.{provider}.{key}"
                source.env.append(EnvVar(var, scope == "secret", purpose))
        source.blocks[provider] = block
    for provider in sorted(set(providers) - set(config.providers)):
        source.skipped_providers[provider] = f"{CONFIG_FILE} has no providers.{provider} block"
    source.named_secrets = _named_secrets(directory, os.environ)
    source.secrets |= frozenset(v for v in source.named_secrets.values() if v)
    return source


def _named_secrets(directory: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """NAME → value of every ``${secret.NAME}`` the brand at ``directory`` uses (its
    ``omsform.yaml`` and resource files) that is set in ``environ``: the import writes the
    reference wherever a live value holds one of them."""
    names: set[str] = set()
    for path in sorted(directory.glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        names |= {name for scope, name in _REF.findall(text) if scope == "secret"}
    return {name: environ[name] for name in sorted(names) if environ.get(name)}


def _from_env(environ: Mapping[str, str], brand: str) -> Source:
    source = Source(brand=brand)
    problems: list[Problem] = []
    for name, provider in sorted(registry().providers.items()):
        fields = list(provider.config_model.model_fields)
        values = {f: environ[v] for f in fields if (v := env_name(ENV_PREFIX, name, f)) in environ}
        if not values:
            wanted = ", ".join(env_name(ENV_PREFIX, name, f) for f in fields)
            source.skipped_providers[name] = f"no credentials: none of {wanted} is set"
            continue
        try:
            source.configs[name] = provider.config_model.model_validate(values)
        except ValidationError as err:
            where = Location(f"environment ({env_name(ENV_PREFIX, name)}_*)")
            problems.append(Problem(where, f"provider {name}: {err.errors()[0]['msg']}"))
            continue
        source.secrets |= {str(values[f]) for f in provider.secret_fields if f in values}
        source.named_secrets |= {
            env_name(brand, name, f): str(values[f]) for f in provider.secret_fields if f in values
        }
        _generated_block(source, provider, values)
    if problems:
        raise ConfigError(problems)
    if not source.configs:
        names = ", ".join(env_name(ENV_PREFIX, n, "url") for n in sorted(registry().providers))
        hint = "or give --config omsform.yaml, or --sandbox"
        raise ConfigError(
            [Problem(Location("environment"), f"set {names} (and credentials)", hint)]
        )
    return source


def _generated_block(source: Source, provider: Provider, fields: Mapping[str, Any]) -> None:
    block, env = provider_block(source.brand, provider.name, fields, provider.secret_fields)
    source.blocks[provider.name] = block
    source.env += env


def resolve_source(
    out: Path, config: Path | None, sandbox: bool, brand: str | None, environ: Mapping[str, str]
) -> Source:
    """Where to read from (see the module docstring)."""
    directory = config_dir(config) if config is not None else None
    default_brand = brand or _brand_name(out)
    if directory is not None:
        source = _from_config(directory, sandbox, brand)
    elif not sandbox:
        source = _from_env(environ, default_brand)
    else:
        source = Source(brand=default_brand)
    if sandbox:
        from omsform.sandbox import DEFAULT_TOKEN

        source.sandbox_dir = directory or out
        for name, provider in sorted(registry().providers.items()):
            values = provider.sandbox_config("http://sandbox", DEFAULT_TOKEN)
            source.configs[name] = provider.config_model.model_validate(values)
            source.skipped_providers.pop(name, None)
            if name not in source.blocks:
                _generated_block(source, provider, values)
    return source


def _brand_name(out: Path) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", out.resolve().name).strip("-") or "brand"


def kinds_of(source: Source, wanted: list[str]) -> list[str]:
    """The kinds to read: ``wanted`` (all when empty) among the providers that have a config."""
    serving = registry().provider_of
    available = {kind: name for kind, name in serving.items() if name in source.configs}
    if not wanted:
        return sorted(available)
    unknown = [k for k in wanted if k not in available]
    if unknown:
        from omsform.lang.suggest import did_you_mean

        problems = [
            Problem(
                Location("--kinds"),
                f"unknown or unreachable kind '{k}'",
                did_you_mean(k, available),
            )
            for k in unknown
        ]
        raise ConfigError(problems)
    return sorted(set(wanted))


async def read_source(
    source: Source, kinds: list[str], options: ClientOptions
) -> dict[str, list[Remote[Any]]]:
    """Every current object of ``kinds`` (read-only clients)."""
    brand = Brand(
        path=source.sandbox_dir or Path("."),
        config=BrandConfig(brand=source.brand),
        desired={},
        secrets=source.secrets,
        warnings=(),
        provider_configs=source.configs,
    )
    configs = {n: c.model_dump() for n, c in source.configs.items()}
    session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
    async with session:
        clients = {name: c.read_only() for name, c in session.clients.items()}
        resources = session.resources()
        classes = {k: type(r) for k, r in resources.items() if k in kinds}
        return await read_current(
            kinds, resources, clients, session.provider_of(), declared=keys_to_read(classes)
        )


def copy_sandbox(source_dir: Path, out: Path) -> str:
    """Give ``out`` a copy of the sandbox that was imported, so ``plan OUT --sandbox`` compares
    with it; a note for the user ("" when nothing was to be done)."""
    src = source_dir / engine.STATE_DIR / "sandbox.sqlite"
    dst = out / engine.STATE_DIR / "sandbox.sqlite"
    if src.resolve() == dst.resolve():
        return ""
    if dst.exists():
        return f"{dst} already exists: `omsform plan {out} --sandbox` uses that sandbox, not {src}"
    dst.parent.mkdir(parents=True, exist_ok=True)
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()
    return f"copied the sandbox {src} to {dst} for `omsform plan {out} --sandbox`"
