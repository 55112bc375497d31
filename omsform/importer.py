"""``omsform import``: the live systems → a brand directory that validates and plans to no change.

:func:`build_files` is pure: it turns what was read (kind → current objects) into file texts.
Every kind is handled through its :class:`~omsform.resource.Resource` class alone:

- each object's Spec is dumped without the fields equal to their defaults (server defaults and
  server-owned fields never reach the YAML); sets are sorted;
- local names come from natural keys (the key itself when the kind fills a key field from the
  local name and the key is a valid name, else a slug), unique within the kind;
- values at the kind's write-only paths become ``${secret.NAME}`` with a generated NAME, listed
  in :attr:`Imported.secrets` (the API never returns them, so the YAML cannot hold them);
- a value that is the natural key of an imported object the kind references becomes
  ``${kind.name}`` (a dependency edge); a reference to something not imported stays a plain key;
- objects that declaring would *change* are left out and listed with the reason: a kind's own
  ``decide`` returns an action (a setup step that has not run would run), or the object comes
  from an upstream system (``protected_remote``) in a kind omsform can create, unless
  ``include_upstream``; objects that cannot be created (channels) are imported as they are.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from omsform import fmt
from omsform.config import BrandConfig, Safety
from omsform.cycles import components, is_cycle
from omsform.paths import covers, format_path, iter_items, parse_path
from omsform.resource import Resource
from omsform.spec import Remote

MODELINE = "# yaml-language-server: $schema=omsform.schema.json\n"
SCHEMA_FILE = "omsform.schema.json"
MAX_NAME = 64
_UNSAFE = re.compile(r"[^a-z0-9_]+")
_ENV_UNSAFE = re.compile(r"[^A-Z0-9]+")
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")
_SECRET_REF = re.compile(r"\$\{secret\.([A-Za-z_][A-Za-z0-9_]*)\}\Z")
_RESOURCE_REF = re.compile(r"\$\{([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\}\Z")
_JINJA = re.compile(r"\{[{%#]")
_LATIN = str.maketrans({"ı": "i", "ß": "ss", "ø": "o", "æ": "ae", "đ": "d", "ł": "l"})


@dataclass(frozen=True)
class EnvVar:
    """An environment variable the imported brand needs: its ``name``, whether it is
    ``secret``, and what it is ``for`` (an address and path, or a provider field)."""

    name: str
    secret: bool
    purpose: str


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


# --- names --------------------------------------------------------------------------------------
def slug(text: str) -> str:
    """A local name from any text: lower-case ASCII letters, digits and ``_``."""
    ascii_text = unicodedata.normalize("NFKD", text.translate(_LATIN)).encode("ascii", "ignore")
    name = _UNSAFE.sub("_", ascii_text.decode().lower()).strip("_")
    if len(name) > MAX_NAME:  # keep both ends: keys often differ only at the end
        half = MAX_NAME // 2
        name = name[: half - 1].rstrip("_") + "_" + name[-half:].lstrip("_")
    return name or "item"


def env_name(*parts: str) -> str:
    """An environment variable name from ``parts`` (upper case, ``_`` between words)."""
    text = "_".join(p for p in parts if p)
    ascii_text = unicodedata.normalize("NFKD", text.translate(_LATIN)).encode("ascii", "ignore")
    name = _ENV_UNSAFE.sub("_", ascii_text.decode().upper()).strip("_")
    return name if name and not name[0].isdigit() else f"X_{name}"


def _unique(wanted: str, taken: set[str]) -> str:
    name, n = wanted, 2
    while name in taken or name.lower() in taken:
        name, n = f"{wanted}_{n}", n + 1
    taken.update({name, name.lower()})
    return name


def local_name(cls: type[Resource[Any]], key: str, taken: set[str]) -> str:
    """The local name for the object ``key`` of ``cls``, unique among ``taken`` (updated)."""
    verbatim = cls.name_field is not None and _LOCAL_NAME.match(key) and len(key) <= 100
    return _unique(key if verbatim else slug(key), taken)


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


# --- one object ---------------------------------------------------------------------------------
def _plain(spec: BaseModel) -> dict[str, Any]:
    """The Spec as YAML data: defaults left out, in field order, sets sorted."""
    dumped = spec.model_dump(mode="python", exclude_defaults=True, by_alias=True)
    data = _json_ready(dumped)
    return data if isinstance(data, dict) else {}


def _json_ready(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_json_ready(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, str):
        return value.replace("${", "$${")  # a literal ${ in a live value is not a reference
    if value is None or isinstance(value, bool | int | float):
        return value
    return _json_ready(to_jsonable_python(value, fallback=str))  # enums, dates, decimals


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a concrete ``path``, creating mappings on the way."""
    tokens = parse_path(path)
    node: Any = data
    for token in tokens[:-1]:
        if isinstance(node, dict):
            node = node.setdefault(token, {})
        elif isinstance(node, list) and isinstance(token, int):
            node = node[token]
    last: Any = tokens[-1]
    if isinstance(node, dict) or (isinstance(node, list) and isinstance(last, int)):
        node[last] = value


class _Secrets:
    """Generated ``${secret.NAME}`` names, unique across the brand."""

    def __init__(self, brand: str) -> None:
        self.brand = brand
        self.taken: set[str] = set()
        self.env: list[EnvVar] = []

    def ref(self, kind: str, name: str, path: str) -> str:
        wanted = env_name(self.brand, kind, name, path)
        var = _unique(wanted, self.taken)
        self.env.append(EnvVar(var, True, f"{kind}.{name} {path}"))
        return "${secret." + var + "}"


