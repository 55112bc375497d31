"""Saved plans as files: reading one with a short, located error instead of a traceback or a raw
validation dump, checking an output path before any work is done, and checking a saved plan's
preconditions against what was re-read, explaining what moved (spec §4.6):
:func:`check_preconditions` and :func:`stale_report`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from omsform.contract.resource import Resource
from omsform.contract.spec import Remote, Spec
from omsform.errors import OmsformError, PlanError
from omsform.paths import comparable, get_path, to_plain
from omsform.plan.model import Action, Change, Plan

_SHOWN_ERRORS = 3


def read_plan(path: Path) -> Plan:
    """The saved plan in ``path``, or a :class:`PlanError` naming the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PlanError(f"{path}: cannot read the plan file ({why})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(
            f"{path}:{exc.lineno}:{exc.colno}: not a plan file: invalid JSON ({exc.msg}); "
            "make one with `omsform plan -o FILE`"
        ) from None
    if not isinstance(doc, dict):
        raise PlanError(
            f"{path}: not a plan file: it holds a JSON {type(doc).__name__}, not the object "
            "`omsform plan -o FILE` writes"
        )
    try:
        return Plan.from_json(text)
    except ValidationError as exc:
        raise PlanError(f"{path}: not a usable plan file: {_short(exc)}") from None
    except ValueError as exc:
        raise PlanError(f"{path}: not a usable plan file: {exc}") from None


def _short(exc: ValidationError) -> str:
    """The first few validation errors as ``where: what``, without pydantic's URLs."""
    errors = exc.errors(include_url=False)
    shown = [
        f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
        for e in errors[:_SHOWN_ERRORS]
    ]
    more = len(errors) - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more else "")


def check_output(path: Path) -> None:
    """Refuse, before any work, an output file whose directory does not exist or is a file."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OmsformError(f"cannot write {path}: it is a directory; give a file name")
    if not parent.is_dir():
        raise OmsformError(
            f"cannot write {path}: the directory {parent} does not exist; create it first"
        )


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, an OS error becoming a message naming the file."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OmsformError(f"cannot write {path}: {exc.strerror or exc}") from None


# --- what moved since a plan was made ------------------------------------------------------------
def moved_fields(change: Change, remote: Remote[Any]) -> list[str]:
    """``path: planned from A, now B`` for each planned field whose live value is no longer the
    plan's ``before`` (sensitive fields are never compared nor shown)."""
    values = comparable(remote.spec)
    lines = []
    for field in change.fields:
        if field.sensitive or not field.path:
            continue
        now = to_plain(get_path(values, field.path))
        if now != field.before:
            lines.append(f"{field.path}: planned from {_show(field.before)}, now {_show(now)}")
    return lines


def has_planned_values(change: Change, remote: Remote[Any]) -> bool:
    """Whether the live object already holds every value ``change`` would set (so the plan
    was most likely applied already)."""
    values = comparable(remote.spec)
    plain = [f for f in change.fields if not f.sensitive and f.path]
    return bool(plain) and all(to_plain(get_path(values, f.path)) == f.after for f in plain)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def check_preconditions(
    plan: Plan,
    current: Mapping[str, Iterable[Remote[Any]]],
    resources: Mapping[str, Resource[Any] | type[Resource[Any]]] | None = None,
) -> list[str]:
    """What moved since ``plan`` was made: one line per touched object (``[]`` when nothing).

    A change with a precondition needs its object with the same fingerprint; a create needs its
    natural key still free (checked with ``resources``, else the installed providers' kinds).
    A moved object's line names the planned fields whose live value is no longer the planned
    ``before`` (sensitive fields are never shown).
    """
    return stale_report(plan, current, resources)[0]


def stale_report(
    plan: Plan,
    current: Mapping[str, Iterable[Remote[Any]]],
    resources: Mapping[str, Resource[Any] | type[Resource[Any]]] | None = None,
) -> tuple[list[str], bool]:
    """:func:`check_preconditions`'s lines, and whether the plan looks applied already: something
    moved, and every moved object now holds what the plan would make of it (created, deleted,
    or updated to the planned values)."""
    moved: list[str] = []
    evidence, against = False, False
    by_id = {(k, str(r.id)): r for k, remotes in current.items() for r in remotes}
    for change in plan.changes:
        if change.action is Action.CREATE:
            key_of = _key_function(change.kind, resources)
            remotes = current.get(change.kind, ()) if key_of else ()
            found = next((r for r in remotes if key_of and key_of(r.spec) == change.key), None)
            if found is not None:
                moved.append(f"{change.address}: now exists (id {found.id}); it was created since")
                evidence = True
            continue
        if change.precondition is None:
            continue
        if change.kind not in current:
            moved.append(f"{change.address}: its kind {change.kind} was not read again")
            against = True
            continue
        remote = by_id.get((change.kind, str(change.remote_id)))
        if remote is None:
            moved.append(f"{change.address}: was deleted")
            evidence = evidence or change.action is Action.DELETE
            against = against or change.action is not Action.DELETE
        elif remote.fingerprint != change.precondition:
            moved.append(_moved_line(change, remote))
            if has_planned_values(change, remote):
                evidence = True
            elif change.fields:
                against = True
    return moved, evidence and not against


def _moved_line(change: Change, remote: Remote[Any]) -> str:
    head = (
        f"{change.address}: changed since the plan ({change.precondition} → {remote.fingerprint})"
    )
    fields = moved_fields(change, remote)
    if fields:
        return f"{head}: " + "; ".join(fields)
    if change.fields:
        return f"{head}, outside the fields the plan changes"
    return head


def _key_function(
    kind: str, resources: Mapping[str, Resource[Any] | type[Resource[Any]]] | None
) -> Callable[[Spec], str] | None:
    if resources is not None and kind in resources:
        return resources[kind].key
    from omsform.contract.provider import registry  # only when the caller gave no resources

    try:
        return registry().kinds[kind].key
    except Exception:  # no provider serves it: nothing can be checked for this create
        return None
