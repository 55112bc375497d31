"""Explaining a difference between two :func:`~omsform.paths.plain.comparable` values as the
dotted paths that changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretBytes, SecretStr

from omsform.paths.plain import SetValue
from omsform.paths.syntax import Token, format_path, token_order
from omsform.paths.walk import MISSING, step


def _opaque(value: Any) -> bool:
    """Values that change as a whole: sets (no positions) and secrets (no inside to show)."""
    return isinstance(value, SetValue | SecretStr | SecretBytes)


def _cut(tokens: list[Any], before: Any, after: Any) -> tuple[tuple[Token, ...], Any, Any]:
    """Shorten a deepdiff path to the first opaque value on it; the values at the result."""
    b, a = before, after
    for i, token in enumerate(tokens):
        if _opaque(b) or _opaque(a) or not isinstance(token, str | int):
            return tuple(tokens[:i]), b, a
        b, a = step(b, token), step(a, token)
        b, a = (None if b is MISSING else b), (None if a is MISSING else a)
    return tuple(tokens), b, a


def changed_paths(before: Any, after: Any) -> list[tuple[str, Any, Any]]:
    """``(path, before, after)`` for each changed path between two :func:`comparable` values.

    Call it only for values already known to differ. Top-level fields are compared directly;
    deepdiff explains changes inside nested mappings and lists (positions matter; sets and
    secrets change as a whole). Missing values are ``None``; paths are sorted.
    """
    found: dict[tuple[Token, ...], tuple[Any, Any]] = {}
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in set(before) | set(after):
            if before.get(key) != after.get(key):
                _explain_value((key,), before.get(key), after.get(key), found)
    elif before != after:
        _explain_value((), before, after, found)
    return [(format_path(t), *found[t]) for t in sorted(found, key=token_order)]


def _explain_value(
    prefix: tuple[Token, ...], before: Any, after: Any, found: dict[tuple[Token, ...], Any]
) -> None:
    nested = (Mapping, list)
    if not (isinstance(before, nested) and isinstance(after, nested)):
        found[prefix] = (before, after)  # a scalar, a set or a secret: the value is the change
        return
    from deepdiff import DeepDiff  # imported lazily: only nested differences pay for it

    size = len(found)
    tree = DeepDiff(before, after, ignore_order=False, view="tree", verbose_level=2)
    for report in tree.values():
        for level in report:
            tokens, b, a = _cut(level.path(output_format="list"), before, after)
            found.setdefault((*prefix, *tokens), (b, a))
    if len(found) == size:  # deepdiff saw no difference that == did: show the whole value
        found[prefix] = (before, after)
