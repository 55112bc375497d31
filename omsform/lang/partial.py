"""Reading part of a brand: which resource files hold which kinds, told from their text alone.

A partial load (``plan --changed-since``) reads ``omsform.yaml``, ``vars.yaml`` and only the
resource files that may declare the kinds it needs. What a file declares is read from its
top-level lines without parsing or rendering it; whenever that cannot be told with certainty
(a templated top-level line), the answer is "unknown" and the file is read.

Of a file that declares several kinds (a pull request's ``new.yaml``), only the blocks of the
kinds that may be needed are parsed (:func:`only_kinds`: the others' lines are blanked, so
every position stays right) and only the objects of the kinds needed are built
(:func:`needed_kinds`, :func:`keep_needed`); the kinds left out of it count as unread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omsform.lang.files import Declared

_TOP_KEY = re.compile(r"""(?:"([^"]+)"|'([^']+)'|([A-Za-z_][\w-]*))\s*:(?:\s|$)""")
_MENTION = re.compile(r"\$\{\s*([A-Za-z0-9_-]+)\s*\.")
_SECRET = re.compile(r"\$\{\s*secret\.([A-Za-z_][A-Za-z0-9_]*)\s*\}")
# text that may become ``${`` only once parsed or rendered: a YAML escape of ``$`` or Jinja
# (one literal first character each: the regex engine skips ahead to it)
_HIDDEN = re.compile(r"\\(?:x24|u0024|U00000024)")
_JINJA = ("{{", "{%")
# a line at column 0 that is not blank, indented or a comment (after a "\n": the regex engine
# then jumps from one "\n" to the next): the few lines a top-level scan looks at, found ten
# times faster than by a Python loop over every line (7 ms on W5k's 8 files)
_UNINDENTED = re.compile(r"\n([^ \t#\n][^\n]*)")
# line breaks other than \n (``str.splitlines`` splits there too): such a text takes the slow way
_ODD_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def top_level_kinds(text: str, known: Collection[str]) -> set[str] | None:
    """The kinds a resource file's text declares at its top level, read without rendering.

    ``None`` when a top-level line is neither a plain key, a comment, a document marker nor a
    Jinja statement (``{{ kind }}:`` or a multi-line comment): the kinds cannot be told safely.
    """
    kinds: set[str] = set()
    odd = any(c in text for c in _ODD_BREAKS)
    lines = text.splitlines() if odd else _UNINDENTED.findall("\n" + text)
    for line in lines:
        if not line.strip() or line[0] in " \t#" or line.startswith(("---", "...", "{%", "{#")):
            continue
        match = _TOP_KEY.match(line)
        if match is None:
            return None
        key = next(g for g in match.groups() if g)
        if key in known:
            kinds.add(key)
    return kinds


@dataclass(frozen=True)
class FileScan:
    """What a resource file's text tells: the kinds it declares and the kinds its ``${…}``
    name (``None``: cannot be told without reading it), and the ``${secret.NAME}`` it names
    (so output is redacted of them even when the file is not read)."""

    kinds: frozenset[str] | None
    mentions: frozenset[str] | None
    secrets: frozenset[str] = frozenset()


def scan_text(text: str, known: Collection[str]) -> FileScan:
    """:class:`FileScan` of one resource file's text. Remembered for the process (by the text
    itself): ``plan --changed-since`` scans the brand before loading it in part, the partial
    load scans it again, and the git diff looks at the changed files' kinds twice."""
    return _scan(text, frozenset(known))


@lru_cache(maxsize=256)
def _scan(text: str, known: frozenset[str]) -> FileScan:
    kinds = top_level_kinds(text, known)
    hidden = any(j in text for j in _JINJA) or _HIDDEN.search(text) is not None
    mentions = None if hidden else {m for m in _MENTION.findall(text) if m in known}
    return FileScan(
        None if kinds is None else frozenset(kinds),
        None if mentions is None else frozenset(mentions),
        frozenset(_SECRET.findall(text)),
    )


def resource_files(directory: Path) -> list[Path]:
    """The files a brand's objects are loaded from, in load order."""
    # here, not at the top: this module is imported before the start-up's slow imports
    from omsform.lang.config import CONFIG_FILE, VARS_FILE

    return [
        p
        for p in sorted(directory.iterdir())
        if not p.name.startswith(".")
        and p.suffix == ".yaml"
        and p.name not in (CONFIG_FILE, VARS_FILE)
        and p.is_file()
    ]


