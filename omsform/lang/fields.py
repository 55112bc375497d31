"""How a declared body's keys meet a kind's spec model: the ``exclusive`` meta field, field
aliases, secret paths, and the natural key of a body that failed validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from omsform.contract.refs import slots
from omsform.contract.resource import Resource
from omsform.errors import Location, Problem
from omsform.lang.files import Declared
from omsform.lang.interpolate import Outcome
from omsform.lang.model_errors import Path
from omsform.paths import format_path, parse_path
from omsform.plan.openmaps import EXCLUSIVE


def split_exclusive(
    item: Declared, resource: type[Resource[Any]], data: Any, locate: Callable[[Path], Location]
) -> tuple[Any, frozenset[str] | None, Problem | None]:
    """The body without the ``exclusive`` meta field, and the open maps it makes
    authoritative; ``None`` and the problem for a bad value (``locate`` places it)."""
    if not isinstance(data, dict) or EXCLUSIVE not in data:
        return data, frozenset(), None
    if EXCLUSIVE in resource.spec_model.model_fields:
        return data, frozenset(), None  # a kind's own field of that name wins
    value = data[EXCLUSIVE]
    rest = {k: v for k, v in data.items() if k != EXCLUSIVE}
    opened = resource.open_maps
    if value is True and opened:
        return rest, frozenset(opened), None
    if (value is False or value is None) and opened:
        return rest, frozenset(), None
    if isinstance(value, list) and opened and all(v in opened for v in value):
        return rest, frozenset(value), None
    if not opened:
        message = f"`{EXCLUSIVE}` applies to open maps, and {item.kind} has none"
        hint = "its maps are always compared and sent whole: remove `exclusive`"
    else:
        message = (
            f"`{EXCLUSIVE}` takes true, false or a list of {item.kind}'s open maps "
            f"({', '.join(opened)})"
        )
        hint = "true: every open map is sent exactly as declared, other keys removed"
    return rest, None, Problem(locate((EXCLUSIVE,)), message, hint)


def partial_key(
    resource: type[Resource[Any]], data: Any, err: ValidationError, out: Outcome
) -> str:
    """The natural key of an object that failed validation when its key fields themselves are
    sound (present, user-written, without errors of their own); ``""`` otherwise."""
    if not isinstance(data, dict):
        return ""
    fields = resource.spec_model.model_fields
    keyed = set(resource.key_fields) | {
        alias for f in resource.key_fields if f in fields and (alias := fields[f].alias)
    }
    if any(e["loc"] and e["loc"][0] in keyed for e in err.errors()):
        return ""
    if any(out.doubtful((name,)) for name in keyed):
        return ""
    try:
        return resource.key(resource.spec_model.model_construct(**data))
    except Exception:  # a key hook that needs a fully valid spec: no key to compare
        return ""


def aliases(model: type[BaseModel], name: str) -> set[str]:
    """``name`` and its alias: the keys a YAML body may use for the field."""
    info = model.model_fields.get(name)
    return {name, info.alias} - {None} if info is not None else {name}  # type: ignore[return-value]


def field_path(model: type[BaseModel], path: Path) -> str:
    """The dotted secret path of a YAML path: aliases → field names, list indices → ``[]``."""
    steps: list[str | int] = list(path)
    if steps and isinstance(steps[0], str):
        for name, info in model.model_fields.items():
            if steps[0] == info.alias:
                steps[0] = name
    return format_path(... if isinstance(step, int) else step for step in steps)


def present(plain: Any, paths: tuple[str, ...]) -> tuple[str, ...]:
    """The ``paths`` whose leading keys all exist in ``plain`` (a plain form): a quick filter
    before walking them, as the others hold nothing (most write-only paths of most objects)."""
    kept = []
    for path in paths:
        node = plain
        for token in parse_path(path):
            if not isinstance(token, str):
                kept.append(path)  # an index or [] : the walk decides
                break
            if not isinstance(node, dict) or token not in node:
                break
            node = node[token]
        else:
            kept.append(path)
    return tuple(kept)


_EDGE_HOOKS: dict[type[Any], bool] = {}


def edge_hooks(resource: type[Resource[Any]]) -> bool:
    """Whether ``resource``'s ``references`` or ``comes_after`` may name anything: False for
    the defaults of a spec without :class:`~omsform.contract.refs.Ref` fields."""
    if resource not in _EDGE_HOOKS:
        own = any(
            getattr(resource, hook).__func__ is not getattr(Resource, hook).__func__
            for hook in ("references", "comes_after")
        )
        _EDGE_HOOKS[resource] = own or bool(slots(resource.spec_model))
    return _EDGE_HOOKS[resource]
