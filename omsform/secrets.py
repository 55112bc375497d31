"""Keeping secret values out of every output.

A value is secret when it came from ``${secret.NAME}`` or sits at a path a kind marks
write-only (§6). Two tools keep them out of output:

- :func:`redact` replaces every occurrence of any secret value in a text with ``(sensitive)``.
  It is the last line of defence for messages, logs and rendered plans. Every non-empty secret is
  redacted, however short: a one-character secret would blank that character everywhere, which
  is ugly but never leaks. Use real secrets (tokens, passwords), not single letters.
- :func:`mask_paths` replaces the values at given field paths of a JSON-like structure, for
  structured output (plans, ledgers) where the path, not the value, says what is secret.

Path syntax (shared with :attr:`omsform.resource.Resource.write_only`): dotted field names;
``name[]`` means "every element of the list ``name``"; ``name[2]`` means one element.
Examples: ``token``, ``conf.password``, ``endpoint_conf[].auth.token``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

SENSITIVE = "(sensitive)"
"""What a secret value is replaced with (the same marker as :data:`omsform.plan.SENSITIVE`)."""

_STEP = re.compile(r"([^.\[\]]+)|\[(\d*)\]")


@lru_cache(maxsize=64)
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    """One alternation of all secrets, longest first so a secret containing another wins."""
    values = sorted((s for s in secrets if s), key=lambda s: (-len(s), s))
    if not values:
        return None
    return re.compile("|".join(re.escape(v) for v in values))


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of every non-empty secret replaced by ``(sensitive)``."""
    pattern = _pattern(frozenset(secrets))
    if pattern is None or not text:
        return text
    return pattern.sub(SENSITIVE, text)


def parse_path(path: str) -> tuple[str | int | None, ...]:
    """Split a path into steps: a field name (str), a list index (int) or every element (None).

    ``endpoint_conf[].auth.token`` → ``("endpoint_conf", None, "auth", "token")``.
    """
    steps: list[str | int | None] = []
    for match in _STEP.finditer(path):
        name, index = match.groups()
        if name is not None:
            steps.append(name)
        else:
            steps.append(int(index) if index else None)
    return tuple(steps)


def mask_paths(data: Any, paths: Iterable[str]) -> Any:
    """A copy of ``data`` with the value at each path replaced by ``(sensitive)``.

    Missing paths and ``None`` values are left alone (there is nothing to hide); containers
    that are not on a masked path are shared with the input, not copied.
    """
    result = data
    for path in paths:
        result = _mask(result, parse_path(path))
    return result


def _mask(node: Any, steps: tuple[str | int | None, ...]) -> Any:
    if not steps:
        return node if node is None else SENSITIVE
    step, rest = steps[0], steps[1:]
    if isinstance(step, str):
        if not isinstance(node, Mapping) or step not in node:
            return node
        copy = dict(node)
        copy[step] = _mask(node[step], rest)
        return copy
    if not isinstance(node, list | tuple):
        return node
    items = list(node)
    if step is None:
        items = [_mask(item, rest) for item in items]
    elif 0 <= step < len(items):
        items[step] = _mask(items[step], rest)
    return type(node)(items) if isinstance(node, tuple) else items


def values_at(data: Any, path: str) -> list[Any]:
    """Every value found at ``path`` in ``data`` (several when the path has ``[]``)."""
    found = [data]
    for step in parse_path(path):
        nxt: list[Any] = []
        for node in found:
            if isinstance(step, str):
                if isinstance(node, Mapping) and step in node:
                    nxt.append(node[step])
            elif isinstance(node, list | tuple):
                if step is None:
                    nxt.extend(node)
                elif 0 <= step < len(node):
                    nxt.append(node[step])
        found = nxt
    return found
