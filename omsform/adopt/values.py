"""One live object as the YAML data that declares it: defaults left out, sets sorted, literal
``${`` escaped, write-only values as generated ``${secret.NAME}`` references, and a check that
the result loads as the kind's Spec."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from omsform.adopt.names import SecretNames
from omsform.contract.resource import Resource
from omsform.paths import covers, format_path, iter_items, parse_path, set_path
from omsform.secrets.mask import replace_secrets, replace_url_credentials

_SECRET_REF = re.compile(r"\$\{secret\.([A-Za-z_][A-Za-z0-9_]*)\}\Z")


def plain_data(spec: BaseModel) -> dict[str, Any]:
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


def hide_write_only(
    data: dict[str, Any], cls: type[Resource[Any]], name: str, secrets: SecretNames
) -> None:
    """Replace every write-only value the API shows as set by a new ``${secret.NAME}``."""
    for pattern in cls.write_only:
        for path in set_write_only(data, pattern):
            set_path(data, path, secrets.ref(cls.kind, name, path, _label(data, path)))


def _label(data: dict[str, Any], path: str) -> str:
    """``path`` with each list index replaced by its element's ``name`` when it has one
    (``additional_headers[0].value`` → ``additional_headers.Authorization.value``)."""
    node: Any = data
    words: list[str] = []
    for token in parse_path(path):
        step = str(token)
        if isinstance(node, list) and isinstance(token, int) and 0 <= token < len(node):
            node = node[token]
            named = node.get("name") if isinstance(node, dict) else None
            step = named if isinstance(named, str) and named else step
            if step != str(token):  # the element's name says it all: no "value" after it
                return ".".join([*words, step])
        elif isinstance(node, dict):
            node = node.get(token)
        words.append(step)
    return ".".join(words)


def set_write_only(data: dict[str, Any], pattern: str) -> list[str]:
    """Concrete paths matching the write-only ``pattern`` whose value the API holds.

    A kind may show such a value masked (kept as read), or only show that it exists: the value
    is ``None`` but its key is present in a free-form mapping (the API sent the key, masked), or
    its parent is a list element (a header always has a value). A top-level ``None`` tells
    nothing: the field may be unset.
    """
    tokens = parse_path(pattern)
    parent, leaf = format_path(tokens[:-1]), tokens[-1]
    containers = iter_items(data, parent) if parent else iter([("", data)])
    found: list[str] = []
    for where, container in list(containers):
        if not isinstance(container, dict) or not isinstance(leaf, str):
            continue
        value = container.get(leaf)
        in_list = ... in tokens[:-1]
        shown = value not in (None, "") or (value is None and (leaf in container or in_list))
        if shown and (parent or value not in (None, "")):
            found.append(format_path((*parse_path(where), leaf)) if where else leaf)
    return found


def _resolved_for_check(value: Any) -> Any:
    """``value`` as the loader would see it offline: secrets as placeholders, ``$${`` as ``${``.
    (It is checked before references are linked, so it holds no ``${kind.name}`` yet.)"""
    if isinstance(value, dict):
        return {k: _resolved_for_check(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved_for_check(v) for v in value]
    if isinstance(value, str):
        if m := _SECRET_REF.match(value):
            return f"<secret:{m.group(1)}>"
        return value.replace("$${", "${")
    return value


def validation_error(
    data: dict[str, Any], cls: type[Resource[Any]], name: str, secrets: SecretNames
) -> str:
    """Fill required write-only values the API left out; the first remaining error, or ``""``."""
    for _ in range(2):
        try:
            cls.spec_model.model_validate(_resolved_for_check(_with_name(data, cls, name)))
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
                set_path(data, path, secrets.ref(cls.kind, name, path))
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


def secret_refs(known: Mapping[str, str]) -> dict[str, str]:
    """Secret value (as it reads in imported data, ``${`` escaped) → ``${secret.NAME}``, from
    ``known`` (NAME → value); the first name wins when several share one value."""
    found: dict[str, str] = {}
    for name, value in sorted(known.items()):
        if value:
            found.setdefault(value.replace("${", "$${"), "${secret." + name + "}")
    return found


def use_secret_refs(value: Any, refs: Mapping[str, str], used: set[str]) -> Any:
    """``value`` with every known secret value written as its ``${secret.NAME}`` (see
    :func:`secret_refs`), inside longer strings too (a URL token); the references written are
    added to ``used``."""
    if isinstance(value, dict):
        return {k: use_secret_refs(v, refs, used) for k, v in value.items()}
    if isinstance(value, list):
        return [use_secret_refs(v, refs, used) for v in value]
    if isinstance(value, str) and refs:
        new = replace_secrets(value, refs)
        if new != value:
            used.update(ref for ref in refs.values() if ref in new)
        return new
    return value


def hide_url_credentials(
    data: dict[str, Any], cls: type[Resource[Any]], name: str, secrets: SecretNames
) -> dict[str, Any]:
    """``data`` with the value of every credential query parameter in a URL
    (:data:`omsform.secrets.mask.CREDENTIAL_PARAMS`: a webhook's ``?token=…``) that is not already a
    ``${secret.NAME}`` written as a new generated reference (listed among the variables to set,
    as for header values), never in plain text."""

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, str):
            return replace_url_credentials(value, lambda param, _: ref(path, param))
        return value

    def ref(path: str, param: str) -> str:
        return secrets.ref(cls.kind, name, f"{path}?{param}", f"{_label(data, path)}.{param}")

    return dict(walk(data, ""))
