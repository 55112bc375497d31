"""Keeping secret values out of every output.

A value is secret when it came from ``${secret.NAME}`` or sits at a path a kind marks
write-only (§6). Two layers keep them out of output:

1. **Structure first.** Plans, saved plan files and the ledger are built without secret values:
   values at secret paths are masked by path (:func:`mask_paths`), and a string that must be
   kept but may embed a secret (a natural key such as ``target_url``) has the secret replaced
   *inside that string* (:func:`redact_data`), never by substituting in serialized JSON text, so
   JSON output is always valid JSON.
2. **Text safety net.** :func:`redact` (the one text redaction; every other ``redact`` calls
   it) replaces whole occurrences of secret values in messages, logs and rendered plans, on the
   full text before anything cuts it or changes its whitespace. A text that is a whole JSON
   document is redacted inside its strings only (see 1). Values shorter than
   :data:`MIN_LENGTH` are never replaced in free text (``Plan: 0 to create, (sensitive) to
   update`` hides nothing and garbles everything): they are masked structurally by path, and a
   ``${secret.…}`` that short is a validation warning (:func:`short_secret_warning`). Literal
   values written in the YAML at a write-only path join the net only when long enough
   (:func:`worth_redacting`); short ones are in the committed YAML anyway.

   Build the set with :func:`text_secrets` (or filter literals with :func:`worth_redacting`).

Paths use the syntax of :mod:`omsform.paths` (``token``, ``conf.password``,
``endpoint_conf[].auth.token``), shared with
:attr:`omsform.contract.resource.Resource.write_only`. The matching of whole values is
:mod:`omsform.secrets.patterns`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pydantic import SecretBytes, SecretStr

from omsform import paths as _paths
from omsform.secrets import SENSITIVE
from omsform.secrets.patterns import SecretsPattern, exact_pattern, secrets_pattern

MIN_LENGTH = 6
"""Shortest value the text safety net redacts; shorter secrets get a validation warning and
are masked by path only (see the module docstring)."""


CREDENTIAL_PARAMS = frozenset(
    {
        "token",
        "access_token",
        "key",
        "api_key",
        "apikey",
        "secret",
        "password",
        "pass",
        "pwd",
        "signature",
        "sig",
        "auth",
        "code",
    }
)
"""Names (compared case-insensitively) of URL query parameters whose values are credentials:
in any URL omsform shows or writes, their values are ``(sensitive)`` even when omsform cannot
name the secret (a live webhook's ``?token=`` after the brand's secret was rotated); ``import``
writes them as generated ``${secret.NAME}`` references. The one list: every masking uses it."""

# ``?name=value`` / ``&name=value`` (or ``;``): the value runs to the next separator, quote,
# bracket, backslash (a JSON escape), escape code or whitespace, less a trailing full stop or
# comma (prose around the URL). A value already masked or written as a
# ``${…}`` reference is left alone.
_STOP = r"&;#\s\"'<>()\[\]{}\\\x1b"
_URL_PARAM = re.compile(
    r"(?P<head>[?&;](?P<name>[A-Za-z0-9_.%-]+)=)"
    rf"(?P<value>(?!\(sensitive\))(?!\$\$?\{{)[^{_STOP}]*[^{_STOP}.,:!?])"
)


def url_credentials(text: str) -> tuple[str, ...]:
    """The values of the credential query parameters (:data:`CREDENTIAL_PARAMS`) in ``text``,
    in order of appearance (without repeats)."""
    if "=" not in text:
        return ()
    found = (m["value"] for m in _URL_PARAM.finditer(text) if _is_credential(m["name"]))
    return tuple(dict.fromkeys(found))


def _is_credential(name: str) -> bool:
    return name.lower() in CREDENTIAL_PARAMS


def mask_url_credentials(text: str, mask: str = SENSITIVE) -> str:
    """``text`` with the value of every credential query parameter of every URL in it
    (``?token=abc`` → ``?token=(sensitive)``); other parameters and text unchanged."""
    return replace_url_credentials(text, lambda _name, _value: mask)


def replace_url_credentials(text: str, replace: Callable[[str, str], str]) -> str:
    """``text`` with the value of every credential query parameter replaced by
    ``replace(name, value)`` (values already ``(sensitive)`` or ``${…}`` are left alone)."""
    if "=" not in text:
        return text
    return _URL_PARAM.sub(
        lambda m: m["head"] + replace(m["name"], m["value"]) if _is_credential(m["name"]) else m[0],
        text,
    )


def mask_url_data(data: Any) -> Any:
    """A copy of JSON-like ``data`` with :func:`mask_url_credentials` applied to every string
    (mapping keys included)."""
    if isinstance(data, str):
        return mask_url_credentials(data)
    if isinstance(data, Mapping):
        return {mask_url_data(k): mask_url_data(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return type(data)(mask_url_data(v) for v in data)
    return data


def _in_string(text: str, pattern: SecretsPattern | None) -> str:
    if not text:
        return text
    if pattern is not None:
        text = pattern.sub(SENSITIVE, text)
    return mask_url_credentials(text)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every whole occurrence of every secret replaced by ``(sensitive)``.

    This is the one text redaction of omsform: every message, log line and rendered plan goes
    through it, always on the full text, before anything cuts it or changes its whitespace.

    - *Whole values only*: a secret is not replaced inside a longer word, so ordinary words
      stay intact. Its URL-encoded and JSON-escaped forms are found too, and any run of
      whitespace inside a secret matches any other (a multi-line secret printed re-indented or
      collapsed onto one line).
    - Values shorter than :data:`MIN_LENGTH` are left out: in free text they cannot be told
      from ordinary words and numbers. They are masked structurally, by path, and
      validation warns about them (:func:`short_secret_warning`).

    - Values of credential query parameters in URLs (``?token=…``, :data:`CREDENTIAL_PARAMS`)
      are masked even when they are no known secret (a live object's old token).

    When ``text`` is a whole JSON document (an object or an array, as ``plan --format json``
    prints), the secrets are replaced inside its strings only and the document is written again
    (indented by 2) when anything changed, so it stays valid JSON.
    """
    pattern = secrets_pattern(frozenset(secrets), MIN_LENGTH)
    if not text:
        return text
    if text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except ValueError:
            pass  # not JSON after all: plain text
        else:
            clean = _redact_value(data, pattern)
            if clean == data:
                return text
            end = "\n" if text.endswith("\n") else ""
            return json.dumps(clean, indent=2, ensure_ascii=False) + end
    return _in_string(text, pattern)


