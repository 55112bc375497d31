"""The objects of one ``build_plan`` run indexed by kind and natural key, with the checks that
need all of them at once: duplicate keys, kinds not read, references to nothing."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any

from omsform.contract import refs
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote
from omsform.errors import Location, PlanError, Problem
from omsform.plan.live import LiveIndex
from omsform.plan.model import Note

if TYPE_CHECKING:
    from omsform.plan.build import PlanInputs

_DERIVED_REFERENCES = Resource.references.__func__  # type: ignore[attr-defined]
_DEFAULT_KEY = Resource.key.__func__  # type: ignore[attr-defined]
_Problems = dict[str, list[Problem]]  # kind → problems


class PlanIndex:
    """The declared objects in address order (``ordered``) and the ``current`` objects of each
    kind by natural key; kind → declared natural keys (``declared``) is filled by the
    planner's one walk over the declared objects, which also checks their references
    (:meth:`reference_problems`): each object is read once, while it is at hand. What is wrong
    across objects is collected in ``problems`` (stop planning) and ``notes`` (warnings). Live
    objects without a natural key, or sharing one, are problems in kinds omsform manages
    (declared or pruned) and warnings in kinds only referenced (:meth:`index_problems`)."""

    def __init__(self, inputs: PlanInputs) -> None:
        self.inputs = inputs
        self.problems: list[Problem] = []
        self.notes: list[Note] = []
        # in address order, kept: the planner walks it, not the mapping
        self.ordered = _in_address_order(inputs.desired)
        # kind → its live objects, keyed as the walk asks for them (:mod:`omsform.plan.live`);
        # in kind order, so that a kind no provider serves is named first
        current = sorted(inputs.current.items())
        self.live = {kind: LiveIndex(kind, objs, self.resource(kind)) for kind, objs in current}
        # kind → every live object by natural key: filled once the walk is over (index_problems)
        self.current: dict[str, dict[str, Remote[Any]]] = {}
        # key → None: a set's table of 8,000 keys takes 512 KB, a dict's 300 KB; no value
        # held, so freeing it reads no declared object again
        self.declared: dict[str, dict[str, None]] = {}

    def resource(self, kind: str) -> type[Resource[Any]]:
        """The Resource class of ``kind`` (PlanError when no provider serves it)."""
        try:
            return self.inputs.resources[kind]
        except KeyError:
            raise PlanError(f"no provider serves the kind '{kind}'") from None

    def provider(self, kind: str) -> str:
        """The name of the provider serving ``kind`` (PlanError when none is known)."""
        try:
            return self.inputs.provider_of[kind]
        except KeyError:
            raise PlanError(f"no provider is known for the kind '{kind}'") from None

    def key_function(self, kind: str) -> Callable[[Any], str]:
        """Spec → natural key for objects of ``kind`` (see :func:`_key_function`)."""
        return _key_function(self.resource(kind))

    def live_object(self, kind: str, key: str) -> Remote[Any] | None:
        """The live ``kind`` object whose natural key is ``key``, if any (and the kind was read)."""
        index = self.live.get(kind)
        return None if index is None else index.find(key)

    def index_problems(self, twins: Sequence[tuple[Desired[Any], str]]) -> list[Problem]:
        """Once every declared object is keyed: the live objects no lookup needed are keyed
        too (``current`` is filled) and their problems told (warnings, for kinds only
        referenced, go to ``notes``); then per declared kind whether it was read and its
        objects whose key an earlier one declares (``twins``: object and key)."""
        problems = self._live_problems()
        by_kind = self._twin_problems(twins)
        for kind in self.declared:
            if kind not in self.current:
                message = f"the current {kind} objects were not read before planning"
                problems.append(Problem(Location(address=kind), message))
            problems += by_kind.get(kind, ())
        return problems

    def _live_problems(self) -> list[Problem]:
        """Every live object keyed (into ``current``); each one without its natural key and
        each key several share is a problem in a managed kind, else a warning note."""
        problems = []
        for kind, index in self.live.items():
            self.current[kind] = index.complete()
            managed = kind in self.declared or kind in self.inputs.prune
            for address, told in index.findings():
                if managed:
                    problems.append(Problem(Location(address=address), told(True)))
                else:
                    note = Note(category="warning", address=address, message=told(False))
                    self.notes.append(note)
        return problems

    def _twin_problems(self, twins: Sequence[tuple[Desired[Any], str]]) -> _Problems:
        """Per kind, a problem for each declared object whose key an earlier one declares."""
        wanted = {(d.kind, key) for d, key in twins}
        first: dict[tuple[str, str], str] = {}
        if wanted:  # one more walk, only for a brand that has twins
            known, kinds = self.inputs.keys, {kind for kind, _ in wanted}
            for d in self.ordered:
                if d.kind in kinds:
                    key = known.get(d.address)
                    pair = (d.kind, self.key_function(d.kind)(d.spec) if key is None else key)
                    if pair in wanted:
                        first.setdefault(pair, d.address)
        problems: _Problems = {}
        for d, key in twins:
            message = (
                f"{first[(d.kind, key)]} and {d.address} both declare {d.kind} '{key}': "
                "a natural key must be unique within its kind"
            )
            problems.setdefault(d.kind, []).append(at(d, message))
        return problems

    @staticmethod
    def checks_references(cls: type[Resource[Any]]) -> bool:
        """Whether objects of ``cls`` may reference anything (if not, nothing is asked)."""
        derived = getattr(cls.references, "__func__", None) is _DERIVED_REFERENCES
        return not derived or bool(refs.slots(cls.spec_model))

    def reference_problems(self, d: Desired[Any], cls: type[Resource[Any]]) -> list[Problem]:
        """A problem for each reference of ``d`` to an object neither declared nor live."""
        problems = []
        for kind, key in cls.references(d.spec):
            # A kind that was not read cannot be checked; the reader lists referenced kinds.
            if key in self.declared.get(kind, ()) or kind not in self.live:
                continue
            if self.live[kind].find(key) is None:
                message = (
                    f"{d.address} references {kind} '{key}', which neither exists in "
                    f"{self.provider(kind)} nor is declared"
                )
                problems.append(at(d, message))
        return problems


def _in_address_order(desired: Mapping[str, Desired[Any]]) -> Collection[Desired[Any]]:
    """The declared objects sorted by address. A mapping built in that order (a loaded brand's)
    gives its own values, checked without copying or looking up any address: no list holds
    (and so touches, when freed) every object a second time."""
    if all(map(operator.lt, desired, islice(desired, 1, None))):
        return desired.values()
    return [desired[address] for address in sorted(desired)]


def _key_function(cls: type[Resource[Any]]) -> Callable[[Any], str]:
    """``cls.key``, or for the default key function of one field the same string read
    directly (it runs for every declared object the caller did not key already)."""
    if getattr(cls.key, "__func__", None) is not _DEFAULT_KEY or len(cls.key_fields) != 1:
        return cls.key
    (name,) = cls.key_fields
    return lambda spec: str(getattr(spec, name))


def key_gaps(cls: type[Resource[Any]], spec: Any) -> list[str]:
    """The natural-key fields ``spec`` lacks (missing, null or empty): an object the API
    returned without its key cannot be matched with any declared one."""
    if getattr(cls.key, "__func__", None) is not _DEFAULT_KEY:
        # a kind with its own key function (a channel by name or Omnitron id): judge the key
        return [] if cls.key(spec) else list(cls.key_fields) or ["key"]
    return [f for f in cls.key_fields if getattr(spec, f, None) in (None, "")]


def at(d: Desired[Any], message: str, hint: str = "") -> Problem:
    """A plan problem located where ``d`` is declared (file, line, column and address)."""
    where = d.location
    located = Location(where.file, where.line, where.column, d.address)
    return Problem(located, message, hint)
