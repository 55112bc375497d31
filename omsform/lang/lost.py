"""What resource files that failed to load would have declared, read from their text, so a
reference into one is not reported as unknown and cross-object warnings that saw only part of
the brand are held back."""

from __future__ import annotations

import pathlib
import re
from collections.abc import Collection
from dataclasses import dataclass

from omsform.errors import Problem
from omsform.lang.config import CONFIG_FILE, VARS_FILE
from omsform.lang.files import Declared


@dataclass(frozen=True)
class Lost:
    """What resource files that failed to load would have declared: addresses where their text
    shows them, whole kinds where a template makes the names (``{% for %}``)."""

    addresses: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def covers(self, address: str) -> bool:
        """Whether ``address`` may have been declared in a file that failed."""
        return address in self.addresses or address.split(".", 1)[0] in self.kinds

    def touched(self) -> set[str]:
        """Every kind with something lost."""
        return {a.split(".", 1)[0] for a in self.addresses} | set(self.kinds)


def lost_declarations(
    declared: Collection[Declared], kinds: Collection[str], problems: Collection[Problem]
) -> Lost:
    """What resource files that declared nothing because they failed to load (a YAML or
    template error in them, or a broken ``vars.yaml`` that keeps templates unread) would have
    declared, read from their text since the files themselves gave no resources."""
    loaded = {d.location.file for d in declared}
    candidates: set[pathlib.Path] = set()
    for problem in problems:
        where = problem.location
        if problem.severity != "error" or not where.file or where.address:
            continue
        path = pathlib.Path(where.file)
        if path.name == VARS_FILE:
            candidates.update(path.parent.glob("*.yaml"))
        elif path.suffix == ".yaml":
            candidates.add(path)
    addresses: set[str] = set()
    whole: set[str] = set()
    for path in sorted(candidates):
        if str(path) in loaded or path.name in (CONFIG_FILE, VARS_FILE):
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        _scan_names(text, kinds, addresses, whole)
    return Lost(frozenset(addresses), frozenset(whole))


def _scan_names(text: str, kinds: Collection[str], addresses: set[str], whole: set[str]) -> None:
    kind, indent = "", 0
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        top = _TOP_KEY.match(line)
        if top:
            kind, indent = (top.group(1) if top.group(1) in kinds else ""), 0
            continue
        if not kind:
            continue
        if "{{" in line or "{%" in line:
            whole.add(kind)  # names made by the template: any of the kind may be lost
            continue
        depth = len(line) - len(line.lstrip(" "))
        indent = indent or depth
        name = _NAME.match(stripped)
        if depth == indent and name:
            addresses.add(f"{kind}.{name.group(1)}")


_TOP_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*:")
_NAME = re.compile(r"['\"]?([^'\":\s]+)['\"]?\s*:")
