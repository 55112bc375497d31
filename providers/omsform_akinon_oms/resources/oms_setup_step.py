"""``oms_setup_step``: a Basic Setup copy job (addresses, stock_locations, channels) that must
have run. The local name is the step; there are no fields.

Plan reads ``is_required`` and ``get_async_status`` for each declared step and plans a **run**
(``»``) when the copy is required or a job is still WORKING (a job started by a killed apply,
or by a person, is pending work: the run waits for it). Kinds that read what a step copies
(channels, stores) list only after these reads (:func:`read_before`), so a job finishing
mid-plan is seen either as pending here or as its copies there, never as neither.

Run: ``POST execute/`` (204), then poll ``get_async_status/`` with backoff until FINISHED;
FAILED or ABORTED fail the change. A job already WORKING is waited for instead of started
twice. The steps run in the guide's order, addresses → stock_locations → channels, each
to FINISHED before the next starts: each step :meth:`~OmsSetupStep.comes_after` the declared
steps before it, so apply's levels order them. The polling pause is :data:`SLEEP` (tests
replace it). Paths: [D] addresses and stock_locations, [B] channels; the ``get_async_status`` body
[D]; the ``is_required`` body [P]: ``{"is_required": bool}``, ``{"result": bool}`` or a bare JSON
bool are read, anything else fails the plan naming the body (never "not required" by default:
an unread answer must not skip a copy). See ``api.py``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from omsform.contract.resource import ReadContext, Resource, WriteContext
from omsform.contract.rest import read_spec
from omsform.contract.spec import Remote, Spec
from omsform.errors import ProviderError
from omsform_akinon_oms import api

if TYPE_CHECKING:  # httpx and the plan model are imported when planning, not to validate
    from omsform.http.client import ApiClient, WriteClient
    from omsform.plan.model import Action

StepName = Literal["addresses", "stock_locations", "channels"]
KIND = "oms_setup_step"
GUIDE_ORDER: tuple[str, ...] = (
    api.ADDRESSES_STEP,
    api.STOCK_LOCATIONS_STEP,
    api.CHANNELS_STEP,
)
"""The Basic Setup guide's order: stores need the addresses copied first (else their address
ids stay null), channels come last."""
POLL_FIRST_S = 0.2
POLL_MAX_S = 5.0
POLL_LIMIT_S = 900.0  # a copy of a large Omnitron can take minutes; give up after 15
RECOPY_AFTER = {api.STOCK_LOCATIONS_STEP: api.ADDRESSES_STEP}
"""A declared step that must run again when this other step runs: stores map their address
ids onto the copied addresses, so stores copied before new addresses keep null ids."""
REQUIRED = api.STEP_IS_REQUIRED_FIELD  # kept in Remote.server: required, or a job WORKING
JOB = api.STEP_RESULT_FIELD  # kept in Remote.server: the job's status at plan time
WORKING = "WORKING"
SHOWN_BODY_MAX = 200  # characters of an unreadable is_required body shown in the error


async def _pause(seconds: float) -> None:
    import asyncio  # here, not at import: validating a brand needs no event loop

    await asyncio.sleep(seconds)


SLEEP: Callable[[float], Awaitable[None]] = _pause
"""How the run pauses between status polls (looked up at each pause, so tests can swap it)."""


class SetupStepSpec(Spec):
    """A declared step: only its name."""

    step: StepName = Field(
        description=(
            "The copy job: addresses, stock_locations or channels (filled from the local name; "
            "the YAML declares no fields)."
        ),
        examples=["channels"],
    )


class OmsSetupStep(Resource[SetupStepSpec]):
    """Basic Setup copy jobs."""

    kind: ClassVar[str] = "oms_setup_step"
    spec_model: ClassVar[type[Spec]] = SetupStepSpec
    key_fields: ClassVar[tuple[str, ...]] = ("step",)
    hook_kinds: ClassVar[tuple[str, ...] | None] = (KIND,)  # comes_after: earlier steps
    name_field: ClassVar[str | None] = "step"
    can_create: ClassVar[bool] = False
    can_delete: ClassVar[bool] = False

    @classmethod
    def comes_after(cls, spec: SetupStepSpec) -> Iterable[str]:
        """Every step before this one in the guide's order (ordering edges when declared)."""
        earlier = GUIDE_ORDER[: GUIDE_ORDER.index(spec.step)]
        return tuple(f"{KIND}.{step}" for step in earlier)

    @classmethod
    def decide(
        cls, desired: SetupStepSpec | None, current: Remote[SetupStepSpec] | None
    ) -> Action | None:
        """Run when the OMS says the copy is required; nothing otherwise."""
        if desired is None or current is None:
            return None
        from omsform.plan.model import Action

        return Action.RUN if current.server.get(REQUIRED) else None

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[SetupStepSpec]]:
        """``is_required`` and the job status of every declared step, concurrently (two GETs
        each); a WORKING job counts as required, and so does a step to re-copy after another
        (:data:`RECOPY_AFTER`) that runs."""
        from omsform.http.client import gather_all

        steps = sorted(ctx.declared_keys(self.kind))
        states = await gather_all(self._state(client, s) for s in steps)
        answers = dict(zip(steps, states, strict=True))
        for step, source in RECOPY_AFTER.items():
            if step in answers and answers.get(source, (False, ""))[0]:
                answers[step] = (True, answers[step][1])
        return [_remote(s, *answers[s]) for s in steps]

    async def _state(self, client: ApiClient, step: str) -> tuple[bool, str]:
        import asyncio

        base = api.SETUP_STEPS[step]
        required, job = await asyncio.gather(self._is_required(client, step), _status(client, base))
        return required or job == WORKING, job

    @staticmethod
    async def _is_required(client: ApiClient, step: str) -> bool:
        path = api.SETUP_STEPS[step] + api.STEP_IS_REQUIRED
        return is_required_answer(await client.get(path), step, path)

    async def run(
        self, client: WriteClient, current: Remote[SetupStepSpec], ctx: WriteContext
    ) -> Remote[SetupStepSpec]:
        """Start the job (unless one is running) and wait until it finishes."""
        step = current.spec.step
        base = api.SETUP_STEPS[step]
        if await _status(client, base) != WORKING:
            await client.post(base + api.STEP_EXECUTE)
        result = await _wait(client, base, step)
        if result == "READY" and await self._is_required(client, step):
            result = "READY with the copy still required"
        if result not in ("FINISHED", "READY"):
            raise ProviderError(
                f"setup step {step} ended {result}: see Akinon OMS > Settings > Basic Setup, "
                "fix the cause in Omnitron and apply again"
            )
        return _remote(step, False, result)


