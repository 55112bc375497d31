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

from omsform.contract.resource import Resource
from omsform.contract.spec import Remote
from omsform.errors import UnsafePlanError
from omsform.plan.model import Action, Change, Note, Plan
from omsform.plan.order import matches
from omsform.secrets.mask import mask_url_credentials as _masked

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
        raise _refused(problems, hint)


def _refused(problems: list[str], hint: str) -> UnsafePlanError:
    """The error naming every kind the plan would change too much."""
    return UnsafePlanError(
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
    kind: str,
    unmanaged: Sequence[str],
    kept: Mapping[str, list[str]],
    *,
    can_delete: bool = True,
) -> list[Note]:
    """One note for a kind's unmanaged objects, one per reason its pruned objects are kept.

    The advice fits the kind: pruning is only offered for kinds omsform can delete."""
    notes: list[Note] = []
    if unmanaged:
        n, them = len(unmanaged), "them" if len(unmanaged) > 1 else "it"
        advice = (
            "or prune the kind"
            if can_delete
            else f"to manage {them}, or leave {them}: omsform never deletes {kind}"
        )
        message = (
            f"{n} unmanaged {kind} object{'s' if n > 1 else ''}; add {them} to the YAML "
            f"{advice}: {_listing(unmanaged)}"
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


# --- saved plans ---------------------------------------------------------------------------------
def saved_plan_violations(
    plan: Plan,
    current: Mapping[str, Sequence[Remote[Any]]],
    resources: Mapping[str, type[Resource[Any]]],
    desired_keys: Mapping[str, Mapping[str, str]],
    *,
    prune: Sequence[str],
    protect: Sequence[str],
    known_addresses: Mapping[str, str] | None = None,
) -> list[str]:
    """What in a saved plan the brand's ownership rules forbid, re-checked at apply because a
    plan file can be edited (and its checksum recomputed): one line per offending change.

    ``desired_keys`` is kind → natural key → declared address. A delete must name a live,
    undeclared object of a pruned kind that may be deleted and that no ``manage.protect`` glob
    matches, by its address, ``kind[key]``, ``kind.key`` or the address the ledger knew it by
    (``known_addresses``); a replace must not touch a protected object; every other change
    must be of a declared address whose live object (when it has one) has the declared key,
    except a replace whose natural key changed, held to the planner's rules for pairing one
    (:func:`_rekey_refusal`)."""
    by_id = {(kind, str(r.id)): r for kind, remotes in current.items() for r in remotes}
    known = known_addresses or {}
    problems: list[str] = []
    for change in plan.changes:
        cls = resources.get(change.kind)
        if cls is None:
            problems.append(f"{change.address}: no provider serves the kind '{change.kind}'")
            continue
        remote = by_id.get((change.kind, str(change.remote_id)))
        live_key = cls.key(remote.spec) if remote is not None else None
        why = _refusal(change, cls, remote, live_key, desired_keys, prune, known)
        names = _names(change.address, change.kind, live_key, remote, known)
        why = why or protect_violation(names, change.action, "the saved plan says so", protect)
        if why:
            problems.append(why if why.startswith(change.address) else f"{change.address}: {why}")
    return problems


def _refusal(
    change: Change,
    cls: type[Resource[Any]],
    remote: Remote[Any] | None,
    live_key: str | None,
    desired_keys: Mapping[str, Mapping[str, str]],
    prune: Sequence[str],
    known: Mapping[str, str],
) -> str:
    """Why the ownership rules forbid ``change`` of a saved plan (``""`` when they allow it;
    ``manage.protect`` is checked after)."""
    if change.action is Action.DELETE:
        return _delete_refusal(change.kind, cls, remote, desired_keys, prune)
    if remote is not None and cls.decide(None, remote) is change.action:
        return ""  # the kind decides this for an undeclared object (as the planner does)
    if remote is not None and live_key is not None and _rekeyed(change, live_key, desired_keys):
        return _rekey_refusal(change, cls, remote, live_key, desired_keys, prune, known)
    return _declared_refusal(change.address, change.kind, live_key, desired_keys)


def _delete_refusal(
    kind: str,
    cls: type[Resource[Any]],
    remote: Remote[Any] | None,
    desired_keys: Mapping[str, Mapping[str, str]],
    prune: Sequence[str],
) -> str:
    if remote is None:
        return ""  # gone: the staleness check names it
    key = cls.key(remote.spec)
    if key in desired_keys.get(kind, {}):
        return f"the YAML declares it ({desired_keys[kind][key]}): omsform never deletes it"
    if cls.decide(None, remote) is Action.DELETE:
        return ""
    why = why_kept(cls, remote, prune)
    if why == "":
        return f"{kind} is not in manage.prune: omsform never deletes its objects"
    return f"it must not be deleted: {why}" if why else ""


def _declared_refusal(
    address: str, kind: str, live_key: str | None, desired_keys: Mapping[str, Mapping[str, str]]
) -> str:
    declared = {a: key for key, a in desired_keys.get(kind, {}).items()}
    if address not in declared:
        return f"the YAML declares no {kind} '{address}': omsform only changes what it declares"
    if live_key is not None and live_key != declared[address]:
        return (
            f"the plan points it at the live {kind} '{_masked(live_key)}', but the YAML "
            f"declares it as '{_masked(declared[address])}'"
        )
    return ""


def _rekeyed(change: Change, live_key: str, desired_keys: Mapping[str, Mapping[str, str]]) -> bool:
    """Whether ``change`` replaces a declared object whose natural key changed: its live
    object has a key the YAML no longer gives its address."""
    if change.action is not Action.REPLACE:
        return False
    declared = {a: key for key, a in desired_keys.get(change.kind, {}).items()}
    return change.address in declared and declared[change.address] != live_key


def _rekey_refusal(
    change: Change,
    cls: type[Resource[Any]],
    remote: Remote[Any],
    live_key: str,
    desired_keys: Mapping[str, Mapping[str, str]],
    prune: Sequence[str],
    known: Mapping[str, str],
) -> str:
    """Why a replace of a changed natural key must not run (``""`` when it may): as when the
    planner pairs one, the ledger knew the live object by the address, the object may be
    deleted, and the create makes the declared key."""
    kind = change.kind
    new_key = next(k for k, a in desired_keys[kind].items() if a == change.address)
    was = known.get(f"{kind}[{live_key}]") or known.get(f"{kind}#{remote.id}")
    if was != change.address:
        return (
            f"the plan replaces the live {kind} '{_masked(live_key)}' with it, but omsform never "
            f"applied that object as {change.address}"
        )
    if change.key != new_key:
        return (
            f"the plan creates {kind} '{change.shown_key}', but the YAML declares it as "
            f"'{_masked(new_key)}'"
        )
    why = _delete_refusal(kind, cls, remote, desired_keys, prune)
    return f"replacing it deletes the live {kind} '{_masked(live_key)}', but {why}" if why else ""


def _names(
    address: str,
    kind: str,
    key: str | None,
    remote: Remote[Any] | None,
    known: Mapping[str, str],
) -> list[str]:
    """Every name a ``manage.protect`` glob may match the object by."""
    names = [address]
    if key is not None:
        names += [f"{kind}[{key}]", f"{kind}.{key}", known.get(f"{kind}[{key}]", "")]
    if remote is not None:
        names.append(known.get(f"{kind}#{remote.id}", ""))
    return [n for n in dict.fromkeys(names) if n]
