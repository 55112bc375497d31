"""Akinon OMS sandbox area: omnitron (not written yet)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """This area's endpoints."""
    return []
