"""The pass of ``build_plan`` over current objects the brand does not declare: deleted when
pruned and allowed, else noted as unmanaged; and a delete plus a create of the same declared
address (its natural key changed) paired into one replace. See :mod:`omsform.plan.build`."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from itertools import filterfalse
from typing import Any

from omsform.contract.spec import Desired, Remote
from omsform.drift import attribution
from omsform.plan.compare import compare, delete_fields
from omsform.plan.model import Action, FieldChange
from omsform.plan.planstate import _DECIDED, PlannerState
from omsform.plan.safety import ownership_notes, why_kept
from omsform.secrets.mask import redact_data


class UndeclaredPlanner(PlannerState):
    """What to do with each undeclared current object of a managed kind."""

    def _plan_undeclared(self, kind: str, declared: Collection[str]) -> None:
        cls = self.resource(kind)
        unmanaged: list[str] = []
        kept: dict[str, list[str]] = {}
        live = self.current[kind]
        for key in self._undeclared_keys(live, declared, self.absent.get(kind, ())):
            current = live[key]
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

    @staticmethod
    def _undeclared_keys(
        live: Mapping[str, Remote[Any]], declared: Collection[str], absent: Collection[str]
    ) -> list[str]:
        """The keys of ``live`` not in ``declared``, sorted. When every live object matched a
        declared one (as many declared keys found a live object as there are live objects)
        there is none, known without a lookup per live object."""
        if len(declared) - len(absent) == len(live):
            return []
        return sorted(filterfalse(declared.__contains__, live))

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
            fields = self._rekey_fields(d, current)
            was = redact_data(gone.key, made.key_secrets)
            replace = made.model_copy(
                update={
                    "action": Action.REPLACE,
                    "remote_id": gone.remote_id,
                    "precondition": gone.precondition,
                    "fields": tuple(fields),
                    "attribution": attribution.of_change(fields) if fields else made.attribution,
                    "reason": f"natural key changed: {was} → {made.shown_key}",
                }
            )
            self.changes = [replace if c is made else c for c in self.changes if c is not gone]
            names = (*self.candidates.get(address, ()), *self.candidates.pop(old_address, ()))
            self.candidates[address] = tuple(dict.fromkeys(names))

    def _rekey_fields(self, d: Desired[Any], current: Remote[Any]) -> list[FieldChange]:
        """The fields a replace of ``d`` changes on ``current``, attributed as an update's
        are: a key edited in the YAML is intent, one changed on the live object is drift."""
        cls = self.resource(d.kind)
        fields = compare(d, current, cls, self.fingerprints).fields
        recorded = self.inputs.applied.get(d.address)
        return attribution.attribute_fields(
            fields, d, current, cls, recorded, lambda path: self.fingerprints.moved(d, path)
        )
