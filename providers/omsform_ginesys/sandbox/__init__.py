"""The Ginesys sandbox: Connected Apps > OMS at the proposed path (not written yet)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext


class GinesysSandbox:
    """The sandbox plugin for provider ``ginesys``."""

    name = "ginesys"

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        """The connected-app endpoints."""
        return []

    def seed(self, ctx: SandboxContext, seed: str) -> None:
        """Nothing to seed yet."""


plugin = GinesysSandbox()
