"""Reading and rewriting plain nested data along dotted paths. Every helper is pure (it never
mutates its input) except :func:`set_path`, which fills data being built."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from omsform.paths.plain import SetValue, sort_key
from omsform.paths.syntax import Token, format_path, parse_path

MISSING: Any = object()
"""What :func:`step` returns when there is no child at a token."""


def step(data: Any, token: Token) -> Any:
    """The child of ``data`` at one concrete token, or ``MISSING``."""
    if isinstance(data, Mapping):
        if token in data:
            return data[token]
        return data.get(str(token), MISSING) if isinstance(token, int) else MISSING
    if isinstance(data, list | tuple) and isinstance(token, int):
        return data[token] if 0 <= token < len(data) else MISSING
    if isinstance(data, BaseModel) and token in type(data).model_fields:
        return getattr(data, token)
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
        data = step(data, token)
        if data is MISSING:
            return default
    return data


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
