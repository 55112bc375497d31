"""``omsform import``: the live systems → a brand directory that validates and plans to no change.

:func:`build_files` is pure: it turns what was read (kind → current objects) into file texts.
Every kind is handled through its :class:`~omsform.contract.resource.Resource` class alone:

- each object's Spec is dumped without the fields equal to their defaults (server defaults and
  server-owned fields never reach the YAML); sets are sorted;
- local names come from natural keys (the key itself when the kind fills a key field from the
  local name and the key is a valid name, else a slug), unique within the kind;
- values at the kind's write-only paths become ``${secret.NAME}`` with a generated NAME, listed
  in :attr:`Imported.env` (the API never returns them, so the YAML cannot hold them);
- a value that is the natural key of an imported object the kind references becomes
  ``${kind.name}`` (a dependency edge); a reference to something not imported stays a plain key;
- objects that declaring would *change* are left out and listed with the reason: a kind's own
  ``decide`` returns an action (a setup step that has not run would run), or the object comes
  from an upstream system (``protected_remote``) in a kind omsform can create, unless
  ``include_upstream``; objects that cannot be created (channels) are imported as they are.

Names are made in :mod:`omsform.adopt.names`, one object's YAML data in
:mod:`omsform.adopt.values`, and the file texts in :mod:`omsform.adopt.files`.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omsform.adopt.files import SCHEMA_FILE, config_file, env_lines, kind_file, provider_block
from omsform.adopt.names import EnvVar, SecretNames, env_name, local_name
from omsform.adopt.values import (
    hide_url_credentials,
    hide_write_only,
    plain_data,
    secret_refs,
    use_secret_refs,
    validation_error,
)
from omsform.contract.resource import Resource
from omsform.contract.spec import Remote
from omsform.dag import components, is_cycle
from omsform.secrets.mask import mask_url_credentials, replace_secrets

__all__ = [  # the names below are re-exported for importsource and cli_adopt
    "SCHEMA_FILE",
    "EnvVar",
    "Imported",
    "Skipped",
    "build_files",
    "closed_keys",
    "config_file",
    "env_lines",
    "env_name",
    "keys_to_read",
    "provider_block",
]


@dataclass(frozen=True)
class Skipped:
    """A live object that was not imported, and why."""

    kind: str
    key: str
    reason: str


@dataclass
class Imported:
    """The result: ``files`` (file name → text), objects per kind, env vars, what was left out."""

    files: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    env: list[EnvVar] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def closed_keys(cls: type[Resource[Any]]) -> tuple[str, ...]:
    """Every possible key of a kind keyed by one field with a fixed set of values (a
    ``Literal``); empty for other kinds. Such kinds may read only the keys asked for."""
    if len(cls.key_fields) != 1:
        return ()
    info = cls.spec_model.model_fields.get(cls.key_fields[0])
    if info is None or typing.get_origin(info.annotation) is not typing.Literal:
        return ()
    return tuple(str(v) for v in typing.get_args(info.annotation))


def keys_to_read(resources: Mapping[str, type[Resource[Any]]]) -> dict[str, set[str]]:
    """The "declared keys" an import reads with: every key of closed-key kinds."""
    return {kind: set(keys) for kind, cls in resources.items() if (keys := closed_keys(cls))}


# --- the whole import ---------------------------------------------------------------------------
@dataclass
class _Object:
    kind: str
    key: str
    name: str
    data: dict[str, Any]
    refs: set[tuple[str, str]]


def _why_not(cls: type[Resource[Any]], remote: Remote[Any], include_upstream: bool) -> str:
    action = cls.decide(remote.spec, remote)
    if action is not None:
        return f"declaring it would plan '{action.value}' ({action.name.lower()}) at once"
    upstream = cls.protected_remote(remote)
    if upstream and cls.can_create and not include_upstream:
        return f"{upstream} (use --include-upstream to manage it too)"
    return ""


def _objects(
    current: Mapping[str, list[Remote[Any]]],
    resources: Mapping[str, type[Resource[Any]]],
    include_upstream: bool,
    secrets: SecretNames,
    result: Imported,
    refs: Mapping[str, str],
) -> list[_Object]:
    objects: list[_Object] = []
    for kind in sorted(current):
        cls = resources[kind]
        taken: set[str] = set()
        seen: set[str] = set()
        for remote in current[kind]:
            key = cls.key(remote.spec)
            reason = "another object has the same key" if key in seen else ""
            seen.add(key)
            reason = reason or _why_not(cls, remote, include_upstream)
            # a key may hold a secret (a URL token): named when known, else masked
            shown = mask_url_credentials(replace_secrets(key, refs))
            if reason:
                result.skipped.append(Skipped(kind, shown, reason))
                continue
            obj = _object(cls, remote, (key, shown), taken, secrets, result)
            if obj is not None:
                objects.append(obj)
                result.counts[kind] = result.counts.get(kind, 0) + 1
    return objects


def _object(
    cls: type[Resource[Any]],
    remote: Remote[Any],
    keys: tuple[str, str],
    taken: set[str],
    secrets: SecretNames,
    result: Imported,
) -> _Object | None:
    key, shown = keys  # the live key (to link references by) and the key as it may be shown
    name = local_name(cls, shown, taken)
    data = plain_data(remote.spec)
    generated = len(secrets.env)
    hide_write_only(data, cls, name, secrets)
    problem = validation_error(data, cls, name, secrets)
    if problem:
        del secrets.env[generated:]
        reason = f"its live values fail validation: {problem}"
        result.skipped.append(Skipped(cls.kind, shown, reason))
        return None
    if cls.name_field and data.get(cls.name_field) == name:
        del data[cls.name_field]  # the loader fills it from the local name
    return _Object(cls.kind, key, name, data, set(cls.references(remote.spec)))


def _link(objects: list[_Object]) -> None:
    """Replace natural keys of imported referenced objects by ``${kind.name}``; keep plain keys
    where that would make a dependency cycle."""
    address = {(o.kind, o.key): f"{o.kind}.{o.name}" for o in objects}
    linked: dict[str, tuple[_Object, dict[str, Any]]] = {}
    edges: dict[str, set[str]] = {}
    for obj in objects:
        me = f"{obj.kind}.{obj.name}"
        targets = {
            k: address[(kind, k)]
            for kind, k in obj.refs
            if (kind, k) in address and address[(kind, k)] != me
        }
        ambiguous = {k for kind, k in obj.refs if (kind, k) in address} - targets.keys()
        for k in ambiguous | {k for k in targets if _kinds_for(obj.refs, k) > 1}:
            targets.pop(k, None)
        if not targets:
            continue
        used: set[str] = set()
        new = _replace(obj.data, targets, used)
        linked[me] = (obj, new)
        edges[me] = used
    for component in components(edges):
        if is_cycle(component, edges):
            for member in component:
                linked.pop(member, None)
    for obj, new in linked.values():
        obj.data = new


def _kinds_for(refs: set[tuple[str, str]], key: str) -> int:
    return len({kind for kind, k in refs if k == key})


def _replace(value: Any, targets: Mapping[str, str], used: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: _replace(v, targets, used) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, targets, used) for v in value]
    if isinstance(value, str) and value.replace("$${", "${") in targets:
        target = targets[value.replace("$${", "${")]
        used.add(target)
        return "${" + target + "}"
    return value


def build_files(
    current: Mapping[str, list[Remote[Any]]],
    resources: Mapping[str, type[Resource[Any]]],
    *,
    brand: str,
    include_upstream: bool = False,
    known_secrets: Mapping[str, str] | None = None,
) -> Imported:
    """Resource files (``<kind>.yaml``) for the objects in ``current``.

    ``known_secrets`` (NAME → value) are the secrets the import was given (its ``--config``
    and the environment): wherever a live value holds one, the file says ``${secret.NAME}``,
    never the value (a token in a webhook's ``target_url``); keys and local names never show
    it either."""
    result = Imported()
    secrets = SecretNames(brand)
    refs = secret_refs(known_secrets or {})
    objects = _objects(current, resources, include_upstream, secrets, result, refs)
    _link(objects)
    used: set[str] = set()
    for obj in objects:
        obj.data = use_secret_refs(obj.data, refs, used)
        obj.data = hide_url_credentials(obj.data, resources[obj.kind], obj.name, secrets)
    by_kind: dict[str, list[_Object]] = {}
    for obj in objects:
        by_kind.setdefault(obj.kind, []).append(obj)
    for kind, items in sorted(by_kind.items()):
        result.files[f"{kind}.yaml"] = kind_file(kind, {o.name: o.data for o in items})
    names = {ref.removeprefix("${secret.").removesuffix("}") for ref in used}
    purpose = "values of the imported objects that equal it"
    result.env = [*secrets.env, *(EnvVar(n, True, purpose) for n in sorted(names))]
    return result
