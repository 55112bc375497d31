"""The objects of one ``build_plan`` run indexed by kind and natural key, with the checks that
need all of them at once: duplicate keys, kinds not read, references to nothing."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

from omsform.contract import refs
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote
from omsform.errors import Location, PlanError, Problem
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
        for kind in sorted(inputs.current):  # a kind no provider serves is named first
            self.resource(kind)
        # what is wrong with live objects, told once the managed kinds are known
        self._live: list[tuple[str, str, Callable[[bool], str]]] = []
        self.current = {k: self._index(k, v) for k, v in sorted(inputs.current.items())}
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

    def _index(self, kind: str, remotes: Sequence[Remote[Any]]) -> dict[str, Remote[Any]]:
        """Current objects of ``kind`` by natural key. For a kind omsform manages (declared or
        pruned), a live object without its key and a key shared by several live objects are
        problems: planning would otherwise delete and re-create the first, or manage one twin
        and never see the others. For a kind only referenced, they are warnings."""
        index: dict[str, Remote[Any]] = {}
        twins: dict[str, list[str]] = {}
        keyed = _keyed(self.resource(kind))
        for remote in remotes:
            gaps, key = keyed(remote.spec)
            if gaps:
                self._live.append((kind, kind, partial(_keyless, kind, remote, gaps)))
                continue
            first = index.setdefault(key, remote)
            if first is not remote:
                twins.setdefault(key, [str(first.id)]).append(str(remote.id))
        for key, ids in sorted(twins.items()):
            self._live.append((kind, f"{kind}[{key}]", partial(_twins, kind, key, ids)))
        return index

    def index_problems(self, twins: Sequence[tuple[Desired[Any], str]]) -> list[Problem]:
        """Once every declared object is keyed: the problems of live objects (warnings, for
        kinds only referenced, go to ``notes``), then per declared kind whether it was read
        and its objects whose key an earlier one declares (``twins``: object and key)."""
        problems = []
        for kind, address, told in self._live:
            if kind in self.declared or kind in self.inputs.prune:
                problems.append(Problem(Location(address=address), told(True)))
            else:
                self.notes.append(Note(category="warning", address=address, message=told(False)))
        by_kind = self._twin_problems(twins)
        for kind in self.declared:
            if kind not in self.current:
                message = f"the current {kind} objects were not read before planning"
                problems.append(Problem(Location(address=kind), message))
            problems += by_kind.get(kind, ())
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
            if key in self.declared.get(kind, ()) or kind not in self.current:
                continue
            if key not in self.current[kind]:
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


def _keyed(cls: type[Resource[Any]]) -> Callable[[Any], tuple[Sequence[str], str]]:
    """``spec → (key_gaps(cls, spec), cls.key(spec))``; for the default key function the
    fields are read once for both (it runs for every live object)."""
    names = cls.key_fields
    if getattr(cls.key, "__func__", None) is not _DEFAULT_KEY:

        def own_key(spec: Any) -> tuple[Sequence[str], str]:
            key = cls.key(spec)  # judged as key_gaps judges it
            return ([] if key else list(names) or ["key"]), key

        return own_key

    if len(names) == 1:  # the usual natural key: one field
        (name,) = names

        def one_field(spec: Any) -> tuple[Sequence[str], str]:
            value = getattr(spec, name, None)
            return ((name,), "") if value in (None, "") else ((), str(value))  # () is shared

        return one_field

    def keyed(spec: Any) -> tuple[Sequence[str], str]:
        values = [getattr(spec, f, None) for f in names]
        gaps = [f for f, v in zip(names, values, strict=True) if v in (None, "")]
        return gaps, "" if gaps else "|".join(map(str, values))

    return keyed


def _keyless(kind: str, remote: Remote[Any], gaps: Sequence[str], managed: bool) -> str:
    fields = ", ".join(gaps)
    head = (
        f"{kind} id {remote.id}: the live object has no {fields} (missing or null), "
        f"which {'is' if len(gaps) == 1 else 'are'} part of the natural key"
    )
    if not managed:
        return f"{head}; it is left out (nothing can reference it)"
    return (
        f"{head}: omsform cannot tell which declared object it is, so it plans nothing rather "
        f"than delete and re-create it. Set the field on that object in the remote system (or "
        f"delete it there), then plan again"
    )


def _twins(kind: str, key: str, ids: Sequence[str], managed: bool) -> str:
    head = f"{len(ids)} live {kind} objects share the natural key '{key}' (ids {', '.join(ids)})"
    if not managed:
        return f"{head}; references to it use id {ids[0]}: remove the duplicates"
    return (
        f"{head}: omsform cannot tell which one the YAML means, nor may it leave the others "
        f"unmanaged. Delete the duplicates in the remote system (keep one), then plan again"
    )


def at(d: Desired[Any], message: str, hint: str = "") -> Problem:
    """A plan problem located where ``d`` is declared (file, line, column and address)."""
    where = d.location
    located = Location(where.file, where.line, where.column, d.address)
    return Problem(located, message, hint)
