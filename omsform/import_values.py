"""One live object as the YAML data that declares it: defaults left out, sets sorted, literal
``${`` escaped, write-only values as generated ``${secret.NAME}`` references, and a check that
the result loads as the kind's Spec."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from omsform.import_names import SecretNames
from omsform.paths import covers, format_path, iter_items, parse_path
from omsform.resource import Resource

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


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
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


def hide_write_only(
    data: dict[str, Any], cls: type[Resource[Any]], name: str, secrets: SecretNames
) -> None:
    """Replace the values at the kind's write-only paths by new ``${secret.NAME}`` references."""
    for pattern in cls.write_only:
        for path, value in list(iter_items(data, pattern)):
            if value is not None and value != "":
                set_path(data, path, secrets.ref(cls.kind, name, path))


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
