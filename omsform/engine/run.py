"""Orchestration for one run: load the brand, open clients, read, plan, apply.

Kept small on purpose: each step lives in its own module (load, read, diff, safety, apply,
ledger, journal); this module only wires them together for the CLI and for library users
(``omsform.load_brand``, :func:`plan_brand`, :func:`apply_brand`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import BaseModel

from omsform.apply.journal import Journal
from omsform.apply.ledger import Ledger
from omsform.apply.report import ApplyReport
from omsform.apply.run import ApplyEvent, apply_plan, resolve_uncertain
from omsform.apply.saved import stale_report
from omsform.apply.target import providers_for
from omsform.contract.apimap import overridden
from omsform.contract.provider import Provider, discover
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote
from omsform.engine.read import read_current
from omsform.errors import ApplyError, OmsformError, PlanError, StalePlanError, UnsafePlanError
from omsform.http.client import ClientOptions, WriteClient
from omsform.lang.load import Brand
from omsform.lang.suggest import did_you_mean
from omsform.plan.build import PlanInputs, build_plan
from omsform.plan.model import Action, Plan
from omsform.plan.order import matches
from omsform.plan.safety import check_safety, saved_plan_violations
from omsform.secrets import keyprint
from omsform.secrets.keyprint import fingerprint_keys

if TYPE_CHECKING:
    from omsform.sandbox.store import Store

STATE_DIR = ".omsform"


@dataclass
class Session:
    """Open clients for one brand run. Use as ``async with``; closes the clients."""

    brand: Brand
    providers: dict[str, Provider]
    clients: dict[str, WriteClient] = field(default_factory=dict)
    api_overrides: ExitStack = field(default_factory=ExitStack)  # restored on close

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            for client in self.clients.values():
                await client.aclose()
        finally:
            self.api_overrides.close()

    def resources(self) -> dict[str, Resource[Any]]:
        """One Resource instance per kind of every provider."""
        return {k: cls() for p in self.providers.values() for k, cls in p.kinds().items()}

    def provider_of(self) -> dict[str, str]:
        """Kind → provider name."""
        return {k: p.name for p in self.providers.values() for k in p.kinds()}

    @property
    def state_dir(self) -> Path:
        """The brand's ``.omsform`` directory."""
        return self.brand.path / STATE_DIR


async def open_session(
    brand: Brand,
    *,
    kinds: Iterable[str],
    options: ClientOptions,
    configs: Mapping[str, Any] | None = None,
) -> Session:
    """Open an authenticated client for each provider that serves one of ``kinds``.

    ``configs`` overrides provider blocks (the embedded sandbox); otherwise the brand's
    validated blocks are used.
    """
    providers = discover()
    session = Session(brand=brand, providers=dict(providers))
    try:
        for name in providers_for(kinds):
            provider = providers[name]
            block = provider_block(brand, provider, configs)
            if provider.api is not None:
                overrides = provider.api_overrides(block)
                session.api_overrides.enter_context(overridden(provider.api, overrides))
            session.clients[name] = await provider.open(block, options)
    except BaseException:
        await session.__aexit__(None, None, None)
        raise
    return session


def provider_block(
    brand: Brand, provider: Provider, configs: Mapping[str, Any] | None = None
) -> BaseModel:
    """The validated block of ``provider`` for a run: ``configs[name]`` when given (the embedded
    sandbox) with the brand's own ``api:`` map kept, else the brand's validated block."""
    if not configs or provider.name not in configs:
        return brand.provider_config(provider.name)
    written = brand.config.providers.get(provider.name) or {}
    block = dict(configs[provider.name])
    if isinstance(written.get("api"), dict) and "api" not in block:
        block["api"] = written["api"]
    return provider.config_model.model_validate(block)


def kinds_to_read(brand: Brand) -> list[str]:
    """Declared kinds, pruned kinds and kinds that declared objects point at."""
    index = {k: cls for p in discover().values() for k, cls in p.kinds().items()}
    kinds = {d.kind for d in brand.desired.values()} | set(brand.config.manage.prune)
    for d in brand.desired.values():
        kinds.update(kind for kind, _ in index[d.kind].references(d.spec))
    return sorted(k for k in kinds if k in index)


