"""The texts an import writes: one YAML file per kind, ``omsform.yaml`` whose provider values
all come from the environment, and the list of variables to set."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from omsform.adopt.fmt_yaml import commented, dump
from omsform.adopt.names import EnvVar, env_name
from omsform.lang.config import BrandConfig, Safety

MODELINE = "# yaml-language-server: $schema=omsform.schema.json\n"
SCHEMA_FILE = "omsform.schema.json"
_JINJA = re.compile(r"\{[{%#]")


def escape_jinja(text: str) -> str:
    """``text`` with every Jinja opening (``{{``, ``{%``, ``{#``) written so that rendering the
    file gives it back unchanged."""
    return _JINJA.sub(lambda m: "{{ '" + m.group() + "' }}", text)


def kind_file(kind: str, objects: Mapping[str, Any]) -> str:
    """The text of one kind's file: ``objects`` is local name → YAML data, written by name."""
    body = {kind: {name: objects[name] for name in sorted(objects)}}
    header = MODELINE + f"# {kind}: imported by `omsform import`.\n"
    return header + escape_jinja(dump(commented(body)))


def provider_block(
    brand: str, provider: str, fields: Iterable[str], secret_fields: Iterable[str]
) -> tuple[dict[str, str], list[EnvVar]]:
    """A provider block whose values all come from the environment: ``${secret.…}`` for secret
    fields, ``${env.…}`` for the others."""
    secret = set(secret_fields)
    block: dict[str, str] = {}
    env: list[EnvVar] = []
    for name in fields:
        var = env_name(brand, provider, name)
        scope = "secret" if name in secret else "env"
        block[name] = "${" + scope + "." + var + "}"
        env.append(EnvVar(var, name in secret, f"providers.{provider}.{name}"))
    return block, env


def config_file(
    brand: str,
    providers: Mapping[str, Mapping[str, Any]],
    *,
    protect: Iterable[str] = (),
    safety: Safety | None = None,
) -> str:
    """The text of ``omsform.yaml``."""
    config = BrandConfig(
        brand=brand,
        providers={k: dict(v) for k, v in providers.items()},
        manage={"prune": (), "protect": tuple(protect)},  # type: ignore[arg-type]
        safety=safety or Safety(),
    )
    data = config.model_dump(mode="json")
    header = (
        MODELINE + "# Imported by `omsform import`. Nothing is pruned: add kinds to manage.prune\n"
        "# once the YAML declares every object of them that should stay.\n"
    )
    return header + dump(commented(data))


def env_lines(env: Iterable[EnvVar]) -> Iterator[str]:
    """One line per variable: ``NAME  (secret) for …``."""
    for var in env:
        yield f"  {var.name}{'  (secret)' if var.secret else ''}  for {var.purpose}"