async def _wait(client: ApiClient, base: str, step: str) -> str:
    """Poll with backoff until the job leaves WORKING. READY ("no active task") ends the wait
    only once the job was seen working or a grace period passed: a real OMS may report READY
    again after a job finishes, or before a just-started job shows up."""
    delay, waited, seen_working = POLL_FIRST_S, 0.0, False
    while True:
        result = await _status(client, base)
        seen_working |= result == WORKING
        if result not in (WORKING, "READY") or (
            result == "READY" and (seen_working or waited > 10)
        ):
            return result
        if waited > POLL_LIMIT_S:
            raise ProviderError(f"setup step {step} still {result} after {waited:.0f}s")
        await SLEEP(delay)
        waited += delay
        delay = min(delay * 2, POLL_MAX_S)


def is_required_answer(body: Any, step: str, path: str) -> bool:
    """The boolean in an ``is_required`` answer: ``{"result": bool}``, ``{"is_required": bool}``
    or a bare JSON bool. Anything else (``"false"``, ``0``, ``null``, an object without either
    key, both keys disagreeing) is a :class:`ProviderError` naming the body: guessing would
    either skip a copy that is needed or run one that is not."""
    if isinstance(body, bool):
        return body
    if isinstance(body, dict):
        found = [body[k] for k in (api.STEP_RESULT_FIELD, api.STEP_IS_REQUIRED_FIELD) if k in body]
        if found and all(isinstance(v, bool) for v in found) and len(set(found)) == 1:
            return bool(found[0])
    shown = json.dumps(body, ensure_ascii=False, default=str)
    if len(shown) > SHOWN_BODY_MAX:
        shown = shown[:SHOWN_BODY_MAX] + "…"
    raise ProviderError(
        f"setup step {step}: GET {path} answered {shown}, which is none of the shapes omsform "
        f'reads ({{"{api.STEP_RESULT_FIELD}": true|false}}, '
        f'{{"{api.STEP_IS_REQUIRED_FIELD}": true|false}} or a bare true|false); '
        "nothing was run. Report the body; if your OMS uses another field name, set "
        "STEP_IS_REQUIRED_FIELD in the provider block's api: map"
    )


async def _status(client: ApiClient, base: str) -> str:
    body = await client.get(base + api.STEP_STATUS)
    return str(body.get(api.STEP_RESULT_FIELD) if isinstance(body, dict) else body)


def _remote(step: str, required: bool, job: str) -> Remote[SetupStepSpec]:
    spec = read_spec(SetupStepSpec, dict(step=step), kind=KIND, ident=step)
    server = {REQUIRED: required, JOB: job}
    return Remote(id=step, spec=spec, fingerprint=f"is_required={required}", server=server)


async def read_before(ctx: ReadContext, step: str) -> None:
    """Wait for the declared ``step``'s plan-time reads before listing what it copies in.

    Listing both at once lets a job that finishes between the two reads look like neither
    pending work nor copied objects (the plan then fails with the wrong advice). Read in this
    order, a job finishing before the step reads shows its copies in the later listing, and
    one finishing after them was seen WORKING or required.
    """
    if step in ctx.declared_keys(KIND):
        await ctx.current(KIND)
