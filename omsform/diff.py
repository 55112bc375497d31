"""``build_plan``: desired and current objects in, a :class:`~omsform.plan.Plan` out. Pure.

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
  appear as ``(sensitive)``.
- Undeclared current objects of a declared or pruned kind are deleted when the kind is in
  ``prune``, the kind can delete, ``protected_remote`` gives no reason and no ``protect`` glob
  matches; otherwise one ``unmanaged`` note per kind says why they stay. Deleting or replacing
  an object a ``protect`` glob matches raises :class:`UnsafePlanError` naming the rule.
  An undeclared object's address is ``kind[key]`` (or the address the ledger knew it by), and
  globs also see it as ``kind.key``.
- Every reference must point at a declared object or one listed in ``current`` (when its kind
  was read); all missing ones are reported together in one :class:`PlanError`.
- ``targets`` keep the changes whose address matches a glob plus the changes they depend on,
  transitively; ``excludes`` drop matching changes and notes, and also every change that depends
  on a dropped one (a warning note names each). Excludes win over targets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from omsform.errors import PlanError, UnsafePlanError
from omsform.order import order_changes, select, selected
from omsform.paths import (
    changed_paths,
    comparable,
    drop_paths,
    iter_items,
    leaves,
    parse_path,
    path_order,
    redact,
    reveal,
)
from omsform.plan import SENSITIVE, Action, Change, FieldChange, Note, Plan, Summary
from omsform.resource import Resource
from omsform.safety import ownership_notes, protect_violation, why_kept
from omsform.spec import Desired, Remote

Fingerprint = Callable[[str, Any], str]
"""``fingerprint(secret_slot(address, path), value) -> str``: the ledger's salted hash."""


def secret_slot(address: str, path: str) -> str:
    """The name a write-only value is fingerprinted under (``oms_webhook.orders:auth.token``)."""
    return f"{address}:{path}"


