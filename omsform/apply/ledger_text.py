"""The text of ``ledger.json``: exactly ``json.dumps(doc, indent=2, sort_keys=True)``, written
without the standard library's pure-Python encoder.

``json`` uses its C encoder only without ``indent``; with it, every value goes through a chain
of Python generators, and saving a ledger of 6,000 objects took ~0.15 s of an apply of 1,000
creates (spec §11 P6). The one-field-per-line layout is what keeps a change to one object a
small diff in review, so it stays; only the way it is produced changes: containers are laid out
here (a mapping of plain values in one call of ``json``'s C encoder, with the line break and
indentation as its item separator), every string and number is still encoded by ``json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_scalar = json.JSONEncoder(sort_keys=True).encode  # C-encoded strings, json's int/float rules
_encode_string = json.encoder.encode_basestring_ascii


_STR = {str}
_SCALARS = frozenset({str, int, float, bool, type(None)})
_flat_encoders: dict[str, Callable[[Any], str]] = {}


def _flat_encoder(inner: str) -> Callable[[Any], str]:
    """json's C encoder laying out a mapping of plain values one per line at ``inner``."""
    encode = _flat_encoders.get(inner)
    if encode is None:
        separators = ("," + inner, ": ")
        encode = _flat_encoders[inner] = json.JSONEncoder(
            sort_keys=True, separators=separators
        ).encode
    return encode


class _Unusual(Exception):
    """A value this writer does not lay out itself (a non-string key): ``json`` does it."""


def indented_json(doc: Any) -> str:
    """``json.dumps(doc, indent=2, sort_keys=True)``, the same text, faster."""
    parts: list[str] = []
    try:
        _lay_out(doc, "\n", parts)
    except _Unusual:
        return json.dumps(doc, indent=2, sort_keys=True)
    return "".join(parts)


def _lay_out(value: Any, newline: str, parts: list[str]) -> None:
    """Append ``value``'s text; ``newline`` is a line break plus the current indentation."""
    if isinstance(value, dict):
        _lay_out_mapping(value, newline, parts)
    elif isinstance(value, list | tuple):
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            parts.append(separator)
            _lay_out(item, inner, parts)
            separator = "," + inner
        parts.append(newline + "]")
    elif type(value) is str:
        parts.append(_encode_string(value))
    elif type(value) is int:
        parts.append(int.__repr__(value))  # what json writes for an int
    elif value is None:
        parts.append("null")
    else:
        parts.append(_scalar(value))


def _lay_out_mapping(value: dict[Any, Any], newline: str, parts: list[str]) -> None:
    """:func:`_lay_out` of a mapping: its items sorted by key, one per line."""
    if not value:
        parts.append("{}")
        return
    if set(map(type, value)) != _STR:
        raise _Unusual  # json turns such keys into strings: leave that to it
    inner = newline + "  "
    if _SCALARS.issuperset(map(type, value.values())):  # most ledger mappings: one C call
        parts.append("{" + inner + _flat_encoder(inner)(value)[1:-1] + newline + "}")
        return
    separator = "{" + inner
    for key in sorted(value):
        item, head = value[key], separator + _encode_string(key) + ": "
        if type(item) is str:  # a ledger entry's own fields: no call per field
            parts.append(head + _encode_string(item))
        else:
            parts.append(head)
            _lay_out(item, inner, parts)
        separator = "," + inner
    parts.append(newline + "}")
