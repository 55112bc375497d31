"""The state one ``build_plan`` run builds up (:class:`PlannerState`): the indexes, the changes
and notes so far, and how a change is recorded (:meth:`PlannerState._add`). The passes over
declared objects (:mod:`omsform.plan.declared`) and undeclared ones
(:mod:`omsform.plan.undeclared`) build on it."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import TYPE_CHECKING, Any

from omsform.contract.spec import Desired, Remote
from omsform.plan.compare import Fingerprints
from omsform.plan.index import PlanIndex
from omsform.plan.model import Action, Change, FieldChange
from omsform.plan.safety import protect_violation

if TYPE_CHECKING:
    from omsform.plan.build import PlanInputs

_DECIDED = {
    Action.RUN: "the remote system reports this step as required",
    Action.MANUAL: "cannot be done through the API: do it by hand, then plan again",
    Action.DELETE: "the kind's rules remove it",
}


class PlannerState:
    """One build_plan run's indexes (built once) and what it found so far."""

    def __init__(self, inputs: PlanInputs) -> None:
        self.inputs = inputs
        index = PlanIndex(inputs)
        self.resource, self.provider = index.resource, index.provider
        self.current, self.declared = index.current, index.declared
        self.live, self.live_object = index.live, index.live_object
        self.ordered, self.key_function = index.ordered, index.key_function
        self.checks_references, self.reference_problems = (
            index.checks_references,
            index.reference_problems,
        )
        self.index_problems = index.index_problems
        self.problems, self.notes = index.problems, index.notes
        self.violations: list[str] = []
        self.changes: list[Change] = []
        self.unchanged_count = 0
        self.globs = bool(inputs.targets or inputs.excludes)
        # the unchanged objects themselves, only when --target/--exclude must test addresses
        self.unchanged: list[Desired[Any]] = []
        self.absent: dict[str, set[str]] = {}  # kind → declared keys with no current object
        self.candidates: dict[str, tuple[str, ...]] = {}
        self.tracked: dict[str, bool] = {}  # kind → the ledger records some object of it
        self.rekeyed: dict[str, str] = {}  # delete's address → the declared address it had
        self.fingerprints = Fingerprints(
            inputs.fingerprints, inputs.fingerprint, inputs.refresh_secrets
        )

    def _knows(self, address: str, kind: str) -> tuple[bool, bool]:
        """Whether the ledger has a record of ``address`` (apply wrote it before), and of any
        object of ``kind`` (the ledger keeps track of that kind)."""
        fingerprints, applied = self.inputs.fingerprints, self.inputs.applied
        if address in fingerprints or address in applied:  # no set of every address per call
            return True, True
        tracked = self.tracked.get(kind)
        if tracked is None:
            prefix = f"{kind}."
            tracked = self.tracked[kind] = any(
                a.startswith(prefix) for a in chain(fingerprints, applied)
            )
        return False, tracked

    def _count_unchanged(self, d: Desired[Any]) -> None:
        self.unchanged_count += 1
        if self.globs:
            self.unchanged.append(d)

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
        sends: dict[str, Any] | None = None,
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
            sends=sends or {},
            attribution=attributed,
        )
        self.changes.append(change)
