"""Keeping secret values out of every output.

A value is secret when it came from ``${secret.NAME}`` or sits at a path a kind marks
write-only (§6). Two layers keep them out of output:

1. **Structure first.** Plans, saved plan files and the ledger are built without secret values:
   values at secret paths are masked by path (:func:`mask_paths`), and a string that must be
   kept but may embed a secret (a natural key such as ``target_url``) has the secret replaced
   *inside that string* (:func:`redact_data`), never by substituting in serialized JSON text, so
   JSON output is always valid JSON.
2. **Text safety net.** :func:`redact` replaces occurrences of secret values in messages, logs
   and rendered plans. A text that is a whole JSON document is redacted inside its strings only
   (see 1). Which values the net holds is decided by :func:`worth_redacting`:

   - values from ``${secret.NAME}`` and provider credentials: always, however short (they come
     from the environment and appear nowhere else);
   - literal values written in the YAML at a write-only path (a header value ``'2'``, a user
     name ``oms``): only when at least :data:`MIN_LITERAL_LENGTH` characters long. Such values
     are masked structurally by path wherever they are shown; short ones are in the committed
     YAML anyway, and replacing them in free text would corrupt counts, names and hashes
     (``Plan: 0 to create, (sensitive) to update``) while hiding nothing.

   Build the set with :func:`text_secrets` (or filter literals with :func:`worth_redacting`).

Path syntax (:mod:`omsform.paths`, shared with :attr:`omsform.resource.Resource.write_only`):
dotted field names; ``name[]`` means "every element of the list ``name``"; ``name[2]`` means
one element. Examples: ``token``, ``conf.password``, ``endpoint_conf[].auth.token``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from omsform import paths as _paths

SENSITIVE = "(sensitive)"
"""What a secret value is replaced with (the same marker as :data:`omsform.plan.SENSITIVE`)."""

MIN_LITERAL_LENGTH = 6
"""Shortest literal write-only value the text safety net redacts (see the module docstring)."""


@lru_cache(maxsize=64)
def _pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    """One alternation of all secrets, longest first so a secret containing another wins."""
    values = sorted((s for s in secrets if s), key=lambda s: (-len(s), s))
    if not values:
        return None
    return re.compile("|".join(re.escape(v) for v in values))


def _in_string(text: str, secrets: frozenset[str]) -> str:
    pattern = _pattern(secrets)
    if pattern is None or not text:
        return text
    return pattern.sub(SENSITIVE, text)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of every non-empty secret replaced by ``(sensitive)``.

    When ``text`` is a whole JSON document (an object or an array, as ``plan --format json``
    prints), the secrets are replaced inside its strings only and the document is written again
    (indented by 2) when anything changed, so it stays valid JSON.
    """
    found = frozenset(secrets)
    if _pattern(found) is None or not text:
        return text
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            pass  # not JSON after all: plain text
        else:
            clean = redact_data(data, found)
            if clean == data:
                return text
            end = "\n" if text.endswith("\n") else ""
            return json.dumps(clean, indent=2, ensure_ascii=False) + end
    return _in_string(text, found)


def redact_data(data: Any, secrets: Iterable[str]) -> Any:
    """A copy of JSON-like ``data`` with every secret replaced inside its strings (mapping keys
    included); numbers, booleans and the structure are never touched."""
    found = frozenset(secrets)
    if _pattern(found) is None:
        return data
    return _redact_value(data, found)


def _redact_value(data: Any, secrets: frozenset[str]) -> Any:
    if isinstance(data, str):
        return _in_string(data, secrets)
    if isinstance(data, Mapping):
        return {_redact_value(k, secrets): _redact_value(v, secrets) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_redact_value(v, secrets) for v in data]
    return data


def worth_redacting(value: str, *, literal: bool) -> bool:
    """Whether the text safety net hides ``value``: always when it came from ``${secret.…}``
    or a provider credential, only when long enough to be a credential when it is a literal
    written at a write-only path."""
    return bool(value) and (not literal or len(value) >= MIN_LITERAL_LENGTH)


def strings_in(value: Any) -> Iterator[str]:
    """Every non-empty string inside ``value`` (secret wrappers revealed, mapping values and
    list elements walked)."""
    value = _paths.reveal(value)
    if isinstance(value, str):
        if value:
            yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from strings_in(item)


def text_secrets(data: Any, referenced: Iterable[str], write_only: Iterable[str]) -> frozenset[str]:
    """The values of ``data`` (a spec or its plain form) the text safety net must hide: every
    string at a ``referenced`` path (its value came from ``${secret.…}``) and each literal at a
    ``write_only`` path that :func:`worth_redacting` keeps."""
    refs, patterns = set(referenced), tuple(write_only)
    if not refs and not patterns:
        return frozenset()  # most objects: skip converting the whole spec
    plain = _paths.comparable(data)
    found = {s for p in refs for v in _paths.iter_paths(plain, p) for s in strings_in(v)}
    for path in patterns:
        literal = path not in refs
        found.update(
            s
            for v in _paths.iter_paths(plain, path)
            for s in strings_in(v)
            if worth_redacting(s, literal=literal)
        )
    return frozenset(found)


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