async def read(
    session: Session,
    kinds: Iterable[str],
    *,
    on_listed: Callable[[str, int], None] | None = None,
) -> dict[str, list[Remote[Any]]]:
    """Current objects of ``kinds`` (read-only clients); ``on_listed(kind, count)`` is told as
    each kind's listing finishes."""
    clients = {name: c.read_only() for name, c in session.clients.items()}
    resources = session.resources()
    declared: dict[str, set[str]] = {}
    desired: dict[str, list[Desired[Any]]] = {}
    for d in session.brand.desired.values():
        declared.setdefault(d.kind, set()).add(resources[d.kind].key(d.spec))
        desired.setdefault(d.kind, []).append(d)
    return await read_current(
        kinds,
        resources,
        clients,
        session.provider_of(),
        declared=declared,
        desired=desired,
        on_listed=on_listed,
    )


def plan_inputs(
    session: Session,
    current: Mapping[str, list[Remote[Any]]],
    *,
    targets: tuple[str, ...] = (),
    excludes: tuple[str, ...] = (),
    refresh_secrets: bool = False,
    brand_dir: str = ".",
) -> PlanInputs:
    """Everything :func:`build_plan` needs, from a session and what was read."""
    brand = session.brand
    ledger = Ledger.load(session.state_dir / "ledger.json", session.brand.secrets)
    names = _address_names(session, current, ledger.known_addresses().values())
    check_globs(names, targets=targets, excludes=excludes)
    return PlanInputs(
        brand=brand.config.brand,
        brand_dir=brand_dir,
        config_digest=brand.digest,
        desired=brand.desired,
        current=current,
        resources={k: type(r) for k, r in session.resources().items()},
        provider_of=session.provider_of(),
        prune=tuple(brand.config.manage.prune),
        protect=tuple(brand.config.manage.protect),
        fingerprints=ledger.fingerprints(),
        fingerprint=ledger.fingerprint_for,
        known_addresses=ledger.known_addresses(),
        applied=ledger.applied(),
        targets=targets,
        excludes=excludes,
        refresh_secrets=refresh_secrets,
    )


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
            if matches(pool, [glob]):
                continue
            hint = did_you_mean(glob, [*pool, *kinds])
            problems.append(
                f"{flag} '{glob}' matches no declared or existing address"
                + (f" ({hint})" if hint else "")
            )
    if problems:
        raise PlanError(
            "\n  - ".join(["nothing to select:", *problems])
            + "\nAddresses look like KIND.NAME (see `omsform plan`); globs use * and ?."
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
    manual = [c.address for c in plan.changes if c.action is Action.MANUAL]
    if manual:
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
    journal = Journal(session.state_dir / "journal.jsonl")
    ledger = Ledger.load(session.state_dir / "ledger.json", session.brand.secrets)
    return await apply_plan(
        plan,
        session.brand.desired,
        session.resources(),
        session.clients,
        current=current,
        journal=journal,
        ledger=ledger,
        parallelism=parallelism,
        on_event=on_event,
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
    ledger = Ledger.load(session.state_dir / "ledger.json", session.brand.secrets)
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


def sandbox_transport(brand_path: Path, seed: str = "demo") -> httpx.AsyncBaseTransport:
    """The embedded sandbox for ``brand_path`` (``.omsform/sandbox.sqlite``)."""
    from omsform.sandbox import build_app, transport

    db = brand_path / STATE_DIR / "sandbox.sqlite"
    return transport(build_app(open_sandbox_db(db), seed=seed))


def open_sandbox_db(db: Path) -> Store:
    """The sandbox store in ``db``, or an error naming the file when it is not a sandbox
    database (a truncated copy, another program's file)."""
    from omsform.sandbox.store import Store

    try:
        store = Store(db)
        store.meta_get("sandbox:seed")
    except sqlite3.DatabaseError as exc:
        raise OmsformError(
            f"{db}: not a usable sandbox database ({exc}); delete or move the file "
            "(a new sandbox is created and seeded on next use)"
        ) from None
    return store
