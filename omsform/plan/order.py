"""Dependency order: which changes must happen before which.

An object depends on what it references (``Desired.depends_on``) and on every declared object of
its kind's ``depends_on_kinds``. :func:`omsform.dag.levels` layers the objects so that everything
an object depends on sits in an earlier level; within a level the order is sorted, so equal
inputs give byte-identical plans.

::

    level 0   oms_stock_location.ist   oms_stock_location.ank        (depend on nothing)
                  ▲                        ▲
    level 1   oms_scenario.web ────────────┘                         (references both)
                  ▲
    level 2   oms_transition.web_ship                                (references the scenario)

    creates, updates, replaces, runs:  level 0 → 1 → 2   (top-down: targets exist first)
    deletes:                           level 2 → 1 → 0   (bottom-up: referrers go first),
                                       and only after every create and update

Levels can run concurrently inside themselves; apply runs one level after the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from fnmatch import fnmatchcase

from omsform.dag import closure, heights, level_of, reverse
from omsform.plan.model import Action, Change


# --- the order of a plan's changes ---------------------------------------------------------------
def order_changes(
    changes: Sequence[Change],
    deps: Callable[[str], Iterable[str]],
    kind_deps: Mapping[str, Iterable[str]],
) -> list[Change]:
    """``changes`` with ``level`` and ``depends_on`` set, in apply order.

    ``deps`` gives the declared addresses an address depends on; ``kind_deps`` is kind → kinds
    it depends on. Non-deletes take their object's level and depend on the changed objects they
    depend on. Deletes come after all of them, bottom-up by kind: a delete waits for the deletes
    of the kinds that depend on its kind.
    """
    forward = [c for c in changes if c.action is not Action.DELETE]
    level = heights((c.address for c in forward), deps)
    changed = {c.address for c in forward}
    out = [
        c.model_copy(
            update={
                "level": level[c.address],
                "depends_on": tuple(sorted({d for d in deps(c.address) if d in changed})),
            }
        )
        for c in forward
    ]
    kinds = {kind: [k for k in targets if k != kind] for kind, targets in kind_deps.items()}
    kind_level = level_of(kinds)
    base = 1 + max((c.level for c in out), default=-1)
    top = max(kind_level.values(), default=0)
    deletes: dict[str, list[str]] = {}
    for c in changes:
        if c.action is Action.DELETE:
            deletes.setdefault(c.kind, []).append(c.address)
    referrers = reverse(kinds)
    for c in changes:
        if c.action is Action.DELETE:
            first = [a for k in referrers.get(c.kind, ()) for a in deletes.get(k, ())]
            level_ = base + top - kind_level.get(c.kind, 0)
            out.append(c.model_copy(update={"level": level_, "depends_on": tuple(sorted(first))}))
    return sort_changes(out)


def sort_changes(changes: Iterable[Change]) -> list[Change]:
    """Sorted by (level, kind, key) with levels renumbered 0, 1, 2, … without gaps."""
    items = list(changes)
    dense = {lv: i for i, lv in enumerate(sorted({c.level for c in items}))}
    items = [
        c if c.level == dense[c.level] else c.model_copy(update={"level": dense[c.level]})
        for c in items
    ]
    return sorted(items, key=lambda c: (c.level, c.kind, c.key, c.address))


# --- --target / --exclude -----------------------------------------------------------------------
def matches(candidates: Iterable[str], globs: Iterable[str]) -> str:
    """The first glob (case-sensitive fnmatch) that matches any candidate name, or ``""``."""
    names = list(candidates)
    return next((g for g in globs if any(fnmatchcase(n, g) for n in names)), "")


def selected(address: str, targets: Sequence[str], excludes: Sequence[str]) -> bool:
    """Whether ``--target``/``--exclude`` keep a note or count an object at ``address``.

    A kind-wide address (a bare kind, as on ``unmanaged`` notes) counts as ``kind.*``.
    """
    names = [f"{address}.*"] if "." not in address and "[" not in address else [address]
    return (not targets or bool(matches(names, targets))) and not matches(names, excludes)


def select(
    changes: Sequence[Change],
    names: Mapping[str, Sequence[str]],
    targets: Sequence[str],
    excludes: Sequence[str],
) -> tuple[list[Change], list[str]]:
    """The changes ``--target``/``--exclude`` keep, and the addresses dropped only as dependents.

    ``names`` gives the names a glob may match for an address (default: the address). Targets
    keep matching changes plus, transitively, the changes they depend on. Excludes drop matching
    changes and, transitively, every change that depends on one (applying it would fail).
    """
    edges = {c.address: c.depends_on for c in changes}
    keep = set(edges)
    if targets:
        chosen = [a for a in edges if matches(names.get(a, (a,)), targets)]
        keep &= closure(chosen, edges)
    dependents: set[str] = set()
    if excludes:
        hit = {a for a in keep if matches(names.get(a, (a,)), excludes)}
        gone = closure(hit, reverse(edges)) & keep
        dependents = gone - hit
        keep -= gone
    kept = [
        c.model_copy(update={"depends_on": tuple(d for d in c.depends_on if d in keep)})
        for c in changes
        if c.address in keep
    ]
    return sort_changes(kept), sorted(dependents)
