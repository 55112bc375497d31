"""``oms_transition``: one package command (a state transition), keyed by ``slug``.

[P] CRUD ``transitions/`` (the docs show only the UI); states are written by word
(``waiting``, ``waiting_cargo_label``) and sent as ids: both state fields are
:class:`~omsform.contract.refs.Ref` fields of :data:`.package_states.PACKAGE_STATES`, so the
generic codec maps them both ways. Only transitions between ``PackageStatus`` states belong to
this kind; transfer transitions are left alone. ``config.remote_invoice_call.auth``
credentials are write-only. ``config`` is not an open map (:mod:`omsform.plan.openmaps`): it is
the command's own parameters, and the masked credentials in it could not be sent back, so it is
compared and sent whole.

Documented [D]: the UI fields (command name, slug, source and destination state, command code,
visibility), the command classes, the state objects and the ``remote_invoice_call`` config.
Proposed [P]: the paths and the body's field names (as ``api.py`` says, they are the
Spec's field names: the kind is a :class:`~omsform.contract.rest.RestResource` that sends a
model dump with the states turned into ids).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from omsform.contract import refs
from omsform.contract.resource import ReadContext
from omsform.contract.rest import Endpoint, RestResource
from omsform.contract.spec import Desired, Remote, Spec, reading
from omsform.errors import Problem
from omsform_akinon_oms import api
from omsform_akinon_oms.documented import undocumented
from omsform_akinon_oms.resources.package_states import PACKAGE_STATES, StateWord, state_word
from omsform_akinon_oms.resources.transition_flow import flow_warnings

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient


__all__ = ["OmsTransition", "TransitionSpec", "state_word"]

COMMAND_CLASS_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.]*$"
"""A command class: a Python class name (or dotted path). Names outside the documented list
(``api.TRANSITION_COMMAND_CLASSES``) are warnings, not errors: the docs do not name every class
(:mod:`omsform_akinon_oms.documented`)."""

AUTH_SECRETS = api.INVOICE_AUTH_SECRETS
STATE_FIELDS = (api.TRANSITION_SOURCE_STATE, api.TRANSITION_TARGET_STATE)


class _InvoiceAuth(BaseModel):
    """``remote_invoice_call.auth`` [D]: how OMS authenticates to the invoice service."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request_type: Literal["anonymous", "basic_auth", "token"]
    username: str | None = None
    password: str | None = None
    token: str | None = None
    token_prefix: str | None = None

    @model_validator(mode="after")
    def _credentials_match_type(self) -> _InvoiceAuth:
        needed = {
            "basic_auth": (api.INVOICE_AUTH_USERNAME, api.INVOICE_AUTH_PASSWORD),
            "token": (api.INVOICE_AUTH_TOKEN,),
        }
        missing = [f for f in needed.get(self.request_type, ()) if not getattr(self, f)]
        if missing:
            raise ValueError(f"request_type {self.request_type} needs {' and '.join(missing)}")
        return self


