"""Dotted paths into plain nested data, and the plain form of a ``Spec`` used to compare it: the
one home of path helpers.

Path syntax (the same everywhere: ``write_only``, ``secret_paths``, plan field paths, ledger)::

    address.city              key "city" of the mapping under "address"
    rules[0].name             element 0 of the list "rules", then its key "name"
    endpoint_conf[].auth      every element of the list "endpoint_conf" (patterns only)
    values["a.b"]             a key that contains ".", "[", "]" or '"' (JSON-quoted)

Mappings are walked by key, lists and tuples by index, pydantic models by field name. Every
helper is pure (it never mutates its input; :func:`set_path` alone fills data being built) and
does no I/O.

Owns: :mod:`~omsform.paths.syntax` (parsing, formatting, ordering, relating paths),
:mod:`~omsform.paths.walk` (reading and rewriting data along paths),
:mod:`~omsform.paths.plain` (the comparison and JSON-ready forms) and
:mod:`~omsform.paths.diff` (which paths differ). Import the names from here.
May import: :mod:`omsform.secrets` (the ``(sensitive)`` marker only), pydantic, deepdiff.
"""

from __future__ import annotations

from omsform.paths.diff import changed_paths
from omsform.paths.plain import (
    SetValue,
    comparable,
    fast_encode,
    leaves,
    reveal,
    same_spec,
    sort_key,
    to_plain,
)
from omsform.paths.syntax import (
    Token,
    below,
    covers,
    format_path,
    parse_path,
    path_order,
    token_order,
    top_field,
)
from omsform.paths.walk import (
    drop_paths,
    get_path,
    items_by_pattern,
    iter_items,
    iter_paths,
    plain_at,
    replace_paths,
    set_path,
)

__all__ = [
    "SetValue",
    "Token",
    "below",
    "changed_paths",
    "comparable",
    "covers",
    "drop_paths",
    "fast_encode",
    "format_path",
    "get_path",
    "items_by_pattern",
    "iter_items",
    "iter_paths",
    "leaves",
    "parse_path",
    "path_order",
    "plain_at",
    "replace_paths",
    "reveal",
    "same_spec",
    "set_path",
    "sort_key",
    "to_plain",
    "token_order",
    "top_field",
]
