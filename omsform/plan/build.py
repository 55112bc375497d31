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
key and the checks across objects (duplicate keys, references) in :mod:`omsform.plan.index`, the
live objects keyed as the walk over declared ones asks for them in :mod:`omsform.plan.live`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote
from omsform.errors import PlanError, UnsafePlanError
from omsform.gcpause import gc_paused
from omsform.plan.compare import Fingerprint, secret_slot
from omsform.plan.declared import DeclaredPlanner
from omsform.plan.model import Note, Plan, Summary
from omsform.plan.order import order_changes, select, selected
from omsform.plan.undeclared import UndeclaredPlanner

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
    keys: Mapping[str, str] = field(default_factory=dict)
    """Declared address → its natural key, where the caller computed it already (a run reads
    with them); any address missing is keyed here."""


_LEFT_OUT = "left out: it depends on an excluded change"


def build_plan(inputs: PlanInputs) -> Plan:
    """The plan that makes the live systems match ``inputs.desired`` (see module rules)."""
    with gc_paused():  # indexes over every object, kept for the run: no collection rescans them
        return _Planner(inputs).plan()


class _Planner(DeclaredPlanner, UndeclaredPlanner):
    """One build_plan run: indexes built once, then one pass over desired and current."""

    # --- the run ---------------------------------------------------------------------------
    def plan(self) -> Plan:
        """The plan, or PlanError/UnsafePlanError naming every problem found on the way."""
        self._plan_all_declared()
        for kind in sorted(self.current):
            if kind in self.declared or kind in self.inputs.prune:
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
        notes, unchanged = self.notes, self.unchanged_count
        if self.globs:  # without globs everything is selected: no test per object
            notes = [n for n in notes if selected(n.address, targets, excludes)]
            unchanged = sum(selected(d.address, targets, excludes) for d in self.unchanged)
        notes = [
            *notes,
            *(Note(category="warning", address=a, message=_LEFT_OUT) for a in dependents),
        ]
        summary = Summary.of(changes, unchanged)
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
        of_kind: dict[str, list[str]] = {}  # only kinds some kind depends on as a whole

        def addresses(kind: str) -> list[str]:
            if kind not in of_kind:
                of_kind[kind] = [d.address for d in self.ordered if d.kind == kind]
            return of_kind[kind]

        whole = {
            kind: [
                a for k in self.resource(kind).depends_on_kinds if k != kind for a in addresses(k)
            ]
            for kind in self.declared
        }

        def deps(address: str) -> Iterable[str]:
            d = desired.get(address)
            if d is None:  # an undeclared object (a run or manual decided by its kind)
                return ()
            return chain(sorted(a for a in d.depends_on if a in desired), whole[d.kind])

        return deps