class _InvoiceCall(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    auth: _InvoiceAuth | None = None


class _Config(BaseModel):
    """Command parameters [D]; only ``remote_invoice_call.auth`` is checked closely."""

    model_config = ConfigDict(extra="allow", frozen=True)
    remote_invoice_call: _InvoiceCall | None = None


class TransitionSpec(Spec):
    """A package command: from one state to another, run by a command class."""

    slug: str = Field(
        pattern=r"^[-a-zA-Z0-9_]+$",
        max_length=255,
        description="The command's unique code; the natural key (letters, digits, - and _).",
        examples=["start-preparing"],
    )
    name: str = Field(
        min_length=1,
        max_length=255,
        description="The command's name shown to staff (text, 1-255).",
        examples=["Start preparing"],
    )
    source_state: StateWord = Field(
        description=(
            "The package state the command starts from: a state word (the state's name in "
            "lower case with _, e.g. waiting, preparing, packed, shipped)."
        ),
        examples=["waiting"],
    )
    target_state: StateWord = Field(
        description="The package state the command leads to (a state word).",
        examples=["preparing"],
    )
    command_class: str = Field(
        pattern=COMMAND_CLASS_PATTERN,
        max_length=255,
        description=(
            "The OMS command that runs the transition (a class name; the documented ones are "
            "listed in the examples, others get a did-you-mean warning)."
        ),
        examples=list(api.TRANSITION_COMMAND_CLASSES),
    )
    is_visible: bool = Field(
        default=True, description="Whether staff see the command in the UI.", examples=[True]
    )
    config: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Command parameters (a map, sent whole). remote_invoice_call.auth takes "
            "request_type (anonymous, basic_auth, token) and username/password/token "
            "(write-only)."
        ),
        examples=[{"remote_invoice_call": {"url": "https://invoice.acme.example.com/"}}],
    )

    @field_validator("config", mode="before")
    @classmethod
    def _config(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return {}
        if not reading(info):  # a live config has its credentials masked (write-only)
            _Config.model_validate(value)
        return value


class OmsTransition(RestResource[TransitionSpec]):
    """Package commands (state transitions)."""

    kind: ClassVar[str] = "oms_transition"
    spec_model: ClassVar[type[Spec]] = TransitionSpec
    key_fields: ClassVar[tuple[str, ...]] = ("slug",)
    name_field: ClassVar[str | None] = "slug"
    write_only: ClassVar[tuple[str, ...]] = tuple(
        f"{api.TRANSITION_CONFIG}.{api.INVOICE_CALL}.{api.INVOICE_AUTH}.{k}" for k in AUTH_SECRETS
    )
    endpoint: ClassVar[Endpoint] = Endpoint(
        collection=lambda: api.TRANSITIONS,
        page_size=lambda: (api.PAGE_SIZE, api.TRANSITIONS_PAGE_SIZE_PARAM),
        id_field=lambda: api.ID,
        detail=api.detail,
    )

    @classmethod
    def check(cls, desired: Mapping[str, Desired[TransitionSpec]]) -> list[Problem]:
        """Warn about undocumented states and command classes, states unreachable from
        ``waiting`` and two transitions leaving one state with the same command class."""
        classes = undocumented(
            desired, api.TRANSITION_COMMAND_CLASS, api.TRANSITION_COMMAND_CLASSES, "command class"
        )
        return flow_warnings(sorted(desired.items()), STATE_FIELDS, classes)

    @classmethod
    def flow_edges(
        cls, desired: Mapping[str, Desired[TransitionSpec]]
    ) -> list[tuple[str, str, str]]:
        """``(source_state, target_state, slug)`` of every declared transition."""
        return sorted(
            (d.spec.source_state, d.spec.target_state, d.spec.slug) for d in desired.values()
        )

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[TransitionSpec]]:
        """Every transition between package states (states as words), after checking the
        declared states against the states this OMS has."""
        import asyncio  # here, not at import: validating a brand needs no event loop

        await refs.check_declared(ctx.declared(self.kind), client, ctx)
        rows, states = await asyncio.gather(
            self.rows(client), refs.table(PACKAGE_STATES, client, ctx)
        )
        ids = set(states.values())
        return await self.remotes(
            [r for r in rows if r[api.TRANSITION_SOURCE_STATE] in ids], client, ctx
        )

    def spec_data(self, row: Mapping[str, Any], ctx: ReadContext) -> dict[str, Any]:
        """The row's fields, the masked invoice credentials as ``None`` (write-only)."""
        config = _without_auth_secrets(row.get(api.TRANSITION_CONFIG) or {})
        return {**super().spec_data(row, ctx), api.TRANSITION_CONFIG: config}


def _without_auth_secrets(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with the masked invoice-call credentials as ``None`` (write-only)."""
    call = config.get(api.INVOICE_CALL)
    if not isinstance(call, Mapping) or not isinstance(call.get(api.INVOICE_AUTH), Mapping):
        return dict(config)
    auth = {k: (None if k in AUTH_SECRETS else v) for k, v in call[api.INVOICE_AUTH].items()}
    return {**config, api.INVOICE_CALL: {**call, api.INVOICE_AUTH: auth}}
