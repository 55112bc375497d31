"""A small Python API for embedding omsform: ``load_brand``, ``plan_brand``, ``apply_brand``.

(``omsform.plan.model`` and ``omsform.apply.run`` are the modules that define plans and apply them,
so
the functions carry the ``_brand`` suffix.)

::

    import omsform
    brand = omsform.load_brand("brands/acme")
    plan = omsform.plan_brand(brand)            # a Plan value (render it, save it, inspect it)
    report = omsform.apply_brand(brand, plan)   # applies exactly that plan; an ApplyReport

Both read the live systems; ``sandbox=True`` uses the brand's embedded sandbox instead.
Errors are the exceptions of :mod:`omsform.errors`; nothing is printed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from omsform.apply.lock import BrandLock
from omsform.apply.report import ApplyReport
from omsform.contract.provider import registry
from omsform.contract.spec import Remote
from omsform.engine import loop
from omsform.engine import run as engine
from omsform.http.client import ClientOptions
from omsform.lang.load import Brand
from omsform.plan.model import Plan


@asynccontextmanager
async def _session(
    brand: Brand, sandbox: bool
) -> AsyncIterator[tuple[engine.Session, dict[str, list[Remote[Any]]]]]:
    kinds = engine.kinds_to_read(brand)
    configs = None
    options = ClientOptions(secrets=brand.secrets)
    if sandbox:
        from omsform.sandbox import DEFAULT_TOKEN

        configs = registry().sandbox_configs("http://sandbox", DEFAULT_TOKEN)
        options = ClientOptions(
            transport=engine.sandbox_transport(brand.path), secrets=brand.secrets
        )
    session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
    async with session:
        yield session, await engine.read(session, kinds)


def plan_brand(
    brand: Brand,
    *,
    sandbox: bool = False,
    targets: tuple[str, ...] = (),
    excludes: tuple[str, ...] = (),
    force: bool = False,
) -> Plan:
    """What apply would change, as a Plan (the safety threshold applies unless ``force``)."""

    async def run() -> Plan:
        async with _session(brand, sandbox) as (session, current):
            inputs = engine.plan_inputs(session, current, targets=targets, excludes=excludes)
            return engine.plan_from(inputs, current, brand, force=force)

    return loop.run(run())


def apply_brand(
    brand: Brand, plan: Plan, *, sandbox: bool = False, parallelism: int | None = None
) -> ApplyReport:
    """Apply exactly ``plan`` after checking that nothing it touches moved since it was made
    (``StalePlanError`` otherwise) and that the brand's ``manage`` rules allow every change
    (``UnsafePlanError``), both before any write; under the brand lock (``LockHeldError``
    when another run holds it)."""

    async def run() -> ApplyReport:
        async with _session(brand, sandbox) as (session, current):
            real = engine.restore_keys(session, plan)  # a plan read from a file masks some keys
            engine.refuse_if_stale(real, current)
            engine.refuse_unsafe_saved(real, session, current)
            return await engine.apply_brand(session, real, current, parallelism=parallelism)

    with BrandLock(brand.path / engine.STATE_DIR, "omsform.apply_brand (embedded)"):
        return loop.run(run())
