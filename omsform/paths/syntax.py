"""Path syntax: parsing, formatting, ordering and relating dotted field paths (see
:mod:`omsform.paths` for the syntax)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from types import EllipsisType

Token = str | int | EllipsisType
"""One step of a path: a key, a list index, or ``...`` for every element (``[]``)."""

_TOKEN = re.compile(r'\.?(?:([^.\[\]"]+)|\[\]|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\])')
_PLAIN_KEY = re.compile(r'[^.\[\]"]+')


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


def token_order(tokens: tuple[Token, ...]) -> tuple[tuple[int, int, str], ...]:
    """Sort key for parsed paths (see :func:`path_order`)."""
    return tuple((0, t, "") if isinstance(t, int) else (1, 0, str(t)) for t in tokens)


def path_order(path: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key for paths: keys alphabetically, indices numerically (``[2]`` before ``[10]``)."""
    return token_order(parse_path(path))


def top_field(path: str) -> str:
    """The top-level field a path starts with (``""`` for the empty path):
    ``top_field("conf[2].auth") == "conf"``."""
    return str(parse_path(path)[0]) if path else ""
