"""Keeping secret values out of every output.

A value is secret when it came from ``${secret.NAME}`` or sits at a path a kind marks
write-only (§6). Two tools keep them out of output:

- :func:`redact` replaces every occurrence of any secret value in a text with ``(sensitive)``.
  It is the last line of defence for messages, logs and rendered plans. Every non-empty secret is
  redacted, however short: a one-character secret would blank that character everywhere, which
  is ugly but never leaks. Use real secrets (tokens, passwords), not single letters.
- :func:`mask_paths` replaces the values at given field paths of a JSON-like structure, for
  structured output (plans, ledgers) where the path, not the value, says what is secret.

Path syntax (:mod:`omsform.paths`, shared with :attr:`omsform.resource.Resource.write_only`):
dotted field names; ``name[]`` means "every element of the list ``name``"; ``name[2]`` means
one element. Examples: ``token``, ``conf.password``, ``endpoint_conf[].auth.token``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from omsform import paths as _paths

SENSITIVE = "(sensitive)"
"""What a secret value is replaced with (the same marker as :data:`omsform.plan.SENSITIVE`)."""


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


def mask_paths(data: Any, paths: Iterable[str]) -> Any:
    """A copy of ``data`` with the value at each path replaced by ``(sensitive)``.

    Missing paths and ``None`` values are left alone (there is nothing to hide); the input is
    never modified. One implementation of the path syntax serves everything:
    :func:`omsform.paths.mask_paths`.
    """
    return _paths.mask_paths(data, paths, SENSITIVE)


def values_at(data: Any, path: str) -> list[Any]:
    """Every value found at ``path`` in ``data`` (several when the path has ``[]``)."""
    return list(_paths.iter_paths(data, path))
