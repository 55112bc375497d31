"""Which kinds a brand's resource files declare, told from their text before loading
(:func:`scan_kinds`), for plan's read-ahead (:mod:`omsform.engine.ahead`).

A kind is *certain* when a file without templates has it as a plain top-level key with a
named object below it: the loaded brand then declares objects of it (or loading fails). Every
other file (templated, or a top-level line not told with certainty) only says which kinds it
*may* declare (:func:`omsform.lang.partial.top_level_kinds`, or any kind): their reads wait
for loading.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

# a top-level line starts right after a newline: the literal "\n" lets the engine skip ahead
_NEXT_TOP = re.compile(r"\n(?=[^\s#])")
_KIND_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:[ \t]*(?:#[^\n]*)?\r?")
_CONTENT = re.compile(r"\n([ \t]+)([^\s#][^\n]*)")  # a line of content below a top-level key
# the first line below a kind: an object by its local name (loading refuses other names)
_OBJECT = re.compile(r"[A-Za-z0-9_][\w-]*[ \t]*:(?:[ \t].*)?\r?")
_TEMPLATED = ("{{", "{%", "{#")
_FROM_ENVIRONMENT = re.compile(r"\$\{\s*(?:env|secret)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}")


@dataclass(frozen=True)
class KindScan:
    """What the resource files tell before loading: ``certain`` kinds are declared by the loaded
    brand (when it loads); ``possible`` holds every kind it may declare (``None``: any)."""

    certain: frozenset[str]
    possible: frozenset[str] | None

    def may_declare(self, kind: str) -> bool:
        """Whether the loaded brand may declare objects of ``kind``."""
        return self.possible is None or kind in self.possible


def scan_kinds(
    directory: Path, known: Collection[str], environ: Mapping[str, str]
) -> KindScan | None:
    """:class:`KindScan` of ``directory``'s resource files; ``None`` when one cannot be read,
    names a ``${env.…}`` or ``${secret.…}`` missing from ``environ``, or (a plain file) has a
    top-level key that is no known kind: loading then fails, and makes no request."""
    from omsform.lang.partial import resource_files

    certain: set[str] = set()
    possible: set[str] | None = set()
    for path in resource_files(directory):
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
        if any(name not in environ for name in _FROM_ENVIRONMENT.findall(text)):
            return None
        try:
            found = None if any(m in text for m in _TEMPLATED) else _plain_kinds(text, known)
        except _UnknownKey:
            return None
        if found is None:  # told only roughly: what the file may declare
            possible = _may_declare(text, known, possible)
        else:
            certain |= found
    return KindScan(frozenset(certain), None if possible is None else frozenset(certain | possible))


class _UnknownKey(Exception):
    """A plain top-level key that is no known kind."""


def _may_declare(text: str, known: Collection[str], possible: set[str] | None) -> set[str] | None:
    from omsform.lang.partial import top_level_kinds

    kinds = top_level_kinds(text, known)
    return None if possible is None or kinds is None else possible | kinds


def _plain_kinds(text: str, known: Collection[str]) -> set[str] | None:
    """The kinds a file without templates declares: each top-level line a known kind's key
    with a named object on the first line below it; ``None`` when a line is anything else
    (quoted keys, flow maps, no object below); raises :class:`_UnknownKey` for an unknown
    key."""
    kinds: set[str] = set()
    starts = [0] if text[:1] and not text[0].isspace() and text[0] != "#" else []
    starts += [m.end() for m in _NEXT_TOP.finditer(text)]
    for n, at in enumerate(starts):
        line_end = text.find("\n", at) % (len(text) + 1)  # -1 (the last line) → the end
        line = text[at:line_end]
        if line.startswith(("---", "...")):
            continue
        key = _KIND_KEY.fullmatch(line)
        if key is None:
            return None
        if key.group(1) not in known:
            raise _UnknownKey(key.group(1))
        below = starts[n + 1] if n + 1 < len(starts) else len(text)
        first = _CONTENT.search(text, line_end, below)
        if first is None or not _OBJECT.fullmatch(first.group(2)):
            return None
        kinds.add(key.group(1))
    return kinds
