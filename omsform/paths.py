"""Dotted paths into plain nested data, and the plain form of a ``Spec`` used to compare it.

Path syntax (the same everywhere: ``write_only``, ``secret_paths``, plan field paths, ledger)::

    address.city              key "city" of the mapping under "address"
    rules[0].name             element 0 of the list "rules", then its key "name"
    endpoint_conf[].auth      every element of the list "endpoint_conf" (patterns only)
    values["a.b"]             a key that contains ".", "[", "]" or '"' (JSON-quoted)

Mappings are walked by key, lists and tuples by index, pydantic models by field name. Every
helper is pure: it never mutates its input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from enum import Enum
from functools import lru_cache
from types import EllipsisType
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic_core import to_jsonable_python

Token = str | int | EllipsisType
"""One step of a path: a key, a list index, or ``...`` for every element (``[]``)."""

SENSITIVE = (
    "(sensitive)"  # same text as omsform.plan.model.SENSITIVE (plan imports nothing from here)
)

_TOKEN = re.compile(r'\.?(?:([^.\[\]"]+)|\[\]|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\])')
_PLAIN_KEY = re.compile(r'[^.\[\]"]+')
_MISSING = object()


class SetValue(tuple[Any, ...]):
    """An unordered collection in canonical (sorted) order, so equal sets compare and diff equal.

    Field paths stop at a SetValue: a set changes as a whole (``tags``), never by position.
    """

    __slots__ = ()


# --- parsing and formatting --------------------------------------------------------------------
@lru_cache(maxsize=4096)
def parse_path(path: str) -> tuple[Token, ...]:
    """Split a dotted path into tokens (``ValueError`` when it is not a valid path)."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if not match or match.end() == pos or (pos == 0 and path.startswith(".")):
            raise ValueError(f"invalid field path {path!r} at character {pos + 1}")
        key, index, quoted = match.groups()
        if key is not None:
            tokens.append(key)
        elif index is not None:
            tokens.append(int(index))
        elif quoted is not None:
            tokens.append(json.loads(f'"{quoted}"'))
        else:
            tokens.append(...)
        pos = match.end()
    return tuple(tokens)


def format_path(tokens: Iterable[Token]) -> str:
    """The dotted form of ``tokens`` (inverse of :func:`parse_path`)."""
    out: list[str] = []
    for token in tokens:
        if token is ...:
            out.append("[]")
        elif isinstance(token, int):
            out.append(f"[{token}]")
        elif _PLAIN_KEY.fullmatch(token):
            out.append(f".{token}" if out else token)
        else:
            out.append(f"[{json.dumps(token)}]")
    return "".join(out)


# --- reading -------------------------------------------------------------------------------------
def _step(data: Any, token: Token) -> Any:
    """The child of ``data`` at one concrete token, or ``_MISSING``."""
    if isinstance(data, Mapping):
        if token in data:
            return data[token]
        return data.get(str(token), _MISSING) if isinstance(token, int) else _MISSING
    if isinstance(data, list | tuple) and isinstance(token, int):
        return data[token] if 0 <= token < len(data) else _MISSING
    if isinstance(data, BaseModel) and token in type(data).model_fields:
        return getattr(data, token)
    return _MISSING


def _elements(data: Any) -> list[Any]:
    if isinstance(data, list | tuple):
        return list(data)
    if isinstance(data, set | frozenset):
        return sorted(data, key=sort_key)
    return []


def _walk(
    data: Any, tokens: tuple[Token, ...], done: tuple[Token, ...]
) -> Iterator[tuple[tuple[Token, ...], Any]]:
    if not tokens:
        yield done, data
        return
    head, rest = tokens[0], tokens[1:]
    if head is ...:
        for i, item in enumerate(_elements(data)):
            yield from _walk(item, rest, (*done, i))
        return
    child = _step(data, head)
    if child is not _MISSING:
        yield from _walk(child, rest, (*done, head))


def iter_items(data: Any, path: str) -> Iterator[tuple[str, Any]]:
    """``(concrete path, value)`` for every value at ``path``, ``[]`` expanded to indices."""
    for tokens, value in _walk(data, parse_path(path), ()):
        yield format_path(tokens), value


def iter_paths(data: Any, path: str) -> Iterator[Any]:
    """Every value at ``path`` (``[]`` expanded); nothing when the path is absent."""
    for _, value in _walk(data, parse_path(path), ()):
        yield value


def get_path(data: Any, path: str, default: Any = None) -> Any:
    """The value at a concrete ``path``, or ``default`` when any step is missing."""
    tokens = parse_path(path)
    if ... in tokens:
        raise ValueError(f"get_path needs a concrete path, not the pattern {path!r}")
    for token in tokens:
        data = _step(data, token)
        if data is _MISSING:
            return default
    return data


# --- rewriting -----------------------------------------------------------------------------------
_LEAF = object()  # marks the end of a path in a trie


def _trie(paths: Iterable[str]) -> dict[Any, Any]:
    root: dict[Any, Any] = {}
    for path in paths:
        node = root
        for token in parse_path(path):
            node = node.setdefault(token, {})
        node[_LEAF] = True
    return root


