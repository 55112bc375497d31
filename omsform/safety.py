"""What omsform may delete or replace (spec §4.4) and how much it may change at once (§4.5).

Ownership, applied while the plan is built: an undeclared remote object is deleted only when
its kind is in ``manage.prune``, the kind can delete, and the kind gives no reason to keep it
(``protected_remote``: e.g. it comes from Omnitron); everything else is reported as unmanaged.
Deleting or replacing an object a ``manage.protect`` glob matches is an error naming the rule
(``--force`` does not lift it).

Thresholds, checked on the finished plan; both lifted only by ``--force``:

- a kind with at least ``safety.min_existing`` existing objects must not have more than
  ``safety.max_change_fraction`` of them updated, replaced or deleted by one plan;
- a plan must not delete every existing object of a kind whose YAML declares none of it any
  more (usually a YAML file emptied or renamed by mistake), whatever the counts.

Creates never count: they touch nothing that exists.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from omsform.errors import UnsafePlanError
from omsform.order import matches
from omsform.plan import Action, Note, Plan
from omsform.resource import Resource
from omsform.spec import Remote

_TOUCHING = (Action.UPDATE, Action.REPLACE, Action.DELETE)


def existing_counts(current: Mapping[str, Sequence[Any]]) -> dict[str, int]:
    """Kind → number of current objects, the ``existing_counts`` :func:`check_safety` needs."""
    return {kind: len(objects) for kind, objects in current.items()}


def check_safety(
    plan: Plan,
    existing_counts: Mapping[str, int],
    max_change_fraction: float,
    min_existing: int,
    *,
    declared: Collection[str] = (),
) -> None:
    """Raise :class:`UnsafePlanError` naming every kind the plan would change too much.

    ``declared``: the kinds the YAML declares objects of; deleting every existing object of
    one of those (e.g. its only object, whose natural key changed) is judged by the fraction
    rule alone, not as an emptied YAML."""
    touched: dict[str, Counter[Action]] = {}
    for change in plan.changes:
        if change.action in _TOUCHING:
            touched.setdefault(change.kind, Counter())[change.action] += 1
    problems: list[str] = []
    hint = ""
    for kind, count in sorted(touched.items()):
        existing = existing_counts.get(kind, 0)
        total = sum(count.values())
        if existing and count[Action.DELETE] >= existing and kind not in declared:
            problems.append(
                f"{kind}: the plan deletes all {existing} existing objects "
                "(was its YAML emptied or renamed?)"
            )
        elif existing >= min_existing and total > max_change_fraction * existing:
            problems.append(
                f"{kind}: {total} of {existing} existing objects would change "
                f"({count[Action.UPDATE]} updated, {count[Action.REPLACE]} replaced, "
                f"{count[Action.DELETE]} deleted), {total / existing:.0%} > "
                f"safety.max_change_fraction {max_change_fraction:g}"
            )
            hint = " (or raise safety.max_change_fraction in omsform.yaml)"
    if problems:
        raise UnsafePlanError(
            "the plan is refused by the safety rules:\n  - "
            + "\n  - ".join(problems)
            + f"\nReview the plan; if it is intended, run again with --force{hint}."
        )


# --- ownership -----------------------------------------------------------------------------------
def why_kept(cls: type[Resource[Any]], current: Remote[Any], prune: Sequence[str]) -> str | None:
    """Why an undeclared object stays: ``""`` (its kind is not pruned) or a reason; ``None`` when
    it may be deleted."""
    if cls.kind not in prune:
        return ""
    if why := cls.protected_remote(current):
        return why
    if not cls.can_delete:
        return f"{cls.kind} objects cannot be deleted through the API"
    return None


def protect_violation(
    names: Sequence[str], action: Action, reason: str, protect: Sequence[str]
) -> str:
    """The error for deleting or replacing a protected object (``""`` when allowed)."""
    rule = matches(names, protect) if action in (Action.DELETE, Action.REPLACE) else ""
    if not rule:
        return ""
    if action is Action.DELETE:
        return (
            f"{names[0]} would be deleted ({reason}), but manage.protect rule '{rule}' forbids "
            "it: declare it again in the YAML, or remove the rule"
        )
    return (
        f"{names[0]} would be replaced ({reason}), but manage.protect rule '{rule}' forbids it: "
        "revert the change in the YAML, or remove the rule"
    )


def ownership_notes(
    kind: str, unmanaged: Sequence[str], kept: Mapping[str, list[str]]
) -> list[Note]:
    """One note for a kind's unmanaged objects, one per reason its pruned objects are kept."""
    notes: list[Note] = []
    if unmanaged:
        n, them = len(unmanaged), "them" if len(unmanaged) > 1 else "it"
        message = (
            f"{n} unmanaged {kind} object{'s' if n > 1 else ''}; add {them} to the YAML "
            f"or prune the kind: {_listing(unmanaged)}"
        )
        notes.append(Note(category="unmanaged", address=kind, message=message))
    for why, keys in sorted(kept.items()):
        message = (
            f"{len(keys)} undeclared {kind} object{'s' if len(keys) > 1 else ''} kept "
            f"although the kind is pruned ({why}): {_listing(keys)}"
        )
        notes.append(Note(category="unmanaged", address=kind, message=message))
    return notes


def _listing(keys: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(keys[:limit])
    return f"{shown}, … ({len(keys) - limit} more)" if len(keys) > limit else shown
