"""Which kinds a partial plan (``plan --changed-since REF``) compares, and what it reads. Pure.

A change to kind K can matter to the kinds K's objects point at (a scenario names stock
locations and channels) and to the kinds whose objects point at K (a renamed or replaced
location matters to the scenarios that name it). So the kinds compared are the changed kinds
plus one step of the kind graph in both directions; the graph has an edge A → B when a declared
object of A references an object of B (``Resource.references`` or an interpolated address), when
A lists B in ``depends_on_kinds``, or when a missing A object is expected from a declared B object
(``Resource.expected_from``: a channel expected from the channels setup step).

What is read for such a plan is what a full plan of only those kinds would read: their declared
and pruned kinds plus every kind their objects reference (to check the references and, on apply,
to find the ids they name). A kind read only for references is not compared: its drift is not
shown, as in a full plan for a kind that is referenced but neither declared nor pruned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from omsform.contract.refs import slots
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired
from omsform.plan.build import PlanInputs

Resources = Mapping[str, type[Resource[Any]]]


def kind_graph(
    desired: Mapping[str, Desired[Any]], resources: Resources, prune: Iterable[str] = ()
) -> dict[str, set[str]]:
    """Kind → the kinds its declared objects (or, for a pruned kind, the kind itself) need."""
    edges: dict[str, set[str]] = {}
    for d in desired.values():
        cls = resources.get(d.kind)
        if cls is None:
            continue
        needs = edges.setdefault(d.kind, set())
        needs.update(cls.depends_on_kinds)
        needs.update(kind for kind, _ in cls.references(d.spec))
        needs.update(desired[a].kind for a in d.depends_on if a in desired)
        origin = None if cls.can_create else cls.expected_from(d.spec)
        if origin is not None and origin.address in desired:
            needs.add(desired[origin.address].kind)
    for kind in prune:
        if kind in resources:
            edges.setdefault(kind, set()).update(resources[kind].depends_on_kinds)
    for kind, needs in edges.items():
        needs.discard(kind)
    return edges


def reach(changed: Collection[str], graph: Mapping[str, Collection[str]]) -> set[str]:
    """The changed kinds, the kinds they need, and the kinds that need them (one step each)."""
    kinds = set(changed)
    for kind in changed:
        kinds.update(graph.get(kind, ()))
    kinds.update(kind for kind, needs in graph.items() if any(n in changed for n in needs))
    return kinds


def managed_kinds(desired: Mapping[str, Desired[Any]], prune: Iterable[str]) -> set[str]:
    """The kinds a full plan compares: every declared kind and every pruned kind."""
    return {d.kind for d in desired.values()} | set(prune)


def kinds_to_read(
    desired: Mapping[str, Desired[Any]],
    resources: Resources,
    prune: Iterable[str],
    compared: Collection[str],
) -> list[str]:
    """What a plan comparing only ``compared`` reads: those of them declared or pruned, and
    every kind their declared objects reference (the full plan's rule, narrowed)."""
    kinds = {k for k in prune if k in compared}
    for d in desired.values():
        if d.kind not in compared:
            continue
        kinds.add(d.kind)
        cls = resources.get(d.kind)
        if cls is not None:
            kinds.update(kind for kind, _ in cls.references(d.spec))
    return sorted(k for k in kinds if k in resources)


def narrow_inputs(inputs: PlanInputs, compared: Collection[str]) -> PlanInputs:
    """``inputs`` with only the declared objects and pruned kinds of ``compared``: the plan
    neither creates, changes nor deletes anything of another kind."""
    return dataclasses.replace(
        inputs,
        desired={a: d for a, d in inputs.desired.items() if d.kind in compared},
        prune=tuple(k for k in inputs.prune if k in compared),
    )


# --- before loading: which kinds a partial load must read -----------------------------------
def _own(cls: type[Resource[Any]], hook: str) -> bool:
    """True when ``cls`` defines ``hook`` itself (it may then name any kind)."""
    return getattr(cls, hook).__func__ is not getattr(Resource, hook).__func__


def _ref_targets(model: type[BaseModel]) -> set[str]:
    found: set[str] = set()
    for slot in slots(model):
        if slot.ref is not None and isinstance(slot.ref.target, str):
            found.add(slot.ref.target)
        elif slot.model is not None:
            found |= _ref_targets(slot.model)
    return found


def static_needs(cls: type[Resource[Any]]) -> frozenset[str] | None:
    """The kinds any object of ``cls`` may need (its edges in :func:`kind_graph`), told from
    the class alone: ``depends_on_kinds`` and its spec's :class:`~omsform.contract.refs.Ref`
    targets, and its ``hook_kinds`` when one of its hooks (``references``, ``comes_after``,
    ``expected_from``) is its own; ``None`` when such a kind does not say (any kind)."""
    static = frozenset(cls.depends_on_kinds) | frozenset(_ref_targets(cls.spec_model))
    if not any(_own(cls, hook) for hook in ("references", "comes_after", "expected_from")):
        return static
    return None if cls.hook_kinds is None else static | frozenset(cls.hook_kinds)


def may_need(
    resources: Resources, mentions: Mapping[str, frozenset[str] | None], changed: Collection[str]
) -> set[str]:
    """The kinds whose objects may need a ``changed`` kind (so :func:`reach` may add them):
    told from the classes (:func:`static_needs`) and from ``mentions``, kind → the kinds the
    ``${…}`` of its files name (``None``: cannot be told)."""
    wanted = set(changed)
    found: set[str] = set()
    if not wanted:
        return found
    for kind, cls in resources.items():
        needs = static_needs(cls)
        named = mentions.get(kind, frozenset())
        if needs is None or named is None or (needs | named) & wanted:
            found.add(kind)
    return found - wanted


def named_by_hooks(desired: Iterable[Desired[Any]], resources: Resources) -> set[str]:
    """The kinds the ``comes_after`` and ``expected_from`` of ``desired`` name (declared or not:
    :func:`kind_graph` counts them only when their objects are loaded)."""
    found: set[str] = set()
    for d in desired:
        cls = resources.get(d.kind)
        if cls is None:
            continue
        found.update(a.split(".", 1)[0] for a in cls.comes_after(d.spec))
        origin = None if cls.can_create else cls.expected_from(d.spec)
        if origin is not None:
            found.add(origin.address.split(".", 1)[0])
    return found