def _rewrite(data: Any, trie: dict[Any, Any], replace: Any) -> Any:
    """Copy ``data`` with every trie leaf dropped (``replace`` is _MISSING) or replaced.

    Only the containers on the way to a rewritten path are copied; the rest is shared.
    """
    if isinstance(data, Mapping):
        out = dict(data)
        for key in list(out):
            sub = trie.get(key) or (trie.get(int(key)) if _is_index(key) else None)
            if sub is not None:
                _apply(out, key, sub, replace)
        return out
    if isinstance(data, list | tuple) and not isinstance(data, str):
        items: dict[int, Any] = dict(enumerate(data))
        for i in range(len(data)):
            for sub in (trie.get(...), trie.get(i)):
                if sub is not None and i in items:
                    _apply(items, i, sub, replace)
        rebuilt = [items[i] for i in sorted(items)]
        return type(data)(rebuilt) if isinstance(data, SetValue) else _same_seq(data, rebuilt)
    return data


def _is_index(key: Any) -> bool:
    return isinstance(key, str) and key.isdigit()


def _same_seq(original: Any, items: list[Any]) -> Any:
    return tuple(items) if isinstance(original, tuple) else items


def _apply(container: dict[Any, Any], key: Any, sub: dict[Any, Any], replace: Any) -> None:
    if sub.get(_LEAF):
        if replace is _MISSING:
            del container[key]
        elif container[key] is not None:  # nothing secret in an absent value
            container[key] = replace
    else:
        container[key] = _rewrite(container[key], sub, replace)


def drop_paths(data: Any, paths: Iterable[str]) -> Any:
    """A copy of ``data`` without the values at ``paths`` (``[]`` = every element).

    Containers on the way to a dropped path are copied, everything else is shared with ``data``:
    treat the result as read-only. Absent paths are ignored.
    """
    trie = _trie(paths)
    return _rewrite(data, trie, _MISSING) if trie else data


def mask_paths(data: Any, paths: Iterable[str], mask: str = SENSITIVE) -> Any:
    """A copy of ``data`` with every non-``None`` value at ``paths`` replaced by ``mask``."""
    trie = _trie(paths)
    return _rewrite(data, trie, mask) if trie else data


# --- relating paths ------------------------------------------------------------------------------
def _token_matches(pattern: Token, token: Token) -> bool:
    return pattern == token or (pattern is ... and isinstance(token, int))


def covers(pattern: str, path: str) -> bool:
    """True when ``path`` is the value at ``pattern`` or inside it (``[]`` matches any index)."""
    pat, concrete = parse_path(pattern), parse_path(path)
    return len(pat) <= len(concrete) and all(map(_token_matches, pat, concrete))


def below(pattern: str, path: str) -> str | None:
    """The rest of ``pattern`` inside the value at ``path`` (``None`` if it does not reach in).

    ``below("conf[].auth.token", "conf[2]") == "auth.token"``.
    """
    pat, concrete = parse_path(pattern), parse_path(path)
    if len(pat) <= len(concrete) or not all(map(_token_matches, pat, concrete)):
        return None
    return format_path(pat[len(concrete) :])


# --- plain data ----------------------------------------------------------------------------------
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


# --- explaining a difference -------------------------------------------------------------------
def _opaque(value: Any) -> bool:
    """Values that change as a whole: sets (no positions) and secrets (no inside to show)."""
    return isinstance(value, SetValue | SecretStr | SecretBytes)


def _cut(tokens: list[Any], before: Any, after: Any) -> tuple[tuple[Token, ...], Any, Any]:
    """Shorten a deepdiff path to the first opaque value on it; the values at the result."""
    b, a = before, after
    for i, token in enumerate(tokens):
        if _opaque(b) or _opaque(a) or not isinstance(token, str | int):
            return tuple(tokens[:i]), b, a
        b, a = _step(b, token), _step(a, token)
        b, a = (None if b is _MISSING else b), (None if a is _MISSING else a)
    return tuple(tokens), b, a


def _token_order(tokens: tuple[Token, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, t, "") if isinstance(t, int) else (1, 0, str(t)) for t in tokens)


def path_order(path: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key for paths: keys alphabetically, indices numerically (``[2]`` before ``[10]``)."""
    return _token_order(parse_path(path))


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
    return [(format_path(t), *found[t]) for t in sorted(found, key=_token_order)]


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


# --- masking a changed value ---------------------------------------------------------------------
def _is_secret(value: Any) -> bool:
    return isinstance(value, SecretStr | SecretBytes)


def redact(path: str, before: Any, after: Any, secret: Iterable[str]) -> tuple[Any, Any, bool]:
    """Plain ``(before, after, sensitive)`` for a change at ``path``, given the secret patterns.

    A path at or inside a secret pattern (or holding a secret wrapper) is wholly sensitive:
    both values become ``(sensitive)`` (``before`` stays ``None`` when it was absent). A path
    above one keeps its values with the secret parts inside masked.
    """
    patterns = list(secret)
    if any(covers(p, path) for p in patterns) or _is_secret(before) or _is_secret(after):
        return (None if before is None else SENSITIVE), SENSITIVE, True
    inside = [rest for p in patterns if (rest := below(p, path)) is not None]
    return to_plain(mask_paths(before, inside)), to_plain(mask_paths(after, inside)), False


def leaves(value: Any, prefix: tuple[Token, ...] = ()) -> Iterator[tuple[str, Any]]:
    """``(path, value)`` of every value that is not None or empty, nested mappings flattened
    (lists are values)."""
    if isinstance(value, Mapping) and (value or not prefix):
        for key in sorted(value, key=str):
            yield from leaves(value[key], (*prefix, key))
    elif value is not None and not (isinstance(value, str | Mapping | list | tuple) and not value):
        yield format_path(prefix), value
