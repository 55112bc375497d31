"""The plain form of values: what a ``Spec`` is compared in (:func:`comparable`) and shown or
saved as (:func:`to_plain`), and a deterministic order over it."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic_core import to_jsonable_python

from omsform.paths.syntax import Token, format_path
from omsform.secrets import SENSITIVE


class SetValue(tuple[Any, ...]):
    """An unordered collection in canonical (sorted) order, so equal sets compare and diff equal.

    Field paths stop at a SetValue: a set changes as a whole (``tags``), never by position.
    """

    __slots__ = ()


def sort_key(value: Any) -> str:
    """A total, deterministic order over plain values (sets are shown and hashed in it)."""
    return json.dumps(to_plain(value), sort_keys=True, ensure_ascii=False)


def comparable(value: Any) -> Any:
    """The comparison form of a Spec or value: models become dicts, sets become sorted
    :class:`SetValue`, enums their values; secrets stay wrapped (``SecretStr``)."""
    if isinstance(value, BaseModel):
        return {name: comparable(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return SetValue(sorted((comparable(v) for v in value), key=sort_key))
    if isinstance(value, list | tuple):
        return [comparable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def to_plain(value: Any) -> Any:
    """JSON-ready copy of ``value``: sets sorted, models as dicts, secrets as ``(sensitive)``."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, SecretStr | SecretBytes):
        return SENSITIVE
    if isinstance(value, BaseModel):
        return to_plain(comparable(value))
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((to_plain(v) for v in value), key=sort_key)
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, Enum):
        return to_plain(value.value)
    return to_jsonable_python(value, fallback=str)


def reveal(value: Any) -> Any:
    """The underlying value of a pydantic secret wrapper (anything else unchanged)."""
    if isinstance(value, SecretStr | SecretBytes):
        return value.get_secret_value()
    return value


def leaves(value: Any, prefix: tuple[Token, ...] = ()) -> Iterator[tuple[str, Any]]:
    """``(path, value)`` of every value that is not None or empty, nested mappings flattened
    (lists are values)."""
    if isinstance(value, Mapping) and (value or not prefix):
        for key in sorted(value, key=str):
            yield from leaves(value[key], (*prefix, key))
    elif value is not None and not (isinstance(value, str | Mapping | list | tuple) and not value):
        yield format_path(prefix), value
