"""The text of ``ledger.json``: exactly ``json.dumps(doc, indent=2, sort_keys=True)``, written
without the standard library's pure-Python encoder.

``json`` uses its C encoder only without ``indent``; with it, every value goes through a chain
of Python generators, and saving a ledger of 6,000 objects took ~0.15 s of an apply of 1,000
creates (spec §11 P6). The one-field-per-line layout is what keeps a change to one object a
small diff in review, so it stays; only the way it is produced changes: containers are laid out
here (a mapping of plain values in one call of ``json``'s C encoder, with the line break and
indentation as its item separator), every string and number is still encoded by ``json``.

A whole ledger is laid out by :func:`ledger_json`, which knows the shape of an entry: one
template per entry and one C call per mapping inside it (~3 µs an entry, against ~7 µs for
:func:`indented_json` after a dict per entry was built for it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from omsform.paths import fast_encode

if TYPE_CHECKING:
    from omsform.apply.ledger_entry import LedgerEntry

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
        encode = _flat_encoders[inner] = fast_encode(
            json.JSONEncoder(sort_keys=True, separators=separators)
        )
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


_ENTRY_FIELD = "\n      "  # an entry's fields: 3 levels deep
_ENTRY_END = "\n    }"
_INNER = "\n        "  # the items of a mapping inside an entry: 4 levels deep


def _inner_mapping(value: Mapping[Any, Any]) -> str | None:
    """The text of a mapping inside an entry (fingerprints, applied); ``None`` unless its
    values are plain (its keys json's encoders both turn into strings the same way)."""
    if not value:
        return "{}"
    if not _SCALARS.issuperset(map(type, value.values())):
        return None
    text = _flat_encoder(_INNER)(value)
    return "{" + _INNER + text[1:-1] + "\n      }"


def _entry_text(entry: LedgerEntry) -> str | None:
    """The text of ``entry.as_json()`` as the value of a ``resources`` item, or ``None`` when
    something in it is unusual (:func:`indented_json` lays the whole file out then)."""
    prints = _inner_mapping(entry.fingerprints)
    applied = _inner_mapping(entry.applied) if entry.applied else ""
    remote_id = entry.remote_id
    if type(remote_id) is int:
        remote_text = int.__repr__(remote_id)
    elif type(remote_id) is str:
        remote_text = _encode_string(remote_id)
    elif remote_id is None:
        remote_text = "null"
    else:
        return None
    if prints is None or applied is None or type(entry.key) is not str:
        return None
    if type(entry.kind) is not str:
        return None
    head = "{" + _ENTRY_FIELD + '"applied": ' + applied + "," if applied else "{"
    return (
        f'{head}{_ENTRY_FIELD}"fingerprints": {prints},{_ENTRY_FIELD}"key": '
        f'{_encode_string(entry.key)},{_ENTRY_FIELD}"kind": {_encode_string(entry.kind)},'
        f'{_ENTRY_FIELD}"remote_id": {remote_text}{_ENTRY_END}'
    )


def ledger_json(header: Mapping[str, Any], entries: Iterable[tuple[str, LedgerEntry]]) -> str:
    """``indented_json({**header, "resources": {a: e.as_json() for a, e in entries}})``, the
    same text, faster: ``entries`` sorted by address, ``header`` plain values only."""
    items = list(entries)
    parts: list[str] = []
    for address, entry in items:
        text = _entry_text(entry)
        if text is None:
            break
        parts.append(_encode_string(address) + ": " + text)
    plain_header = _SCALARS.issuperset(map(type, header.values()))
    if "resources" in header or len(parts) < len(items) or not plain_header:
        resources = {address: entry.as_json() for address, entry in items}
        return indented_json({**header, "resources": resources})
    empty = indented_json({**header, "resources": {}})
    if not items:
        return empty
    body = ",\n    ".join(parts)
    # the header is flat: its only ``"resources": {}`` is that key's (a quote inside a string
    # value is escaped)
    return empty.replace('"resources": {}', '"resources": {\n    ' + body + "\n  }", 1)
