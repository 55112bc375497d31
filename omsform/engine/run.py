"""Orchestration for one run: load the brand, open clients, read, plan, apply.

Kept small on purpose: each step lives in its own module (load, read, diff, safety, apply,
ledger, journal); this module only wires them together for the CLI and for library users
(``omsform.load_brand``, :func:`plan_brand`, :func:`apply_brand`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from omsform.apply.journal import Journal
from omsform.apply.ledger import Ledger
from omsform.contract.spec import Remote
from omsform.engine.planning import check_globs, plan_from, plan_inputs
from omsform.engine.sandbox import open_sandbox_db, sandbox_transport
from omsform.engine.session import (
    STATE_DIR,
    Session,
    kinds_to_read,
    open_session,
    provider_block,
    read,
)
from omsform.errors import StalePlanError, UnsafePlanError
from omsform.gcpause import gc_frozen
from omsform.plan.model import Plan
from omsform.plan.safety import saved_plan_violations
from omsform.secrets import keyprint

if TYPE_CHECKING:  # applying imports its machinery when it runs: a plan never needs it
    from omsform.apply.report import ApplyReport
    from omsform.apply.run import ApplyEvent

__all__ = [
    "STATE_DIR",
    "Session",
    "apply_brand",
    "check_globs",
    "kinds_to_read",
    "open_sandbox_db",
    "open_session",
    "plan_from",
    "plan_inputs",
    "provider_block",
    "read",
    "recover",
    "refuse_if_stale",
    "refuse_unsafe_saved",
    "restore_keys",
    "sandbox_transport",
]


async def apply_brand(
    session: Session,
    plan: Plan,
    current: Mapping[str, list[Remote[Any]]],
    *,
    parallelism: int | None = None,
    on_event: Callable[[ApplyEvent], None] | None = None,
    saved: bool = False,
) -> ApplyReport:
    """Apply ``plan`` (already checked against ``current``) and record the ledger.

    ``saved``: the plan came from a file, so leaving a change out means planning again."""
    from omsform.apply.run import apply_plan
    from omsform.apply.work import apply_input

    resources = session.resources()
    brand = session.brand
    work = apply_input(
        plan, brand.desired, resources, session.clients, saved=saved, secrets=brand.secrets
    )
    journal = Journal(session.state_dir / "journal.jsonl")
    ledger = session.ledger()  # the one planning loaded, unless its files changed since
    with gc_frozen():  # the run's long-lived objects are not traversed again per collection
        return await apply_plan(
            work,
            resources,
            session.clients,
            current=current,
            journal=journal,
            ledger=ledger,
            parallelism=parallelism,
            on_event=on_event,
            shared=session.shared,
        )


def refuse_unsafe_saved(
    plan: Plan, session: Session, current: Mapping[str, list[Remote[Any]]]
) -> None:
    """An :class:`UnsafePlanError` naming every change of a saved plan that the brand's
    ownership rules (``manage.prune``, ``manage.protect``, objects a kind never deletes,
    declared addresses) forbid: a plan file can be edited and its checksum recomputed."""
    resources = {k: type(r) for k, r in session.resources().items()}
    declared: dict[str, dict[str, str]] = {}
    for address, d in session.brand.desired.items():
        declared.setdefault(d.kind, {})[resources[d.kind].key(d.spec)] = address
    manage = session.brand.config.manage
    ledger = session.ledger()
    problems = saved_plan_violations(
        plan,
        current,
        resources,
        declared,
        prune=tuple(manage.prune),
        protect=tuple(manage.protect),
        known_addresses=ledger.known_addresses(),
    )
    if problems:
        raise UnsafePlanError(
            "the saved plan does changes the brand's rules forbid (was the file edited?); "
            "nothing was written:\n  - " + "\n  - ".join(problems) + "\nPlan again."
        )


def recover(session: Session, current: Mapping[str, list[Remote[Any]]]) -> list[str]:
    """Resolve operations a killed run left uncertain (by remote id or natural key)."""
    journal = Journal(session.state_dir / "journal.jsonl")
    if not journal.uncertain():
        return []  # the usual case: loading the ledger (thousands of entries) would be wasted
    from omsform.apply.run import resolve_uncertain

    ledger = Ledger.load(session.state_dir / "ledger.json", session.brand.secrets)
    return resolve_uncertain(journal, current, session.resources(), session.brand.desired, ledger)


def restore_keys(session: Session, plan: Plan) -> Plan:
    """A saved plan with the real natural keys back where it stores them masked (checked by
    their fingerprints against the brand as loaded now; :class:`StalePlanError` when a secret
    inside one was rotated since). Run it before :func:`refuse_if_stale`."""
    return keyprint.restore_keys(plan, session.brand.desired, session.resources())


def refuse_if_stale(plan: Plan, current: Mapping[str, list[Remote[Any]]]) -> None:
    """Raise :class:`StalePlanError` naming every touched object that moved since the plan,
    and what changed in it; a plan that looks applied already is said to be so."""
    from omsform.apply.saved import stale_report

    moved, applied = stale_report(plan, current)
    if applied:
        raise StalePlanError(
            "the saved plan was already applied: every object it touches now looks as "
            "planned. Run plan again to see what is left to do.",
            moved,
        )
    if moved:
        raise StalePlanError(
            "the saved plan is stale: objects changed since it was made. Run plan again.", moved
        )
