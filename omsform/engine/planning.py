"""From what was read to a plan: :func:`plan_inputs` (the brand, the ledger and the selection
globs as :class:`~omsform.plan.build.PlanInputs`), :func:`check_globs` and :func:`plan_from`
(build, fingerprint secret keys, enforce the safety threshold)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from omsform.apply.ledger import Ledger
from omsform.contract.spec import Remote
from omsform.engine.session import STATE_DIR, Session
from omsform.errors import Location, PlanError, Problem, UnsafePlanError
from omsform.gcpause import gc_paused
from omsform.lang.load import Brand
from omsform.lang.suggest import did_you_mean
from omsform.plan.build import PlanInputs, build_plan
from omsform.plan.model import Plan
from omsform.plan.order import matches
from omsform.plan.safety import check_safety
from omsform.secrets.keyprint import fingerprint_keys


def plan_inputs(
    session: Session,
    current: Mapping[str, list[Remote[Any]]],
    *,
    targets: tuple[str, ...] = (),
    excludes: tuple[str, ...] = (),
    refresh_secrets: bool = False,
    brand_dir: str = ".",
    digest: bool = True,
) -> PlanInputs:
    """Everything :func:`build_plan` needs, from a session and what was read. ``digest``:
    false leaves the plan's ``config_digest`` empty (hashing every desired object costs ~35 ms
    on W5k; only a saved or JSON plan carries it, text never shows it)."""
    brand = session.brand
    with gc_paused():  # thousands of entries kept for the run (see gc_paused)
        path, kinds = session.state_dir / "ledger.json", _kinds(brand, current)
        ledger = session.ledger() if kinds is None else Ledger.load(path, brand.secrets, kinds)
    known_addresses = ledger.known_addresses()
    if targets or excludes:  # every name (a key per current object) only when a glob needs it
        names = _address_names(session, current, known_addresses.values())
        check_globs(names, targets=targets, excludes=excludes)
    return PlanInputs(
        brand=brand.config.brand,
        brand_dir=brand_dir,
        config_digest=brand.digest if digest else "",
        desired=brand.desired,
        current=current,
        resources={k: type(r) for k, r in session.resources().items()},
        provider_of=session.provider_of(),
        prune=tuple(brand.config.manage.prune),
        protect=tuple(brand.config.manage.protect),
        fingerprints=ledger.fingerprints(),
        fingerprint=ledger.fingerprint_for,
        known_addresses=known_addresses,
        applied=ledger.applied(),
        keys=session.declared_keys(),
        targets=targets,
        excludes=excludes,
        refresh_secrets=refresh_secrets,
    )


def _kinds(brand: Brand, current: Mapping[str, list[Remote[Any]]]) -> set[str] | None:
    """The kinds whose ledger entries a partial plan (``--changed-since``) looks up: those it
    read or declares; ``None`` (every kind) for a full plan."""
    if not brand.partial:
        return None
    return {*current, *(d.kind for d in brand.desired.values())}


def _address_names(
    session: Session, current: Mapping[str, list[Remote[Any]]], known: Iterable[str]
) -> set[str]:
    """Every name a ``--target``/``--exclude`` glob may match: declared addresses, and
    ``kind[key]``/``kind.key`` of every current object (and the ledger's names for them)."""
    resources = session.resources()
    names = set(session.brand.desired) | set(known)
    for kind, remotes in current.items():
        resource = resources.get(kind)
        for remote in remotes if resource else ():
            key = resource.key(remote.spec) if resource else ""
            names.update((f"{kind}[{key}]", f"{kind}.{key}"))
    return names


def check_globs(
    names: Iterable[str], *, targets: Iterable[str] = (), excludes: Iterable[str] = ()
) -> None:
    """A :class:`PlanError` naming every ``--target``/``--exclude`` glob that matches no name
    (it would silently select nothing, hiding drift), with a did-you-mean where one is close."""
    pool = sorted(set(names))
    kinds = {n.split(".", 1)[0].split("[", 1)[0] + ".*" for n in pool}
    problems = []
    for flag, globs in (("--target", targets), ("--exclude", excludes)):
        for glob in globs:
            if not matches(pool, [glob]):
                message = f"{flag} '{glob}' matches no declared or existing address"
                hint = did_you_mean(glob, [*pool, *kinds])
                problems.append(Problem(Location(address=glob), message, hint))
    if problems:
        how = "Addresses look like KIND.NAME (see `omsform plan`); globs use * and ?."
        lines = [p.message + (f" ({p.hint})" if p.hint else "") for p in problems]
        raise PlanError(
            "\n  - ".join(["nothing to select:", *lines]) + f"\n{how}",
            problems,
            summary=f"nothing to select. {how}",
        )


def plan_from(
    inputs: PlanInputs, current: Mapping[str, list[Remote[Any]]], brand: Brand, *, force: bool
) -> Plan:
    """Build the plan and enforce the safety threshold unless ``force`` (the
    :class:`UnsafePlanError` carries the refused plan as ``plan``); a natural key that embeds a
    secret gets its fingerprint (:mod:`omsform.secrets.keyprint`)."""
    plan = build_plan(inputs)
    if any(c.key_secrets for c in plan.changes):
        salt = Ledger.load(brand.path / STATE_DIR / "ledger.json", brand.secrets).salt
        plan = fingerprint_keys(plan, salt)
    if not force:
        counts = {kind: len(objs) for kind, objs in current.items()}
        safety = brand.config.safety
        declared = {d.kind for d in brand.desired.values()}
        try:
            check_safety(
                plan, counts, safety.max_change_fraction, safety.min_existing, declared=declared
            )
        except UnsafePlanError as exc:
            exc.plan = plan  # the refused plan, for the CLI to show before the refusal
            raise
    return plan
