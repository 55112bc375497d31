"""``oms_setup_step``: a Basic Setup copy job (addresses, stock_locations, channels) that must
have run. The local name is the step; there are no fields.

Plan reads ``is_required`` for each declared step and plans a **run** (``»``) when it is true.
Run: ``POST execute/`` (204), then poll ``get_async_status/`` with backoff until FINISHED;
FAILED or ABORTED fail the change. A job already WORKING is waited for instead of started
twice. Paths: [D] addresses and stock_locations, [B] channels; the ``get_async_status`` body
[D]; the ``is_required`` body [P] (``{"is_required": …}``, ``{"result": …}`` or a bare bool are
all read). See ``api.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Literal

from omsform.errors import ProviderError
from omsform.http import ApiClient, WriteClient
from omsform.plan import Action
from omsform.resource import ReadContext, Resource, WriteContext
from omsform.spec import Remote, Spec
from omsform_akinon_oms import api

StepName = Literal["addresses", "stock_locations", "channels"]
POLL_FIRST_S = 0.2
POLL_MAX_S = 5.0
POLL_LIMIT_S = 900.0  # a copy of a large Omnitron can take minutes; give up after 15
SLEEP: Callable[[float], Awaitable[None]] = asyncio.sleep
"""How the poll waits, looked up at each wait: tests put a fake clock's ``sleep`` here."""
REQUIRED = api.STEP_IS_REQUIRED_FIELD  # kept in Remote.server as the OMS said it


class SetupStepSpec(Spec):
    """A declared step: only its name."""

    step: StepName


class OmsSetupStep(Resource[SetupStepSpec]):
    """Basic Setup copy jobs."""

    kind: ClassVar[str] = "oms_setup_step"
    spec_model: ClassVar[type[Spec]] = SetupStepSpec
    key_fields: ClassVar[tuple[str, ...]] = ("step",)
    name_field: ClassVar[str | None] = "step"
    can_create: ClassVar[bool] = False
    can_delete: ClassVar[bool] = False

    @classmethod
    def decide(cls, desired: Spec | None, current: Remote[Any] | None) -> Action | None:
        """Run when the OMS says the copy is required; nothing otherwise."""
        if desired is None or current is None:
            return None
        return Action.RUN if current.server.get(REQUIRED) else None

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[SetupStepSpec]]:
        """``is_required`` for every declared step, concurrently (one GET each)."""
        steps = sorted(ctx.declared_keys(self.kind))
        answers = await asyncio.gather(*(self._is_required(client, s) for s in steps))
        return [_remote(step, required) for step, required in zip(steps, answers, strict=True)]

    @staticmethod
    async def _is_required(client: ApiClient, step: str) -> bool:
        body = await client.get(api.SETUP_STEPS[step] + api.STEP_IS_REQUIRED)
        if isinstance(body, dict):
            body = body.get(api.STEP_IS_REQUIRED_FIELD, body.get(api.STEP_RESULT_FIELD))
        return bool(body)

    async def run(
        self, client: WriteClient, current: Remote[SetupStepSpec], ctx: WriteContext
    ) -> Remote[SetupStepSpec]:
        """Start the job (unless one is running) and wait until it finishes."""
        step = current.spec.step
        base = api.SETUP_STEPS[step]
        if await _status(client, base) != "WORKING":
            await client.post(base + api.STEP_EXECUTE)
        result = await _wait(client, base, step)
        if result == "READY" and await self._is_required(client, step):
            result = "READY with the copy still required"
        if result not in ("FINISHED", "READY"):
            raise ProviderError(
                f"setup step {step} ended {result}: see Akinon OMS > Settings > Basic Setup, "
                "fix the cause in Omnitron and apply again"
            )
        return _remote(step, False)


async def _wait(client: ApiClient, base: str, step: str) -> str:
    """Poll with backoff until the job leaves WORKING. READY ("no active task") ends the wait
    only once the job was seen working or a grace period passed: a real OMS may report READY
    again after a job finishes, or before a just-started job shows up."""
    delay, waited, seen_working = POLL_FIRST_S, 0.0, False
    while True:
        result = await _status(client, base)
        seen_working |= result == "WORKING"
        if result not in ("WORKING", "READY") or (
            result == "READY" and (seen_working or waited > 10)
        ):
            return result
        if waited > POLL_LIMIT_S:
            raise ProviderError(f"setup step {step} still {result} after {waited:.0f}s")
        await SLEEP(delay)
        waited += delay
        delay = min(delay * 2, POLL_MAX_S)


async def _status(client: ApiClient, base: str) -> str:
    body = await client.get(base + api.STEP_STATUS)
    return str(body.get(api.STEP_RESULT_FIELD) if isinstance(body, dict) else body)


def _remote(step: str, required: bool) -> Remote[SetupStepSpec]:
    spec = SetupStepSpec.model_construct(step=step)
    return Remote(
        id=step, spec=spec, fingerprint=f"is_required={required}", server={REQUIRED: required}
    )
