"""The pass of ``build_plan`` over declared objects: each is created, updated, replaced, run,
left manual or unchanged, or is a problem (absent and not creatable). See
:mod:`omsform.plan.build` for the rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from omsform.contract.resource import ExpectedFrom, Resource
from omsform.contract.spec import Desired, Remote
from omsform.drift import attribution
from omsform.errors import Problem
from omsform.plan.compare import (
    compare,
    create_fields,
    equal_test,
    sent_values,
    unverified_note,
    update_or_replace,
)
from omsform.plan.index import at
from omsform.plan.model import Action
from omsform.plan.openmaps import kept_keys, kept_reason, open_fields
from omsform.plan.planstate import _DECIDED, PlannerState
from omsform.secrets.keyprint import secrets_in_key

_DEFAULT_DECIDE = Resource.decide.__func__  # type: ignore[attr-defined]


class DeclaredPlanner(PlannerState):
    """What to do with each declared object."""

    def _plan_all_declared(self) -> None:
        """One walk over the declared objects, in address order, reading each once while it
        is at hand (with 50,000 objects, each pass that reads them again misses the CPU's
        caches): its natural key (kind → keys, twins), its references, then what to do with
        it. An equal pair of a kind that leaves its pairs to the default rules (most objects of
        a no-op plan) is counted unchanged at once; each kind's lookups are made once. The
        index's problems and the references' are put before planning's, as if checked first
        (a reference to an object keyed later in the walk is checked again at the end)."""
        known, kind, same, keep = self.inputs.keys, "", 0, self.globs
        twins: list[tuple[Desired[Any], str]] = []
        unsure: list[tuple[Desired[Any], type[Resource[Any]]]] = []
        cls, live, find, keys, key_of, equal, checks = self._kind_context("")
        for d in self.ordered:
            if d.kind != kind:  # once per kind: its objects are adjacent in address order
                kind = d.kind
                cls, live, find, keys, key_of, equal, checks = self._kind_context(kind)
            key = known.get(d.address) if known else None  # no read of the address if none
            if key is None:
                key = key_of(d.spec)
            if key in keys:
                twins.append((d, key))
            else:
                keys[key] = None
            if checks and self.reference_problems(d, cls):
                unsure.append((d, cls))
            current = live.get(key)  # most are keyed already, by the lookup before
            if current is None:  # not keyed yet, or absent: find keys more (a call only then)
                current = find(key)
            if current is not None and equal is not None and equal(d.spec, current.spec, d.address):
                same += 1
                if keep:
                    self.unchanged.append(d)
            else:
                self._plan_declared(d, key, current)
        self.unchanged_count += same
        self.problems[0:0] = [*self.index_problems(twins), *self._dangling(unsure)]

    def _kind_context(self, kind: str) -> tuple[Any, ...]:
        """What the walk needs per kind: the Resource class, the live objects keyed so far and
        the lookup that keys more (:class:`~omsform.plan.live.LiveIndex`), the kind's declared
        keys so far, its key function, its equal test and whether its references are checked
        (nothing for the empty kind the walk starts from)."""
        if not kind:
            return None, {}, _nothing, {}, str, None, False
        cls = self.resource(kind)
        keys = self.declared.setdefault(kind, {})
        live = self.live.get(kind)
        lookup = (live.by_key, live.find) if live else ({}, _nothing)  # a kind not read: none
        checks = self.checks_references(cls)
        return cls, *lookup, keys, self.key_function(kind), self._equal_test(kind), checks

    def _dangling(self, unsure: list[tuple[Desired[Any], type[Resource[Any]]]]) -> list[Problem]:
        """The reference problems of the objects the walk could not clear, now that every
        declared object is keyed: by kind, then in address order."""
        by_kind: dict[str, list[Problem]] = {}
        for d, cls in unsure:
            if found := self.reference_problems(d, cls):
                by_kind.setdefault(d.kind, []).extend(found)
        return [p for kind in sorted(by_kind) for p in by_kind[kind]]

    def _equal_test(self, kind: str) -> Callable[[Any, Any, str], bool] | None:
        """The kind's :func:`equal_test`, or ``None`` when its ``decide`` may choose another
        action for an equal pair (it is then asked for each)."""
        cls = self.resource(kind)
        if getattr(cls.decide, "__func__", None) is not _DEFAULT_DECIDE:
            return None
        return equal_test(cls, self.fingerprints)

    def _plan_declared(self, d: Desired[Any], key: str, current: Remote[Any] | None) -> None:
        """What to do with ``d`` (natural key ``key``), given its live object ``current``."""
        cls = self.resource(d.kind)
        decided = cls.decide(d.spec, current)
        if current is None:
            self.absent.setdefault(d.kind, set()).add(key)
            self._plan_absent(d, cls, key, decided)
            return
        fields, unverified, top = compare(d, current, cls, self.fingerprints)
        if unverified:
            self.notes.append(unverified_note(d.address, unverified))
        if decided is not None:
            action, reason = decided, _DECIDED.get(decided, "")
            fields = [] if decided is Action.RUN else fields  # a run writes no fields
        elif not fields:
            self._count_unchanged(d)
            return
        else:
            action, reason = update_or_replace(cls, fields)
        recorded = self.inputs.applied.get(d.address)
        fields = attribution.attribute_fields(
            fields, d, current, cls, recorded, lambda path: self.fingerprints.moved(d, path)
        )
        names = _sent_names(d, top) if action is Action.UPDATE else ()
        kept = _kept(d, current, cls, names)
        sends = sent_values(d, cls, names, kept)
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
        """A declared object with no current one: created (or what its kind decides), created
        "expected from" a step the plan runs, or a problem when its kind cannot create."""
        reason = ""
        if decided is None and not cls.can_create:
            origin = cls.expected_from(d.spec)
            if origin is None or not self._runs(origin.address):
                self._cannot_create(d, key, origin)
                return
            reason = f"expected from {origin.label}"
        action = decided or Action.CREATE
        fields = create_fields(d, cls) if action is Action.CREATE else []
        attributed = (
            attribution.of_create(*self._knows(d.address, d.kind))
            if action is Action.CREATE
            else attribution.UNKNOWN
        )
        reason = reason or _DECIDED.get(action, "")
        self._add(
            d.address,
            d.kind,
            key,
            action,
            None,
            fields,
            reason,
            secret=_in_key(d, key),
            attributed=attributed,
        )

    def _cannot_create(self, d: Desired[Any], key: str, origin: ExpectedFrom | None) -> None:
        todo = _absent_todo(origin, origin.address in self.inputs.desired if origin else False)
        message = (
            f"{d.address}: no {d.kind} '{key}' exists and {d.kind} objects cannot be "
            f"created through the API: {todo}, or remove it from the YAML"
        )
        self.problems.append(at(d, message))

    def _runs(self, address: str) -> bool:
        """Whether the plan runs the declared object ``address`` (its kind decides RUN)."""
        d = self.inputs.desired.get(address)
        if d is None:
            return False
        cls = self.resource(d.kind)
        key = self.inputs.keys.get(address)
        if key is None:  # as the walk keyed it
            key = cls.key(d.spec)
        current = self.live_object(d.kind, key)
        return current is not None and cls.decide(d.spec, current) is Action.RUN


def _nothing(key: str) -> None:
    """The lookup of a kind that was not read: it has no live object."""
    return None


def _sent_names(d: Desired[Any], top: frozenset[str]) -> tuple[str, ...]:
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