def redact_data(data: Any, secrets: Iterable[str]) -> Any:
    """A copy of JSON-like ``data`` with every secret replaced inside its strings (mapping keys
    included); numbers, booleans and the structure are never touched.

    This masks known parts of known fields (a natural key that embeds a secret), so secrets of
    any length are replaced, as whole values (see :func:`redact`). Credential query parameters
    of URLs are masked too, known or not (:func:`mask_url_credentials`)."""
    return _redact_value(data, secrets_pattern(frozenset(secrets), 1))


def _redact_value(data: Any, pattern: SecretsPattern | None) -> Any:
    if isinstance(data, str):
        return _in_string(data, pattern)
    if isinstance(data, Mapping):
        return {_redact_value(k, pattern): _redact_value(v, pattern) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_redact_value(v, pattern) for v in data]
    return data


def worth_redacting(value: str, *, literal: bool) -> bool:
    """Whether the text safety net hides ``value``: always when it came from ``${secret.…}``
    or a provider credential, only when long enough to be a credential when it is a literal
    written at a write-only path."""
    return bool(value) and (not literal or len(value) >= MIN_LENGTH)


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


def text_secrets(
    data: Any, referenced: Iterable[str], write_only: Iterable[str], *, plain: bool = False
) -> frozenset[str]:
    """The values of ``data`` (a spec or its plain form) the text safety net must hide: every
    string at a ``referenced`` path (its value came from ``${secret.…}``) and each literal at a
    ``write_only`` path that :func:`worth_redacting` keeps. ``plain``: ``data`` is
    :func:`omsform.paths.to_plain`'s output already (loading a brand), so it is walked as is."""
    refs, patterns = set(referenced), tuple(write_only)
    if not refs and not patterns:
        return frozenset()  # most objects: skip converting the whole spec
    if not plain:
        data = _paths.comparable(data)
    # one walk per set of paths (a kind's 22 credential patterns under one field, most absent)
    values = _paths.items_by_pattern(data, tuple(sorted(refs)))
    found = {s for _, items in values for _, v in items for s in strings_in(v)}
    for path, items in _paths.items_by_pattern(data, patterns):
        literal = path not in refs
        found.update(
            s for _, v in items for s in strings_in(v) if worth_redacting(s, literal=literal)
        )
    return frozenset(found)


def mask_paths(data: Any, paths: Iterable[str]) -> Any:
    """A copy of ``data`` with the value at each path replaced by ``(sensitive)``.

    Missing paths and ``None`` values are left alone (there is nothing to hide); the input is
    never modified. The path syntax is :mod:`omsform.paths`.
    """
    return _paths.replace_paths(data, paths, SENSITIVE)


def mask_change(path: str, before: Any, after: Any, secret: Iterable[str]) -> tuple[Any, Any, bool]:
    """Plain ``(before, after, sensitive)`` for a change at ``path``, given the secret patterns.

    A path at or inside a secret pattern (or holding a secret wrapper) is wholly sensitive:
    both values become ``(sensitive)`` (``before`` stays ``None`` when it was absent). A path
    above one keeps its values with the secret parts inside masked.
    """
    patterns = list(secret)
    if any(_paths.covers(p, path) for p in patterns) or _is_secret(before) or _is_secret(after):
        return (None if before is None else SENSITIVE), SENSITIVE, True
    inside = [rest for p in patterns if (rest := _paths.below(p, path)) is not None]
    plain = _paths.to_plain
    return plain(mask_paths(before, inside)), plain(mask_paths(after, inside)), False


def _is_secret(value: Any) -> bool:
    return isinstance(value, SecretStr | SecretBytes)


def short_secret_warning(name: str, value: str) -> tuple[str, str] | None:
    """The validation warning (message, hint) for secret ``name`` when its ``value`` is too
    short for the text safety net; ``None`` when it is long enough (or empty)."""
    if not value.strip() or len(value.strip()) >= MIN_LENGTH:
        return None
    message = (
        f"secret {name} is shorter than {MIN_LENGTH} characters: plans and saved files mask it "
        "by field, but free text (API error messages, debug logs) cannot hide it without "
        "garbling ordinary words"
    )
    return message, f"use a secret of at least {MIN_LENGTH} characters"


def replace_secrets(text: str, replacements: Mapping[str, str]) -> str:
    """``text`` with every whole, exact occurrence of each secret (a key of ``replacements``)
    replaced by its replacement (``omsform import`` writes ``${secret.NAME}`` for a value it
    was given). A secret shorter than :data:`MIN_LENGTH` is replaced only when it is the whole
    text: inside longer text it cannot be told from an ordinary word."""
    if text in replacements:
        return replacements[text]
    usable = sorted((s for s in replacements if len(s) >= MIN_LENGTH), key=lambda s: (-len(s), s))
    if not usable or not text:
        return text
    pattern = exact_pattern(tuple(usable))
    return pattern.sub(lambda m: replacements[usable[(m.lastindex or 1) - 1]], text)