def scan_brand(directory: Path, known: Collection[str]) -> dict[str, FileScan]:
    """File name → :class:`FileScan` of every resource file (unreadable ones: all unknown)."""
    found: dict[str, FileScan] = {}
    for path in resource_files(directory):
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            found[path.name] = FileScan(None, None)
            continue
        found[path.name] = scan_text(text, known)
    return found


def files_declaring(scans: Mapping[str, FileScan], kinds: Iterable[str]) -> set[str]:
    """The files that declare (or may declare) any of ``kinds``."""
    wanted = set(kinds)
    return {name for name, s in scans.items() if s.kinds is None or s.kinds & wanted}


def mentions_by_kind(scans: Mapping[str, FileScan]) -> dict[str, frozenset[str] | None]:
    """Kind → the kinds the ``${…}`` of the files declaring it name (``None``: cannot be told)."""
    found: dict[str, frozenset[str] | None] = {}
    for scan in scans.values():
        for kind in scan.kinds or ():
            before = found.get(kind, frozenset())
            named = scan.mentions
            found[kind] = None if before is None or named is None else before | named
    return found


def may_be_needed(scans: Mapping[str, FileScan], wanted: Iterable[str]) -> set[str] | None:
    """``wanted`` and every kind the ``${…}`` of the files declaring them name, and so on: a
    superset of the kinds a partial load keeps objects of; ``None`` when a file's kinds or
    mentions cannot be told (then nothing is left out of a file before it is parsed)."""
    if any(s.kinds is None for s in scans.values()):
        return None
    mentions = mentions_by_kind(scans)
    needed, todo = set(wanted), list(wanted)
    while todo:
        named = mentions.get(todo.pop(), frozenset())
        if named is None:
            return None
        todo += [k for k in named if k not in needed]
        needed |= named
    return needed


def only_kinds(text: str, keep: Collection[str]) -> tuple[str, frozenset[str]]:
    """``text`` with the blocks of its top-level keys that are not in ``keep`` blanked (their
    lines left empty, so every other line keeps its number), and those keys; ``text`` itself
    and no keys when its top level is not plain keys (``---``, Jinja, a flow map)."""
    if any(c in text for c in _ODD_BREAKS):
        return text, frozenset()
    starts: list[tuple[int, str]] = []
    for match in _UNINDENTED.finditer("\n" + text):
        line = match.group(1)
        top = _TOP_KEY.match(line) if not line.startswith(("---", "...", "{%", "{#")) else None
        if top is None:
            return text, frozenset()
        starts.append((match.start(1) - 1, next(g for g in top.groups() if g)))
    if all(key in keep for _, key in starts):
        return text, frozenset()
    pieces = [text[: starts[0][0]]] if starts else [text]
    for n, (start, key) in enumerate(starts):
        end = starts[n + 1][0] if n + 1 < len(starts) else len(text)
        block = text[start:end]
        pieces.append(block if key in keep else "\n" * block.count("\n"))
    left_out = frozenset(key for _, key in starts if key not in keep)
    return "".join(pieces), left_out


def needed_kinds(
    declared: list[Declared], wanted: Collection[str], named: Callable[[list[Declared]], set[str]]
) -> set[str]:
    """``wanted`` and the kinds the ``${…}`` of their objects name (``named``: the addresses
    those of some objects name), and so on."""
    by_kind: dict[str, list[Declared]] = {}
    for item in declared:
        by_kind.setdefault(item.kind, []).append(item)
    needed, todo = set(wanted), list(wanted)
    while todo:
        for address in named(by_kind.get(todo.pop(), [])):
            kind = address.split(".", 1)[0]
            if kind not in needed:
                needed.add(kind)
                todo.append(kind)
    return needed


def keep_needed(
    declared: list[Declared], needed: set[str], unparsed: Mapping[str, frozenset[str]]
) -> tuple[list[Declared], dict[str, frozenset[str]]]:
    """The objects of the ``needed`` kinds, and file name → the kinds left out of it (not
    parsed, ``unparsed``, or parsed and not built)."""
    dropped = {name: set(kinds) for name, kinds in unparsed.items() if kinds}
    for item in declared:
        if item.kind not in needed:
            dropped.setdefault(Path(item.doc.file).name, set()).add(item.kind)
    kept = [d for d in declared if d.kind in needed]
    return kept, {name: frozenset(kinds) for name, kinds in dropped.items()}
