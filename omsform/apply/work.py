"""What apply carries out, built in one place: :class:`ApplyInput` (the plan, its natural keys
real again, and the declared specs the writes send) from :func:`apply_input`, which also holds
the rules that refuse a plan before any write (manual changes, changes that no longer fit the
brand or have no client).

The top-level fields an update sends come from the plan (:attr:`Change.sends`, decided by
``build_plan``); the values come from the brand loaded again (secrets resolved, bound by the
plan's ``config_digest``). Nothing here reads a display path back: an update that records no
``sends`` (a plan saved by an older omsform) is refused, to be planned again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Spec
from omsform.errors import ApplyError, StalePlanError
from omsform.plan.compare import sent_values
from omsform.plan.model import Action, Change, Plan
from omsform.plan.openmaps import sent_spec
from omsform.secrets import SENSITIVE
from omsform.secrets.keyprint import restore_keys
from omsform.secrets.mask import mask_url_data

_WRITES_SPEC = (Action.CREATE, Action.UPDATE, Action.REPLACE)


@dataclass(frozen=True)
class ApplyInput:
    """A plan ready to apply: ``plan`` (every natural key real, every update's ``sends`` set)
    and ``specs``, the brand's declared objects by address as loaded for this run;
    ``secrets``: the brand's secret values when known (:attr:`omsform.lang.load.Brand.secrets`,
    which holds those of every spec: the run then only looks into the specs it writes)."""

    plan: Plan
    specs: Mapping[str, Desired[Any]]
    secrets: frozenset[str] | None = None

    def spec_for(self, change: Change) -> Spec:
        """The spec a write of ``change`` sends: the declared one, with an update's open maps
        merged with the live keys the plan kept (:func:`omsform.plan.openmaps.sent_spec`)."""
        spec = self.specs[change.address].spec
        return sent_spec(spec, change.kept) if change.action is Action.UPDATE else spec

    @staticmethod
    def sends(change: Change) -> frozenset[str]:
        """The top-level fields an update of ``change`` sends, as the plan recorded them."""
        return frozenset(change.sends)


def apply_input(
    plan: Plan,
    specs: Mapping[str, Desired[Any]],
    resources: Mapping[str, Resource[Any] | type[Resource[Any]]],
    providers: Collection[str],
    *,
    saved: bool = False,
    secrets: frozenset[str] | None = None,
) -> ApplyInput:
    """The :class:`ApplyInput` for ``plan`` against the brand's ``specs``, or an
    :class:`ApplyError` before any write: manual changes (``saved``: the plan came from a file,
    so leaving one out means planning again), or changes whose kind has no resource, whose
    provider (not in ``providers``) has no client, or whose object is no longer declared.
    A saved plan's masked keys are made real again (:func:`restore_keys`); an update whose
    recorded values no longer match the brand is a :class:`StalePlanError`. ``secrets``: the
    brand's secret values (:attr:`ApplyInput.secrets`)."""
    refuse_manual(plan, saved=saved)
    _refuse_unfit(plan, specs, resources, providers)
    _refuse_moved_values(plan, specs, resources)
    plan = restore_keys(plan, specs, resources)
    return ApplyInput(plan, specs, secrets)


def refuse_manual(plan: Plan, *, saved: bool = False) -> None:
    """An :class:`ApplyError` naming every manual change of ``plan``, and how to go on."""
    manual = [c.address for c in plan.changes if c.action is Action.MANUAL]
    if not manual:
        return
    first = manual[0]
    way = (
        f"make a plan without them (`omsform plan --exclude '{first}' -o FILE`) and apply it"
        if saved
        else f"leave them out with --exclude (e.g. --exclude '{first}')"
    )
    raise ApplyError(
        "the plan contains manual changes that omsform cannot make: "
        + ", ".join(manual)
        + f". Do what each one says, or {way}."
    )


def _refuse_unfit(
    plan: Plan,
    specs: Mapping[str, Desired[Any]],
    resources: Mapping[str, Resource[Any] | type[Resource[Any]]],
    providers: Collection[str],
) -> None:
    problems = []
    for c in plan.changes:
        if c.kind not in resources or c.provider not in providers:
            problems.append(f"{c.address}: no resource or client for {c.kind} ({c.provider})")
        elif c.action in _WRITES_SPEC and c.address not in specs:
            problems.append(f"{c.address}: not declared in the brand any more")
        elif c.action is Action.UPDATE and not c.sends:
            problems.append(
                f"{c.address}: the update does not record what it sends (a plan "
                "saved by an older omsform)"
            )
        elif c.sends and (unknown := _unknown_fields(c, specs)):
            problems.append(f"{c.address}: {c.kind} has no field {', '.join(unknown)} to send")
    if problems:
        raise ApplyError(
            "the plan does not fit the brand: " + "; ".join(problems) + ". Run plan again."
        )


def _unknown_fields(change: Change, specs: Mapping[str, Desired[Any]]) -> list[str]:
    """The names in ``change.sends`` that are not fields of its declared spec (an edited file)."""
    d = specs.get(change.address)
    known = type(d.spec).model_fields if d is not None else {}
    return sorted(set(change.sends) - set(known))


def _refuse_moved_values(
    plan: Plan,
    specs: Mapping[str, Desired[Any]],
    resources: Mapping[str, Resource[Any] | type[Resource[Any]]],
) -> None:
    """A :class:`StalePlanError` naming each field whose value in the brand loaded now is not
    the one the plan recorded as sent (values it shows as ``(sensitive)`` cannot be compared:
    the plan's ``config_digest`` binds those)."""
    moved = []
    for c in plan.changes:
        if c.action is not Action.UPDATE or not c.sends:
            continue
        now = sent_values(specs[c.address], _class(resources[c.kind]), c.sends, c.kept)
        recorded = mask_url_data(c.sends)
        moved += [
            f"{c.address}: {name} is not the value planned to be sent"
            for name in sorted(c.sends)
            if recorded[name] != SENSITIVE and recorded[name] != now[name]
        ]
    if moved:
        raise StalePlanError(
            "the saved plan does not match the brand any more: values it sends changed. "
            "Run plan again.",
            moved,
        )


def _class(resource: Resource[Any] | type[Resource[Any]]) -> type[Resource[Any]]:
    return resource if isinstance(resource, type) else type(resource)