def _hide_write_only(
    data: dict[str, Any], cls: type[Resource[Any]], name: str, secrets: _Secrets
) -> None:
    for pattern in cls.write_only:
        for path, value in list(iter_items(data, pattern)):
            if value is not None and value != "":
                _set_path(data, path, secrets.ref(cls.kind, name, path))


def _resolved_for_check(value: Any, keys: Mapping[str, str]) -> Any:
    """``value`` as the loader would see it offline: secrets as placeholders, references as the
    target's key, ``$${`` as ``${``."""
    if isinstance(value, dict):
        return {k: _resolved_for_check(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved_for_check(v, keys) for v in value]
    if isinstance(value, str):
        if m := _SECRET_REF.match(value):
            return f"<secret:{m.group(1)}>"
        if m := _RESOURCE_REF.match(value):
            return keys.get(m.group(1), value)
        return value.replace("$${", "${")
    return value


def _validation_error(
    data: dict[str, Any], cls: type[Resource[Any]], name: str, secrets: _Secrets
) -> str:
    """Fill required write-only values the API left out; the first remaining error, or ``""``."""
    for _ in range(2):
        try:
            cls.spec_model.model_validate(_resolved_for_check(_with_name(data, cls, name), {}))
            return ""
        except ValidationError as err:
            errors = [e for e in err.errors() if not _at_secret(data, e["loc"])]
            if not errors:
                return ""
            missing = [
                format_path(e["loc"])
                for e in errors
                if e.get("input") is None or e["type"] == "missing"
                if any(covers(p, format_path(e["loc"])) for p in cls.write_only)
            ]
            if not missing:
                first = errors[0]
                return f"{format_path(first['loc']) or 'value'}: {first['msg']}"
            for path in missing:
                _set_path(data, path, secrets.ref(cls.kind, name, path))
    return "its values do not pass the kind's checks"


def _at_secret(data: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    """True when the error at ``loc`` is about a ``${secret.…}`` value (validated offline as a
    placeholder, so the loader ignores it too)."""
    node: Any = data
    for step in loc:
        if isinstance(node, str):
            break
        inside_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if not (inside_list or (isinstance(node, dict) and step in node)):
            return False
        node = node[step]
    return isinstance(node, str) and bool(_SECRET_REF.match(node))


def _with_name(data: dict[str, Any], cls: type[Resource[Any]], name: str) -> dict[str, Any]:
    if cls.name_field and cls.name_field not in data:
        return {**data, cls.name_field: name}
    return data


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
    secrets: _Secrets,
    result: Imported,
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
            if reason:
                result.skipped.append(Skipped(kind, key, reason))
                continue
            obj = _object(cls, remote, key, taken, secrets, result)
            if obj is not None:
                objects.append(obj)
                result.counts[kind] = result.counts.get(kind, 0) + 1
    return objects


def _object(
    cls: type[Resource[Any]],
    remote: Remote[Any],
    key: str,
    taken: set[str],
    secrets: _Secrets,
    result: Imported,
) -> _Object | None:
    name = local_name(cls, key, taken)
    data = _plain(remote.spec)
    generated = len(secrets.env)
    _hide_write_only(data, cls, name, secrets)
    problem = _validation_error(data, cls, name, secrets)
    if problem:
        del secrets.env[generated:]
        result.skipped.append(Skipped(cls.kind, key, f"its live values fail validation: {problem}"))
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


def escape_jinja(text: str) -> str:
    """``text`` with every Jinja opening (``{{``, ``{%``, ``{#``) written so that rendering the
    file gives it back unchanged."""
    return _JINJA.sub(lambda m: "{{ '" + m.group() + "' }}", text)


def kind_file(kind: str, objects: Iterable[_Object]) -> str:
    """The text of one kind's file."""
    body = {kind: {o.name: o.data for o in sorted(objects, key=lambda o: o.name)}}
    header = MODELINE + f"# {kind}: imported by `omsform import`.\n"
    return header + escape_jinja(fmt.dump(fmt.commented(body)))


def build_files(
    current: Mapping[str, list[Remote[Any]]],
    resources: Mapping[str, type[Resource[Any]]],
    *,
    brand: str,
    include_upstream: bool = False,
) -> Imported:
    """Resource files (``<kind>.yaml``) for the objects in ``current``."""
    result = Imported()
    secrets = _Secrets(brand)
    objects = _objects(current, resources, include_upstream, secrets, result)
    _link(objects)
    by_kind: dict[str, list[_Object]] = {}
    for obj in objects:
        by_kind.setdefault(obj.kind, []).append(obj)
    for kind, items in sorted(by_kind.items()):
        result.files[f"{kind}.yaml"] = kind_file(kind, items)
    result.env = secrets.env
    return result


# --- omsform.yaml -------------------------------------------------------------------------------
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
    return header + fmt.dump(fmt.commented(data))


def env_lines(env: Iterable[EnvVar]) -> Iterator[str]:
    """One line per variable: ``NAME  (secret) for …``."""
    for var in env:
        yield f"  {var.name}{'  (secret)' if var.secret else ''}  for {var.purpose}"
