"""Where a run reads and writes — the embedded sandbox or each provider's URL host — recorded in
a saved plan (:class:`~omsform.plan.model.PlanTarget`) and checked when it is applied, so a plan
made
against the sandbox never turns to production, and a live plan never runs on another system.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from omsform.contract.provider import Registry, registry
from omsform.errors import PlanError
from omsform.lang.load import Brand
from omsform.plan.model import Plan, PlanTarget

SANDBOX_DB = Path(".omsform") / "sandbox.sqlite"


def providers_for(kinds: Iterable[str], providers: Registry | None = None) -> list[str]:
    """The names of the providers serving ``kinds`` (those a run opens a client for), in the
    run's registry ``providers`` (the installed one when not given)."""
    return (providers or registry()).providers_for(kinds)


def plan_target(
    brand: Brand,
    kinds: Iterable[str],
    *,
    sandbox: str | None,
    providers: Registry | None = None,
) -> PlanTarget:
    """Where a plan of ``kinds`` is made: the embedded sandbox database ``sandbox`` (as the plan
    file names it), else each provider's URL host."""
    if sandbox is not None:
        return PlanTarget(sandbox=sandbox)
    names = providers_for(kinds, providers)
    return PlanTarget(hosts={name: _host(brand, name) for name in names})


def _host(brand: Brand, provider: str) -> str:
    """``scheme://host[:port]`` of a provider block's URL (credentials and path left out)."""
    url = str(getattr(brand.provider_config(provider), "url", ""))
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" if host else url


def refuse_other_target(
    plan: Plan, brand: Brand, plan_dir: Path, *, sandbox: bool, kinds: Iterable[str]
) -> None:
    """A :class:`PlanError` unless ``plan`` is applied where it was made (see
    :class:`~omsform.plan.model.PlanTarget`); a plan saved before targets were recorded passes."""
    target = plan.target
    if target is None:
        return
    if target.sandbox is not None:
        made_on = (plan_dir / target.sandbox).resolve()
        here = (brand.path / SANDBOX_DB).resolve()
        if not sandbox or made_on != here:
            raise PlanError(
                f"the saved plan was made against {target.describe()}, not "
                f"{'the embedded sandbox ' + str(here) if sandbox else 'the live systems'}: "
                "refusing. Apply it where it was made, or plan again"
            )
        return
    if sandbox:
        raise PlanError(
            f"the saved plan was made against the live systems ({target.describe()}), not the "
            "embedded sandbox: apply it without --sandbox, or make a sandbox plan with "
            "`omsform plan --sandbox -o FILE`"
        )
    now = plan_target(brand, kinds, sandbox=None)
    moved = [
        f"{name}: made against {target.hosts.get(name, '(not used)')}, now "
        f"{now.hosts.get(name, '(not used)')}"
        for name in sorted(set(target.hosts) | set(now.hosts))
        if target.hosts.get(name) != now.hosts.get(name)
    ]
    if moved:
        raise PlanError(
            "the saved plan was made against other systems than the brand now points at "
            "(refusing before any request):\n  - "
            + "\n  - ".join(moved)
            + "\nApply it where it was made, or plan again"
        )
