"""``build_plan``: desired and current objects in, a :class:`~omsform.plan.model.Plan` out. Pure.

Rules, in the order they apply (spec §4):

- Desired and current are matched by ``Resource.key(spec)``. They are equal when the specs
  are equal, or else when their :func:`~omsform.paths.comparable` forms (sets sorted, models as
  dicts) are equal once the kind's ``write_only`` paths are dropped. Only pairs that differ are
  explained field by field (deepdiff inside nested values).
- ``Resource.decide`` is asked first for every pair (either side may be ``None``); when it
  returns an Action that is used. Otherwise: absent → create (a :class:`PlanError` when the kind
  cannot be created, unless ``Resource.expected_from`` names a declared object planned to run:
  then a create "expected from" it); an ``immutable`` field changed → replace, or manual when
  the kind cannot be deleted and re-created; other differences → update; equal → unchanged
  (only counted).
- Write-only values cannot be read back: the ledger's fingerprint of the last value sent is
  compared with ``fingerprint(secret_slot(address, path), value)``. Equal → nothing; different →
  an update shown as ``(sensitive value changed)``; no fingerprint → an ``unverified`` note and no
  change, unless ``refresh_secrets``. Ledger paths are concrete (``conf[0].token``).
- Values at write-only paths and at a desired's ``secret_paths`` never enter the plan: they
  appear as ``(sensitive)``. A natural key that embeds a ``${secret.…}`` value keeps it only in
  memory (:attr:`~omsform.plan.model.Change.key_secrets`): every serialized form masks it.
- In a kind's open maps (``Resource.open_maps``) only declared keys are compared; an update
  that sends one carries the live keys it keeps in :attr:`~omsform.plan.model.Change.kept` and says
  how many in its reason, unless the object declares ``exclusive`` (:mod:`omsform.plan.openmaps`).
- Undeclared current objects of a declared or pruned kind are deleted when the kind is in
  ``prune``, the kind can delete, ``protected_remote`` gives no reason and no ``protect`` glob
  matches; otherwise one ``unmanaged`` note per kind says why they stay. Deleting or replacing
  an object a ``protect`` glob matches raises :class:`UnsafePlanError` naming the rule.
  An undeclared object's address is ``kind[key]`` (or the address the ledger knew it by), and
  globs also see it as ``kind.key``.
- A declared object whose natural key changed (the ledger knew the undeclared object that is
  to be deleted by the declared address of a create of the same kind, ``known_addresses``) is
  one replace (``-/+``), not a delete and a create: delete the old object, create the new one,
  with the fields that differ between them and the reason naming both keys.
- Every reference must point at a declared object or one listed in ``current`` (when its kind
  was read); all missing ones are reported together in one :class:`PlanError`.
- Every change is attributed (:mod:`omsform.drift.attribution`): per field, ``drift`` when the live
  value moved away from the digest the ledger recorded at the last apply, ``intent`` when only
  the YAML moved, ``unknown`` without a record; creates and deletes by whether the ledger knows
  the object.
- ``targets`` keep the changes whose address matches a glob plus the changes they depend on,
  transitively; ``excludes`` drop matching changes and notes, and also every change that depends
  on a dropped one (a warning note names each). Excludes win over targets.

Field-by-field comparison and masking live in :mod:`omsform.plan.compare`; the indexes by natural
key and the checks across objects (duplicate keys, references) in :mod:`omsform.plan.index`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from omsform.contract.resource import ExpectedFrom, Resource
from omsform.contract.spec import Desired, Remote
from omsform.drift import attribution
from omsform.errors import PlanError, UnsafePlanError
from omsform.plan.compare import (
    Fingerprint,
    Fingerprints,
    compare,
    create_fields,
    delete_fields,
    secret_slot,
    unverified_note,
    update_or_replace,
)
from omsform.plan.index import PlanIndex, at
from omsform.plan.model import Action, Change, FieldChange, Note, Plan, Summary
from omsform.plan.openmaps import kept_keys, kept_reason, open_fields
from omsform.plan.order import order_changes, select, selected
from omsform.plan.safety import ownership_notes, protect_violation, why_kept
from omsform.secrets.keyprint import secrets_in_key
from omsform.secrets.mask import redact_data

__all__ = ["Fingerprint", "PlanInputs", "build_plan", "secret_slot"]


@dataclass(frozen=True)
class PlanInputs:
    """Everything ``build_plan`` needs; no I/O is done on any of it.

    ``current`` holds only the kinds that were read (every declared kind must be);
    ``fingerprints`` is address → concrete write-only path → recorded fingerprint;
    ``known_addresses`` maps ``kind[key]`` (or ``kind#remote_id``, for keys the ledger stores
    masked) to the address the ledger last knew that object by; ``applied`` is address →
    top-level field → digest of the value last applied (:mod:`omsform.drift.attribution`).
    """

    brand: str
    desired: Mapping[str, Desired[Any]]
    current: Mapping[str, Sequence[Remote[Any]]]
    resources: Mapping[str, type[Resource[Any]]]
    provider_of: Mapping[str, str]
    brand_dir: str = "."
    config_digest: str = ""
    prune: tuple[str, ...] = ()
    protect: tuple[str, ...] = ()
    fingerprints: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    fingerprint: Fingerprint | None = None
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    refresh_secrets: bool = False
    known_addresses: Mapping[str, str] = field(default_factory=dict)
    applied: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


_DECIDED = {
    Action.RUN: "the remote system reports this step as required",
    Action.MANUAL: "cannot be done through the API: do it by hand, then plan again",
    Action.DELETE: "the kind's rules remove it",
}
_LEFT_OUT = "left out: it depends on an excluded change"


def build_plan(inputs: PlanInputs) -> Plan:
    """The plan that makes the live systems match ``inputs.desired`` (see module rules)."""
    return _Planner(inputs).plan()


class _Planner:
    """One build_plan run: indexes built once, then one pass over desired and current."""

    def __init__(self, inputs: PlanInputs) -> None:
        self.inputs = inputs
        index = PlanIndex(inputs)
        self.resource, self.provider = index.resource, index.provider
        self.by_kind, self.current, self.keys = index.by_kind, index.current, index.keys
        self.declared = index.declared
        self.problems, self.notes = index.problems, index.notes
        self.violations: list[str] = []
        self.changes: list[Change] = []
        self.unchanged: list[str] = []
        self.candidates: dict[str, tuple[str, ...]] = {}
        self.tracked: dict[str, bool] = {}  # kind → the ledger records some object of it
        self.rekeyed: dict[str, str] = {}  # delete's address → the declared address it had
        self.fingerprints = Fingerprints(
            inputs.fingerprints, inputs.fingerprint, inputs.refresh_secrets
        )

    # --- the run ---------------------------------------------------------------------------
    def plan(self) -> Plan:
        """The plan, or PlanError/UnsafePlanError naming every problem found on the way."""
        for address in sorted(self.inputs.desired):
            self._plan_declared(self.inputs.desired[address])
        for kind in sorted(self.current):
            if kind in self.by_kind or kind in self.inputs.prune:
                self._plan_undeclared(kind, self.declared.get(kind, {}))
        if self.problems:
            raise PlanError(problems=self.problems)
        if self.violations:
            raise UnsafePlanError(
                "manage.protect blocks this plan:\n  - " + "\n  - ".join(self.violations)
            )
        return self._finish()

    def _finish(self) -> Plan:
        self._pair_changed_keys()
        kinds = {kind: cls.depends_on_kinds for kind, cls in self.inputs.resources.items()}
        ordered = order_changes(self.changes, self._deps(), kinds)
        targets, excludes = self.inputs.targets, self.inputs.excludes
        changes, dependents = select(ordered, self.candidates, targets, excludes)
        notes = [n for n in self.notes if selected(n.address, targets, excludes)]
        notes += [Note(category="warning", address=a, message=_LEFT_OUT) for a in dependents]
        unchanged = [a for a in self.unchanged if selected(a, targets, excludes)]
        summary = Summary.of(changes, len(unchanged))
        return Plan(
            brand=self.inputs.brand,
            brand_dir=self.inputs.brand_dir,
            config_digest=self.inputs.config_digest,
            changes=tuple(changes),
            notes=tuple(sorted(notes, key=lambda n: (n.category, n.address, n.message))),
            summary=summary,
        )

    def _deps(self) -> Callable[[str], Iterable[str]]:
        """Address → declared addresses it depends on (references and depends_on_kinds)."""
        desired = self.inputs.desired
        whole = {
            kind: [
                a
                for k in self.resource(kind).depends_on_kinds
                if k != kind
                for a in self.by_kind.get(k, ())
            ]
            for kind in self.by_kind
        }

        def deps(address: str) -> Iterable[str]:
            d = desired.get(address)
            if d is None:  # an undeclared object (a run or manual decided by its kind)
                return ()
            return chain(sorted(a for a in d.depends_on if a in desired), whole[d.kind])

        return deps

    # --- declared objects -----------------------------------------------------------------
    def _plan_declared(self, d: Desired[Any]) -> None:
        cls, key = self.resource(d.kind), self.keys[d.address]
        current = self.current.get(d.kind, {}).get(key)
        decided = cls.decide(d.spec, current)
        if current is None:
            self._plan_absent(d, cls, key, decided)
            return
        fields, unverified, top = compare(d, current, cls, self.fingerprints)
        if unverified:
            self.notes.append(unverified_note(d.address, unverified))
        if decided is not None:
            action, reason = decided, _DECIDED.get(decided, "")
            fields = [] if decided is Action.RUN else fields  # a run writes no fields
        elif not fields:
            self.unchanged.append(d.address)
            return
        else:
            action, reason = update_or_replace(cls, fields)
        recorded = self.inputs.applied.get(d.address)
        fields = attribution.attribute_fields(
            fields, d, current, cls, recorded, lambda path: self.fingerprints.moved(d, path)
        )
        sends = _sends(d, top) if action is Action.UPDATE else ()
        kept = _kept(d, current, cls, sends)
        reason = "; ".join(r for r in (reason, kept_reason(kept)) if r)
        self._add(
            d.address,
            d.kind,
            key,
            action,
            current,
            fields,
            reason,
            secret=_in_key(d, key),
            kept=kept,
            sends=sends,
            attributed=attribution.of_change(fields) if fields else attribution.UNKNOWN,
        )

    def _plan_absent(
        self, d: Desired[Any], cls: type[Resource[Any]], key: str, decided: Action | None
    ) -> None:
        if decided is None and not cls.can_create:
            origin = cls.expected_from(d.spec)
            if origin is not None and self._runs(origin.address):
                reason = f"expected from {origin.label}"
                fields = create_fields(d, cls)
                secret = _in_key(d, key)
                self._add(
                    d.address,
                    d.kind,
                    key,
                    Action.CREATE,
                    None,
                    fields,
                    reason,
                    secret=secret,
                    attributed=attribution.of_create(*self._knows(d.address, d.kind)),
                )
                return
            todo = _absent_todo(origin, origin.address in self.inputs.desired if origin else False)
            message = (
                f"{d.address}: no {d.kind} '{key}' exists and {d.kind} objects cannot be "
                f"created through the API: {todo}, or remove it from the YAML"
            )
            self.problems.append(at(d, message))
            return
        action = decided or Action.CREATE
        fields = create_fields(d, cls) if action is Action.CREATE else []
        reason = _DECIDED.get(action, "")
        attributed = (
            attribution.of_create(*self._knows(d.address, d.kind))
            if action is Action.CREATE
            else attribution.UNKNOWN
        )
        secret = _in_key(d, key)
        self._add(
            d.address,
            d.kind,
            key,
            action,
            None,
            fields,
            reason,
            secret=secret,
            attributed=attributed,
        )

    def _knows(self, address: str, kind: str) -> tuple[bool, bool]:
        """Whether the ledger has a record of ``address`` (apply wrote it before), and of any
        object of ``kind`` (the ledger keeps track of that kind)."""
        recorded = {*self.inputs.fingerprints, *self.inputs.applied}
        if address in recorded:
            return True, True
        tracked = self.tracked.get(kind)
        if tracked is None:
            tracked = self.tracked[kind] = any(a.startswith(f"{kind}.") for a in recorded)
        return False, tracked

    def _runs(self, address: str) -> bool:
        """Whether the plan runs the declared object ``address`` (its kind decides RUN)."""
        d = self.inputs.desired.get(address)
        if d is None:
            return False
        cls = self.resource(d.kind)
        current = self.current.get(d.kind, {}).get(self.keys.get(address, ""))
        return current is not None and cls.decide(d.spec, current) is Action.RUN

    # --- undeclared objects ---------------------------------------------------------------
    def _plan_undeclared(self, kind: str, declared: Mapping[str, str]) -> None:
        cls = self.resource(kind)
        unmanaged: list[str] = []
        kept: dict[str, list[str]] = {}
        for key, current in sorted(self.current[kind].items()):
            if key in declared:
                continue
            address, names = self._undeclared_names(kind, key, current.id)
            decided = cls.decide(None, current)
            why = "" if decided else why_kept(cls, current, self.inputs.prune)
            if decided is not None or why is None:
                action = decided or Action.DELETE
                reason = _DECIDED.get(action, "") if decided else f"not declared; {kind} is pruned"
                attributed = (
                    attribution.of_delete(*self._knows(address, kind))
                    if action is Action.DELETE
                    else attribution.UNKNOWN
                )
                shown = delete_fields(current, cls) if action is Action.DELETE else []
                self._add(
                    address, kind, key, action, current, shown, reason, names, attributed=attributed
                )
                self._remember_old_key(address, kind, names)
            elif why:
                kept.setdefault(why, []).append(key)
            else:
                unmanaged.append(key)
        self.notes += ownership_notes(kind, unmanaged, kept, can_delete=cls.can_delete)

    def _undeclared_names(
        self, kind: str, key: str, remote_id: int | str
    ) -> tuple[str, tuple[str, ...]]:
        """The address of an undeclared object and every name a glob may match it by."""
        bracket = f"{kind}[{key}]"
        known_as = self.inputs.known_addresses
        known = known_as.get(bracket) or known_as.get(f"{kind}#{remote_id}", "")
        address = known if known and known not in self.inputs.desired else bracket
        names = (address, bracket, f"{kind}.{key}", known)
        return address, tuple(dict.fromkeys(n for n in names if n))

    # --- a changed natural key ------------------------------------------------------------
    def _remember_old_key(self, address: str, kind: str, names: tuple[str, ...]) -> None:
        """Note an undeclared object the ledger knew by a declared address of its kind."""
        desired = self.inputs.desired
        known = [n for n in names if n in desired and desired[n].kind == kind]
        if known:
            self.rekeyed[address] = known[0]

    def _pair_changed_keys(self) -> None:
        """Each delete of an object whose declared address now creates another key of its kind
        becomes one replace of that address (see module rules)."""
        at = {c.address: c for c in self.changes}
        for old_address, address in sorted(self.rekeyed.items()):
            gone, made = at.get(old_address), at.get(address)
            if gone is None or made is None or gone.action is not Action.DELETE:
                continue
            if made.action is not Action.CREATE or made.kind != gone.kind:
                continue
            current = self.current[gone.kind][gone.key]
            d = self.inputs.desired[address]
            fields = compare(d, current, self.resource(d.kind), self.fingerprints).fields
            was = redact_data(gone.key, made.key_secrets)
            replace = made.model_copy(
                update={
                    "action": Action.REPLACE,
                    "remote_id": gone.remote_id,
                    "precondition": gone.precondition,
                    "fields": tuple(fields),
                    "reason": f"natural key changed: {was} → {made.shown_key}",
                }
            )
            self.changes = [replace if c is made else c for c in self.changes if c is not gone]
            names = (*self.candidates.get(address, ()), *self.candidates.pop(old_address, ()))
            self.candidates[address] = tuple(dict.fromkeys(names))

    # --- recording a change ---------------------------------------------------------------
    def _add(
        self,
        address: str,
        kind: str,
        key: str,
        action: Action,
        current: Remote[Any] | None,
        fields: Sequence[FieldChange],
        reason: str,
        names: tuple[str, ...] = (),
        *,
        secret: tuple[str, ...] = (),
        kept: dict[str, dict[str, Any]] | None = None,
        sends: tuple[str, ...] = (),
        attributed: str = "",
    ) -> None:
        names = names or (address,)
        self.candidates[address] = names
        if violation := protect_violation(names, action, reason, self.inputs.protect):
            self.violations.append(violation)
        change = Change(
            address=address,
            kind=kind,
            key=key,
            provider=self.provider(kind),
            action=action,
            remote_id=current.id if current else None,
            fields=tuple(fields),
            reason=reason,
            precondition=current.fingerprint if current else None,
            key_secrets=secret,
            kept=kept or {},
            sends=sends,
            attribution=attributed,
        )
        self.changes.append(change)


def _sends(d: Desired[Any], top: frozenset[str]) -> tuple[str, ...]:
    """The top-level fields an update of ``d`` sends: those that differ, or every field of
    the spec when none does (a kind that decides the update itself)."""
    return tuple(sorted(top or type(d.spec).model_fields))


def _kept(
    d: Desired[Any], current: Remote[Any], cls: type[Resource[Any]], sends: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The live keys each open map this update sends keeps (see :mod:`omsform.plan.openmaps`)."""
    opened = [name for name in open_fields(cls, d.exclusive) if name in sends]
    return kept_keys(d.spec, current.spec, opened) if opened else {}


def _in_key(d: Desired[Any], key: str) -> tuple[str, ...]:
    """The secret values of ``d`` its natural key embeds (masked wherever the key is shown)."""
    return secrets_in_key(d, key)


def _absent_todo(origin: ExpectedFrom | None, source_declared: bool) -> str:
    """What a person must do about a declared object that is missing and cannot be created."""
    if origin is None:
        return "create it in the remote system first"
    if source_declared and origin.todo_declared:
        return origin.todo_declared
    return origin.todo
