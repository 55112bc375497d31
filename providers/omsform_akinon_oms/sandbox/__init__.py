"""The Akinon OMS sandbox: an independent reading of the OMS API documentation.

It never imports the provider's client code (``omsform_akinon_oms.api`` or its resources), so
tests prove the client agrees with the documented API, not with itself. Each module below
serves one area and may seed it; documented ([D]) behaviour is matched exactly, proposed
([P]) shapes follow ``shared/reference`` and are marked in each module.
"""

from __future__ import annotations

from types import ModuleType

from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext
from omsform_akinon_oms.sandbox import (
    cargo,
    channels,
    denial_reasons,
    omnitron,
    scenarios,
    settings,
    setup_steps,
    stock_integration,
    stock_locations,
    transitions,
    webhooks,
)

AREAS: tuple[ModuleType, ...] = (
    omnitron,
    setup_steps,
    channels,
    stock_locations,
    settings,
    stock_integration,
    scenarios,
    transitions,
    webhooks,
    cargo,
    denial_reasons,
)


class AkinonOmsSandbox:
    """The sandbox plugin for provider ``akinon_oms``."""

    name = "akinon_oms"

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        """Every area's endpoints."""
        return [r for area in AREAS for r in area.routes(ctx)]

    def seed(self, ctx: SandboxContext, seed: str) -> None:
        """Seed every area that has seed data."""
        for area in AREAS:
            seeder = getattr(area, "seed", None)
            if seeder is not None:
                seeder(ctx, seed)


plugin = AkinonOmsSandbox()
