"""Reading and rewriting plain nested data along dotted paths. Every helper is pure (it never
mutates its input) except :func:`set_path`, which fills data being built."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from enum import Enum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from omsform.paths.plain import SetValue, comparable, sort_key
from omsform.paths.syntax import Token, format_path, parse_path

MISSING: Any = object()
"""What :func:`step` returns when there is no child at a token."""
_SCALARS = frozenset({str, int, float, bool})


def step(data: Any, token: Token) -> Any:
    """The child of ``data`` at one concrete token, or ``MISSING``."""
    if data is None or type(data) in _SCALARS:  # dead ends, decided before the ABC checks
        return MISSING
    if type(data) is not dict and isinstance(data, BaseModel):
        # a field's value is in the instance __dict__: read there, as getattr would, without
        # the descriptor behind ``model_fields`` (extras are not fields: left out as before)
        if token in type(data).__pydantic_fields__:
            return data.__dict__.get(token, MISSING)
        return MISSING
    if type(data) is dict or isinstance(data, Mapping):
        if token in data:
            return data[token]
        return data.get(str(token), MISSING) if isinstance(token, int) else MISSING
    if isinstance(data, list | tuple) and isinstance(token, int):
        return data[token] if 0 <= token < len(data) else MISSING
    return MISSING


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
    child = step(data, head)
    if child is not MISSING:
        yield from _walk(child, rest, (*done, head))


def iter_items(data: Any, path: str) -> Iterator[tuple[str, Any]]:
    """``(concrete path, value)`` for every value at ``path``, ``[]`` expanded to indices."""
    tokens = parse_path(path)
    if ... not in tokens:  # a concrete path: at most one value, found without recursion
        value = _follow(data, tokens)
        return iter(() if value is MISSING else ((format_path(tokens), value),))
    return ((format_path(done), value) for done, value in _walk(data, tokens, ()))


def iter_paths(data: Any, path: str) -> Iterator[Any]:
    """Every value at ``path`` (``[]`` expanded); nothing when the path is absent."""
    tokens = parse_path(path)
    if ... not in tokens:
        value = _follow(data, tokens)
        return iter(() if value is MISSING else (value,))
    return (value for _, value in _walk(data, tokens, ()))


def items_by_pattern(data: Any, paths: tuple[str, ...]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """``(path, list(iter_items(data, path)))`` for each of ``paths`` that has a value in
    ``data``, in the order of ``paths``, found in one walk: the parts the paths share (a kind's
    write-only patterns under one field) are visited once, and absent ones cost nothing more."""
    found: dict[int, list[tuple[str, Any]]] = {}
    _collect(data, _pattern_trie(paths), (), found)
    return [(paths[index], found[index]) for index in sorted(found)]


@lru_cache(maxsize=256)
def _pattern_trie(paths: tuple[str, ...]) -> dict[Any, Any]:
    """``paths`` as a trie of tokens; ``_LEAF`` lists the indices of the paths ending there."""
    root: dict[Any, Any] = {}
    for index, path in enumerate(paths):
        node = root
        for token in parse_path(path):
            node = node.setdefault(token, {})
        node.setdefault(_LEAF, []).append(index)
    return root


def _collect(
    data: Any, node: dict[Any, Any], done: tuple[Token, ...], found: dict[int, list[Any]]
) -> None:
    for index in node.get(_LEAF, ()):
        found.setdefault(index, []).append((format_path(done), data))
    if data is None or type(data) in _SCALARS:
        return  # nothing below a plain value
    children: Iterable[tuple[Any, Any]] = node.items()
    if type(data) is dict and len(data) < len(node) and all(type(t) is str for t in node):
        # a small mapping under many patterns (a kind's credential names): only its own keys
        children = [(key, node[key]) for key in data if key in node]
    for token, sub in children:
        if token is ...:
            for i, item in enumerate(_elements(data)):
                _collect(item, sub, (*done, i), found)
        elif token is not _LEAF:
            child = step(data, token)
            if child is not MISSING:
                _collect(child, sub, (*done, token), found)


def plain_at(data: Any, path: str) -> Any:
    """``get_path(comparable(data), path)``, without making the plain form of all of ``data``
    (only of the value found)."""
    tokens = parse_path(path)
    node = data
    for token in tokens:
        if isinstance(node, set | frozenset | Enum):  # indexed or walked in their plain form
            return get_path(comparable(data), path)
        node = step(node, token)
        if node is MISSING:
            return None
    return comparable(node)


def _follow(data: Any, tokens: tuple[Token, ...]) -> Any:
    """The value at concrete ``tokens``, or ``MISSING``."""
    for token in tokens:
        data = step(data, token)
        if data is MISSING:
            break
    return data


def get_path(data: Any, path: str, default: Any = None) -> Any:
    """The value at a concrete ``path``, or ``default`` when any step is missing."""
    tokens = parse_path(path)
    if ... in tokens:
        raise ValueError(f"get_path needs a concrete path, not the pattern {path!r}")
    found = _follow(data, tokens)
    return default if found is MISSING else found


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
    """Copy ``data`` with every trie leaf dropped (``replace`` is MISSING) or replaced.

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
        if replace is MISSING:
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
    return _rewrite(data, trie, MISSING) if trie else data


def replace_paths(data: Any, paths: Iterable[str], value: Any) -> Any:
    """A copy of ``data`` with every non-``None`` value at ``paths`` replaced by ``value``
    (to mask secrets use :func:`omsform.secrets.mask.mask_paths`)."""
    trie = _trie(paths)
    return _rewrite(data, trie, value) if trie else data


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a concrete ``path`` in ``data`` (modified in place), creating mappings
    on the way."""
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