@dataclass(frozen=True)
class PlanInputs:
    """Everything ``build_plan`` needs; no I/O is done on any of it.

    ``current`` holds only the kinds that were read (every declared kind must be);
    ``fingerprints`` is address → concrete write-only path → recorded fingerprint;
    ``known_addresses`` maps ``kind[key]`` to the address the ledger last knew that object by.
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


_DECIDED = {
    Action.RUN: "the remote system reports this step as required",
    Action.MANUAL: "cannot be done through the API: do it by hand, then plan again",
    Action.DELETE: "the kind's rules remove it",
}
_NO_REFERENCES = Resource.references.__func__  # type: ignore[attr-defined]
_LEFT_OUT = "left out: it depends on an excluded change"


def build_plan(inputs: PlanInputs) -> Plan:
    """The plan that makes the live systems match ``inputs.desired`` (see module rules)."""
    return _Planner(inputs).plan()


class _Planner:
    """One build_plan run: indexes built once, then one pass over desired and current."""

    def __init__(self, inputs: PlanInputs) -> None:
        self.inputs = inputs
        self.problems: list[str] = []
        self.violations: list[str] = []
        self.notes: list[Note] = []
        self.changes: list[Change] = []
        self.unchanged: list[str] = []
        self.candidates: dict[str, tuple[str, ...]] = {}
        self.keys: dict[str, str] = {}
        self.by_kind: dict[str, list[str]] = {}
        for address in sorted(inputs.desired):
            self.by_kind.setdefault(inputs.desired[address].kind, []).append(address)
        self.current = {k: self._index(k, v) for k, v in sorted(inputs.current.items())}

    def resource(self, kind: str) -> type[Resource[Any]]:
        try:
            return self.inputs.resources[kind]
        except KeyError:
            raise PlanError(f"no provider serves the kind '{kind}'") from None

    def provider(self, kind: str) -> str:
        try:
            return self.inputs.provider_of[kind]
        except KeyError:
            raise PlanError(f"no provider is known for the kind '{kind}'") from None

    # --- the run ---------------------------------------------------------------------------
    def plan(self) -> Plan:
        declared = self._declared_keys()
        self._check_references(declared)
        for address in sorted(self.inputs.desired):
            self._plan_declared(self.inputs.desired[address])
        for kind in sorted(self.current):
            if kind in self.by_kind or kind in self.inputs.prune:
                self._plan_undeclared(kind, declared.get(kind, {}))
        if self.problems:
            many = len(self.problems) > 1
            head = f"{len(self.problems)} problems prevent planning:\n  - " if many else ""
            raise PlanError(head + "\n  - ".join(self.problems))
        if self.violations:
            raise UnsafePlanError(
                "manage.protect blocks this plan:\n  - " + "\n  - ".join(self.violations)
            )
        return self._finish()

    def _finish(self) -> Plan:
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

    # --- indexes and checks ---------------------------------------------------------------
    def _index(self, kind: str, remotes: Sequence[Remote[Any]]) -> dict[str, Remote[Any]]:
        cls = self.resource(kind)
        index: dict[str, Remote[Any]] = {}
        twins: dict[str, list[str]] = {}
        for remote in remotes:
            key = cls.key(remote.spec)
            if key in index:
                twins.setdefault(key, [str(index[key].id)]).append(str(remote.id))
            else:
                index[key] = remote
        for key, ids in sorted(twins.items()):
            message = (
                f"{len(ids)} {kind} objects share the key '{key}' (ids {', '.join(ids)}); "
                f"omsform manages id {ids[0]} and leaves the others alone: remove the duplicates"
            )
            self.notes.append(Note(category="warning", address=f"{kind}[{key}]", message=message))
        return index

    def _declared_keys(self) -> dict[str, dict[str, str]]:
        """Kind → natural key → address of every declared object (duplicates are problems)."""
        out: dict[str, dict[str, str]] = {}
        for kind, addresses in self.by_kind.items():
            if kind not in self.current:
                self.problems.append(f"the current {kind} objects were not read before planning")
            cls, keys = self.resource(kind), out.setdefault(kind, {})
            for address in addresses:
                key = self.keys[address] = cls.key(self.inputs.desired[address].spec)
                if key in keys:
                    self.problems.append(
                        f"{keys[key]} and {address} both declare {kind} '{key}': "
                        "a natural key must be unique within its kind"
                    )
                keys.setdefault(key, address)
        return out

    def _check_references(self, declared: Mapping[str, Mapping[str, str]]) -> None:
        for owner, addresses in sorted(self.by_kind.items()):
            cls = self.resource(owner)
            if getattr(cls.references, "__func__", None) is _NO_REFERENCES:
                continue  # the kind references nothing: skip calling it per object
            for address in addresses:
                self._check_object_references(self.inputs.desired[address], cls, declared)

    def _check_object_references(
        self, d: Desired[Any], cls: type[Resource[Any]], declared: Mapping[str, Mapping[str, str]]
    ) -> None:
        for kind, key in cls.references(d.spec):
            # A kind that was not read cannot be checked; the reader lists referenced kinds.
            if key in declared.get(kind, {}) or kind not in self.current:
                continue
            if key not in self.current[kind]:
                where = f"{d.location.file}:{d.location.line}: " if d.location.file else ""
                self.problems.append(
                    f"{where}{d.address} references {kind} '{key}', which neither exists in "
                    f"{self.provider(kind)} nor is declared"
                )

    # --- declared objects -----------------------------------------------------------------
    def _plan_declared(self, d: Desired[Any]) -> None:
        cls, key = self.resource(d.kind), self.keys[d.address]
        current = self.current.get(d.kind, {}).get(key)
        decided = cls.decide(d.spec, current)
        if current is None:
            self._plan_absent(d, cls, key, decided)
            return
        fields, unverified = self._compare(d, current, cls)
        if unverified:
            self.notes.append(_unverified(d.address, unverified))
        if decided is not None:
            action, reason = decided, _DECIDED.get(decided, "")
            fields = [] if decided is Action.RUN else fields  # a run writes no fields
        elif not fields:
            self.unchanged.append(d.address)
            return
        else:
            action, reason = _update_or_replace(cls, fields)
        self._add(d.address, d.kind, key, action, current, fields, reason)

    def _plan_absent(
        self, d: Desired[Any], cls: type[Resource[Any]], key: str, decided: Action | None
    ) -> None:
        if decided is None and not cls.can_create:
            origin = cls.expected_from(d.spec)
            if origin is not None and self._runs(origin.address):
                reason = f"expected from {origin.label}"
                fields = _create_fields(d, cls)
                self._add(d.address, d.kind, key, Action.CREATE, None, fields, reason)
                return
            where = f"{d.location.file}:{d.location.line}: " if d.location.file else ""
            todo = origin.todo if origin else "create it in the remote system first"
            self.problems.append(
                f"{where}{d.address}: no {d.kind} '{key}' exists and {d.kind} objects cannot be "
                f"created through the API: {todo}, or remove it from the YAML"
            )
            return
        action = decided or Action.CREATE
        fields = _create_fields(d, cls) if action is Action.CREATE else []
        self._add(d.address, d.kind, key, action, None, fields, _DECIDED.get(action, ""))

    def _runs(self, address: str) -> bool:
        """Whether the plan runs the declared object ``address`` (its kind decides RUN)."""
        d = self.inputs.desired.get(address)
        if d is None:
            return False
        cls = self.resource(d.kind)
        current = self.current.get(d.kind, {}).get(self.keys.get(address, ""))
        return current is not None and cls.decide(d.spec, current) is Action.RUN

    def _compare(
        self, d: Desired[Any], current: Remote[Any], cls: type[Resource[Any]]
    ) -> tuple[list[FieldChange], list[str]]:
        """Field changes between a matched pair, and the write-only paths left unverified."""
        fields: list[FieldChange] = []
        if d.spec != current.spec:  # equal is the common case, decided without walking specs
            want, have = comparable(d.spec), comparable(current.spec)
            wanted, had = drop_paths(want, cls.write_only), drop_paths(have, cls.write_only)
            if wanted != had:
                secret = (*d.secret_paths, *cls.write_only)
                fields = _explain(had, wanted, secret, cls.immutable)
        if not cls.write_only:
            return fields, []
        hidden, unverified = self._write_only(d, cls)
        if hidden:
            fields = sorted([*fields, *hidden], key=lambda f: path_order(f.path))
        return fields, unverified

    def _write_only(
        self, d: Desired[Any], cls: type[Resource[Any]]
    ) -> tuple[list[FieldChange], list[str]]:
        """Masked changes of write-only values (by fingerprint) and the unverifiable paths."""
        if all(getattr(d.spec, _top(p), None) is None for p in cls.write_only):
            return [], []  # nothing write-only declared (the usual case): nothing to fingerprint
        address = d.address
        recorded = self.inputs.fingerprints.get(address, {})
        changes: list[FieldChange] = []
        unverified: list[str] = []
        for pattern in cls.write_only:
            for path, value in iter_items(d.spec, pattern):
                if value is None:
                    continue
                # The plain form apply fingerprints after a write, so equal values hash alike.
                value, known = comparable(value), recorded.get(path)
                if known is None and not self.inputs.refresh_secrets:
                    unverified.append(path)
                elif known is None or self._fingerprint(address, path, value) != known:
                    forces = parse_path(path)[0] in cls.immutable
                    hidden = _field(path, SENSITIVE, SENSITIVE, [path], forces)
                    changes.append(hidden)
        return changes, unverified

    def _fingerprint(self, address: str, path: str, value: Any) -> str:
        if self.inputs.fingerprint is None:
            raise PlanError("build_plan needs a fingerprint function to compare write-only values")
        return self.inputs.fingerprint(secret_slot(address, path), reveal(value))

    # --- undeclared objects ---------------------------------------------------------------
    def _plan_undeclared(self, kind: str, declared: Mapping[str, str]) -> None:
        cls = self.resource(kind)
        unmanaged: list[str] = []
        kept: dict[str, list[str]] = {}
        for key, current in sorted(self.current[kind].items()):
            if key in declared:
                continue
            address, names = self._undeclared_names(kind, key)
            decided = cls.decide(None, current)
            why = "" if decided else why_kept(cls, current, self.inputs.prune)
            if decided is not None or why is None:
                action = decided or Action.DELETE
                reason = _DECIDED.get(action, "") if decided else f"not declared; {kind} is pruned"
                self._add(address, kind, key, action, current, [], reason, names)
            elif why:
                kept.setdefault(why, []).append(key)
            else:
                unmanaged.append(key)
        self.notes += ownership_notes(kind, unmanaged, kept)

    def _undeclared_names(self, kind: str, key: str) -> tuple[str, tuple[str, ...]]:
        """The address of an undeclared object and every name a glob may match it by."""
        bracket = f"{kind}[{key}]"
        known = self.inputs.known_addresses.get(bracket, "")
        address = known if known and known not in self.inputs.desired else bracket
        names = (address, bracket, f"{kind}.{key}", known)
        return address, tuple(dict.fromkeys(n for n in names if n))

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
        )
        self.changes.append(change)


# --- pure helpers ----------------------------------------------------------------------------
def _update_or_replace(
    cls: type[Resource[Any]], fields: Sequence[FieldChange]
) -> tuple[Action, str]:
    forced = sorted({str(parse_path(f.path)[0]) for f in fields if f.forces_replace})
    if not forced:
        return Action.UPDATE, ""
    named = f"immutable field{'s' if len(forced) > 1 else ''} {', '.join(map(repr, forced))}"
    if cls.replace_allowed and cls.can_delete and cls.can_create:
        return Action.REPLACE, f"{named} changed: forces replacement"
    todo = cls.manual_instruction or "change it by hand in the remote system"
    return Action.MANUAL, (
        f"{named} changed and {cls.kind} objects cannot be deleted and re-created through the "
        f"API: {todo}, or revert it in the YAML"
    )


def _field(path: str, before: Any, after: Any, secret: Sequence[str], forces: bool) -> FieldChange:
    """A FieldChange with plain JSON values and every sensitive part masked."""
    shown_before, shown_after, sensitive = redact(path, before, after, secret)
    return FieldChange(
        path=path,
        before=shown_before,
        after=shown_after,
        sensitive=sensitive,
        forces_replace=forces,
    )


def _explain(
    before: Any, after: Any, secret: Sequence[str], immutable: frozenset[str]
) -> list[FieldChange]:
    return [
        _field(path, b, a, secret, parse_path(path)[0] in immutable)
        for path, b, a in changed_paths(before, after)
    ]


def _create_fields(d: Desired[Any], cls: type[Resource[Any]]) -> list[FieldChange]:
    """Every declared value of a new object, nested mappings flattened to leaf paths."""
    secret = (*d.secret_paths, *cls.write_only)
    return [_field(path, None, value, secret, False) for path, value in leaves(comparable(d.spec))]


def _top(path: str) -> str:
    return str(parse_path(path)[0])


def _unverified(address: str, paths: Sequence[str]) -> Note:
    many = len(paths) > 1
    message = (
        f"{', '.join(paths)}: write-only value{'s' if many else ''} with no recorded fingerprint, "
        f"so {'they were' if many else 'it was'} not compared; `omsform apply --refresh-secrets` "
        f"sends {'them' if many else 'it'} and records {'their' if many else 'its'} fingerprint"
        f"{'s' if many else ''}"
    )
    return Note(category="unverified", address=address, message=message)
