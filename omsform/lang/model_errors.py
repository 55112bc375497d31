"""Pydantic validation errors → :class:`~omsform.errors.Problem` s placed on the YAML.

Each error becomes one sentence naming the field path, what was expected and (unless the value
is secret) what was found, located at the field's node: the key for an unknown field, the value
for a wrong one, the enclosing map for a missing one. Union branches, which pydantic reports
once per member, are merged into one problem.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from omsform.errors import Location, Problem
from omsform.lang.suggest import did_you_mean

Path = tuple[str | int, ...]
Locate = Callable[[Path, bool], Location]
"""``locate(data path, at_key)`` → where that value (or its key) is written."""

_QUOTED = re.compile(r"'([^']*)'")


def dotted(path: Path) -> str:
    """``("conf", "auth", 0)`` → ``conf.auth[0]``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def model_problems(
    err: ValidationError,
    model: type[BaseModel],
    data: Any,
    locate: Locate,
    *,
    is_secret: Callable[[Path], bool] = lambda _: False,
    skip: Callable[[Path], bool] = lambda _: False,
) -> list[Problem]:
    """One problem per distinct error in ``err`` (from validating ``data`` with ``model``).

    ``is_secret(path)`` hides the found value; ``skip(path)`` drops errors caused by values
    already reported elsewhere (an unresolved reference, a secret placeholder).
    """
    grouped: dict[tuple[Path, str], list[str]] = {}
    hints: dict[tuple[Path, str], str] = {}
    for error in err.errors(include_url=False):
        path, branched = _clean(tuple(error["loc"]), data, error["type"] == "missing")
        if skip(path):
            continue
        kind = error["type"]
        slot = (path, "branch" if branched else kind)
        grouped.setdefault(slot, []).append(_sentence(error))
        if slot not in hints:
            hints[slot] = _hint(error, model, path)
    problems = []
    for (path, kind), sentences in grouped.items():
        unique = [_collection(s, model, path) for s in dict.fromkeys(sentences)]
        message = _subject(path, kind) + " or ".join(unique)
        value = _value_at(data, path)
        cross_field = kind in _RULES and isinstance(value, dict)
        if kind not in ("extra_forbidden", "missing") and not is_secret(path) and not cross_field:
            message += _found(value)
        at_key = kind == "extra_forbidden"
        where = _named_field(path, unique[0], value) if cross_field else path
        problems.append(Problem(locate(where, at_key), message, hints[(path, kind)]))
    return problems


_RULES = ("value_error", "assertion_error")
"""Errors a validator raised; on a map they are cross-field rules of a whole (sub)model, and
", got a map" (the whole resource) would say nothing."""
_COLLECTIONS = ("frozenset", "set", "tuple", "list")


def _named_field(path: Path, sentence: str, value: Mapping[str, Any]) -> Path:
    """Where a cross-field rule is best shown: at the field its message starts with
    (``channel_condition is static but …``) when the YAML writes it, else at the map."""
    first = re.match(r"`?([A-Za-z_][A-Za-z0-9_]*)`?", sentence)
    return (*path, first.group(1)) if first and first.group(1) in value else path


def _collection(sentence: str, model: type[BaseModel], path: Path) -> str:
    """``must be a valid frozenset`` → ``must be a list of strings``: YAML has lists only."""
    for name in _COLLECTIONS:
        if sentence == f"must be a valid {name}":
            return "must be a list of strings" if _of_strings(model, path) else "must be a list"
    return sentence


def _of_strings(model: type[BaseModel], path: Path) -> bool:
    if not path or not isinstance(path[-1], str):
        return False
    for owner in _models_at(model, path[:-1]):
        annotation = _field(owner, path[-1])
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        if args and all(a is str for a in args):
            return True
    return False


def _models_at(model: type[BaseModel], path: Path) -> list[type[BaseModel]]:
    models = [model]
    for step in path:
        if isinstance(step, int):
            continue
        models = [m for current in models for m in _models_in(_field(current, step))]
    return models


def _subject(path: Path, kind: str) -> str:
    if kind == "extra_forbidden":
        return f"unknown field '{dotted(path)}'"
    if kind == "missing":
        return f"missing required field '{dotted(path)}'"
    return f"field '{dotted(path)}' " if path else ""


def _sentence(error: Mapping[str, Any]) -> str:
    if error["type"] in ("extra_forbidden", "missing"):
        return ""
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return message.replace("Input should be", "must be").replace("Input", "value")


def _hint(error: Mapping[str, Any], model: type[BaseModel], path: Path) -> str:
    kind = error["type"]
    if kind == "extra_forbidden" and path and isinstance(path[-1], str):
        return did_you_mean(path[-1], field_names(model, path[:-1]))
    if kind in ("literal_error", "enum"):
        allowed = _QUOTED.findall(str((error.get("ctx") or {}).get("expected", "")))
        return did_you_mean(str(error.get("input")), allowed)
    return ""


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return ", got a map"
    if isinstance(value, list):
        return ", got a list"
    if value is _MISSING:
        return ""
    text = repr(value)
    return f", got {text[:57] + '...' if len(text) > 60 else text}"


_MISSING = object()


def _step(data: Any, step: str | int) -> Any:
    """``data[step]`` when that exists in the YAML-shaped ``data``, else ``_MISSING``."""
    if isinstance(data, dict):
        return data.get(step, _MISSING)
    if isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
        return data[step]
    return _MISSING


def _value_at(data: Any, path: Path) -> Any:
    for step in path:
        data = _step(data, step)
    return data


def _clean(loc: Path, data: Any, keep_last: bool) -> tuple[Path, bool]:
    """The data path of a pydantic ``loc``: union-member and ``[key]`` tags removed."""
    path: list[str | int] = []
    branched = False
    for i, step in enumerate(loc):
        child = _step(data, step)
        if child is _MISSING and not (keep_last and i == len(loc) - 1):
            branched = True
            continue
        data = child
        path.append(step)
    return tuple(path), branched


def field_names(model: type[BaseModel], path: Path) -> set[str]:
    """Field names (and aliases) of the model found at ``path`` inside ``model``."""
    models = [model]
    for step in path:
        nxt: list[type[BaseModel]] = []
        for current in models:
            if isinstance(step, int):
                nxt.append(current)  # a list step was unwrapped with its field already
                continue
            field = _field(current, step)
            if field is not None:
                nxt.extend(_models_in(field))
        models = nxt
    names: set[str] = set()
    for current in models:
        for name, info in current.model_fields.items():
            names.add(name)
            if info.alias:
                names.add(info.alias)
    return names


def _field(model: type[BaseModel], name: str) -> Any:
    for field_name, info in model.model_fields.items():
        if name in (field_name, info.alias):
            return info.annotation
    return None


def _models_in(annotation: Any) -> Iterable[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin is None:
        return []
    args = get_args(annotation)
    if origin is dict or (isinstance(origin, type) and issubclass(origin, Mapping)):
        args = args[1:]
    elif origin not in (Union, types.UnionType, list, tuple, set, frozenset):
        args = args[:1] if origin is not None and args else ()
    return [m for arg in args if arg is not Ellipsis for m in _models_in(arg)]
