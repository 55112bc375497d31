"""Regular expressions that find a secret as a *whole value* in text, in every form it takes
there (as given, URL-encoded, JSON-escaped, re-indented): the matching behind
:func:`omsform.secrets.mask.redact` and :func:`~omsform.secrets.mask.replace_secrets`."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, quote_plus

_WORD = "A-Za-z0-9_"
# A whole value starts where no word character precedes it; an escape that ends in a letter
# or digit (``%3D``, ``\\n``, ``\\u00e9``) also ends the text before it, so a secret inside a
# percent-encoded or JSON-escaped string is still found.
_BEFORE = rf"(?:(?<![{_WORD}])|(?<=%[0-9A-Fa-f]{{2}})|(?<=\\[nrtbf])|(?<=\\u[0-9A-Fa-f]{{4}}))"
_AFTER = rf"(?![{_WORD}])"


def _is_word(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


def _variants(value: str) -> set[str]:
    """``value`` and the forms it takes in a URL (percent-encoded, ``+`` for spaces) and inside
    a JSON string, for the value as given and without surrounding whitespace."""
    found: set[str] = set()
    for form in {value, value.strip()}:
        if form:
            found |= {form, quote(form, safe=""), quote_plus(form), json.dumps(form)[1:-1]}
    return found


def whole_value(value: str, *, exact: bool = False) -> str | None:
    """The regex of ``value`` as a whole value: not part of a longer word (a boundary is only
    required on a side where the value itself starts or ends with a word character), any run of
    whitespace inside it matching any other (a multi-line secret re-indented, or collapsed onto
    one line, is the same secret) unless ``exact``."""
    core = value if exact else value.strip()
    if not core:
        return None
    chunks = [core] if exact else core.split()
    body = r"\s+".join(re.escape(chunk) for chunk in chunks)
    head = _BEFORE if _is_word(core[0]) else ""
    tail = _AFTER if _is_word(core[-1]) else ""
    return f"{head}{body}{tail}"


@dataclass(frozen=True)
class SecretsPattern:
    """The alternation of :func:`secrets_pattern` and the literal text every match of it
    contains (the first whitespace-free chunk of one form of one secret)."""

    pattern: re.Pattern[str]
    needles: tuple[str, ...]

    def sub(self, replacement: str, text: str) -> str:
        """``text`` with every match replaced by ``replacement``. A text holding no needle is
        returned unsearched: each alternative opens with look-behinds, which leave the regex
        engine no literal to skip ahead to, so it would try them at every position (~20 ms
        for the 946 warnings of a 5,000-object brand, for one secret)."""
        if not any(needle in text for needle in self.needles):
            return text
        return self.pattern.sub(replacement, text)


@lru_cache(maxsize=64)
def secrets_pattern(secrets: frozenset[str], min_length: int) -> SecretsPattern | None:
    """One alternation of every form of every secret at least ``min_length`` characters long
    (without surrounding whitespace), longest first so a secret containing another wins."""
    forms = {v for s in secrets if len(s.strip()) >= min_length for v in _variants(s)}
    regexes = {r for v in forms if (r := whole_value(v)) is not None}
    if not regexes:
        return None
    ordered = sorted(regexes, key=lambda r: (-len(r), r))
    needles = {v.split()[0] for v in forms if v.strip()}
    return SecretsPattern(re.compile("|".join(ordered)), tuple(sorted(needles)))


@lru_cache(maxsize=16)
def exact_pattern(values: tuple[str, ...]) -> re.Pattern[str]:
    """One group per value, in order (``lastindex`` tells which matched)."""
    return re.compile("|".join(f"({whole_value(v, exact=True)})" for v in values))
