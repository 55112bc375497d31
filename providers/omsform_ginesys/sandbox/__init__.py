"""The Ginesys sandbox: Connected Apps > OMS at the proposed path (see :mod:`.apps`).

Ginesys publishes no API for this screen, so every endpoint here is a proposal [P] following
``shared/reference/oms-settings-cargo-ginesys.md`` Part 2 §2d. Like every sandbox plugin it
never imports the provider's client code.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext
from omsform.sandbox.crud import Doc, insert_generated
from omsform_ginesys.sandbox import apps


class GinesysSandbox:
    """The sandbox plugin for provider ``ginesys``."""

    name = "ginesys"

    def routes(self, ctx: SandboxContext) -> list[BaseRoute]:
        """The connected-app endpoints and the test-outcome knob."""
        return apps.routes(ctx)

    def seed(self, ctx: SandboxContext, seed: str) -> None:
        """``demo`` and ``empty`` have no apps; ``large:N`` adds N // 8 draft apps (OUs from
        10001)."""
        insert_generated(ctx, seed, apps.COLLECTION, _large_app)


def _large_app(i: int) -> Doc:
    hook = {"url": f"https://oms.example.com/hooks/{i}", "secret": "s"}
    return {
        "app_name": f"Large app {i:05d}",
        "organization_unit_id": 10001 + i,
        "webhook": {**hook, "encryption_key": None},
        "ginesys_api": {"url": "https://erp.example.com/api", "api_key": "k"},
        "status": "draft",
        "last_tests": {"webhook": None, "ginesys_api": None},
    }


plugin = GinesysSandbox()
