"""The plain form of values: what a ``Spec`` is compared in (:func:`comparable`) and shown or
saved as (:func:`to_plain`), a deterministic order over it, and its JSON text written fast
(:func:`fast_encode`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
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


def fast_encode(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """``encoder.encode`` with json's C encoder made once instead of on every call (apply
    encodes a few small records per write: journal lines, ledger entries, field digests);
    ``encoder.encode`` itself where there is no C encoder or it indents. Without the check for
    circular references: plain values come from JSON and YAML."""
    make: Callable[..., Any] | None = getattr(json.encoder, "c_make_encoder", None)
    if make is None or encoder.indent is not None:
        return encoder.encode
    strings = (
        json.encoder.encode_basestring_ascii
        if encoder.ensure_ascii
        else json.encoder.encode_basestring
    )
    c_encode = make(
        None,
        encoder.default,
        strings,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )
    return lambda value: "".join(c_encode(value, 0))


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


def same_spec(spec: Any, other: Any) -> bool:
    """``spec == other``, with the usual equal pair of models decided from their field values
    at once (pydantic's own equality answers the same, after checks that cost more than the
    comparison itself: planning compares every declared object with its live one)."""
    if (
        type(spec) is type(other)
        and isinstance(spec, BaseModel)
        and spec.__dict__ == other.__dict__
        and (spec.__pydantic_extra__ or {}) == (other.__pydantic_extra__ or {})
        and getattr(spec, "__pydantic_private__", None)
        == getattr(other, "__pydantic_private__", None)
    ):
        return True
    return bool(spec == other)


def to_plain(value: Any) -> Any:
    """JSON-ready copy of ``value``: sets sorted, models as dicts, secrets as ``(sensitive)``."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, SecretStr | SecretBytes):
        return SENSITIVE
    if isinstance(value, BaseModel):
        return _plain_comparable(value)
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((to_plain(v) for v in value), key=sort_key)
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, Enum):
        return to_plain(value.value)
    return to_jsonable_python(value, fallback=str)


_PLAIN_LEAVES = (str, int, float, bool)


def _plain_comparable(value: Any) -> Any:
    """``to_plain(comparable(value))`` in one walk (no intermediate dicts or :class:`SetValue`):
    loading a large brand takes the plain form of every declared object."""
    if value is None or type(value) in _PLAIN_LEAVES:  # exact types: an Enum takes .value below
        return value
    if isinstance(value, BaseModel):
        return {name: _plain_comparable(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {str(k): _plain_comparable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        # the items are plain already, so their sort_key is their JSON text
        return sorted((_plain_comparable(v) for v in value), key=_plain_sort_key)
    if isinstance(value, list | tuple):
        return [_plain_comparable(v) for v in value]
    if isinstance(value, Enum):
        return to_plain(value.value)
    return to_plain(value)


def _plain_sort_key(plain: Any) -> str:
    """:func:`sort_key` of a value that is plain already."""
    return json.dumps(plain, sort_keys=True, ensure_ascii=False)


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
