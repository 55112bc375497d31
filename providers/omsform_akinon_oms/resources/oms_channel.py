"""``oms_channel``: a sales channel. OMS only copies channels in from Omnitron (the ``channels``
setup step), so omsform never creates or deletes one; it manages ``is_active`` and
``configuration``.

Identity: a channel is declared by ``name`` (its key) or, where names are not unique, by
``omnitron_id`` (key ``omnitron_id=<id>``), never both. ``list`` reads which form the brand
uses from the declared keys and gives each live channel the matching form, so both compare
equal; the live name and id are kept in ``Remote.server``.

A declared channel missing from OMS is planned as a create "(expected from setup step
channels)" when ``oms_setup_step.channels`` is declared and planned to run; ``create`` then
lists the channels again (after the step, which this kind depends on), PATCHes the managed
fields that differ, or fails saying the channel must be created in Omnitron first. Without such
a run the plan fails with that advice.

``configuration`` is an open map (:mod:`omsform.plan.openmaps`): Omnitron, ERP syncs and people
write keys there too, and a PATCH replaces the whole object, so only the declared keys are
compared and every other live key is sent back unchanged (``exclusive: true`` on the channel
makes the declared map the whole map). ``create`` merges with the channel it finds, as the plan
had no live map to merge with.

API [D] ``GET channels/`` (list) and its fields; [P] ``PATCH channels/{id}/`` (``is_active``,
``configuration``); the setup step's paths are [B]. The Spec's field names are the wire names;
see ``api.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

from pydantic import Field, field_validator, model_validator

from omsform.contract.resource import ExpectedFrom, ReadContext, WriteContext
from omsform.contract.rest import Endpoint, RestResource
from omsform.contract.spec import Remote, Spec
from omsform.errors import ProviderError
from omsform.plan.openmaps import with_live
from omsform_akinon_oms import api
from omsform_akinon_oms.resources.oms_setup_step import KIND as SETUP_STEP
from omsform_akinon_oms.resources.oms_setup_step import read_before

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient, WriteClient

STEP_ADDRESS = f"oms_setup_step.{api.CHANNELS_STEP}"
MANAGED = (api.CHANNEL_IS_ACTIVE, api.CHANNEL_CONFIGURATION)


class ChannelSpec(Spec):
    """A channel's identity (``name`` or ``omnitron_id``) and managed fields; defaults are what
    the setup step gives a newly copied channel."""

    name: str | None = Field(
        default=None,
        description=(
            "The channel's name as copied from Omnitron (text); the natural key. Give it or "
            "`omnitron_id`, not both."
        ),
        examples=["acme-web"],
    )
    omnitron_id: int | None = Field(
        default=None,
        description="The channel's id in Omnitron (integer), when names are not unique.",
        examples=[1],
    )
    is_active: bool = Field(
        default=True, description="Whether OMS takes orders from the channel.", examples=[True]
    )
    configuration: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Channel configuration (an open map): only the keys declared here are compared and "
            "sent; other live keys are kept. A key set to null is removed."
        ),
        examples=[{"order_prefix": "WEB"}],
    )

    @field_validator("configuration", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="after")
    def _one_identity(self) -> ChannelSpec:
        if (self.name is None) == (self.omnitron_id is None):
            raise ValueError(
                "give the channel's `name`, or its `omnitron_id` when names are not unique "
                "(not both: the name comes from Omnitron)"
            )
        return self


def omnitron_key(omnitron_id: int) -> str:
    """The natural key of a channel declared by its Omnitron id."""
    return f"omnitron_id={omnitron_id}"


class OmsChannel(RestResource[ChannelSpec]):
    """Sales channels: read, and updated in place; never created or deleted."""

    kind: ClassVar[str] = "oms_channel"
    lists_after: ClassVar[tuple[str, ...]] = (SETUP_STEP,)  # see read_before
    spec_model: ClassVar[type[Spec]] = ChannelSpec
    key_fields: ClassVar[tuple[str, ...]] = ("name",)
    open_maps: ClassVar[tuple[str, ...]] = (api.CHANNEL_CONFIGURATION,)
    hook_kinds: ClassVar[tuple[str, ...] | None] = ("oms_setup_step",)  # the channels step
    endpoint: ClassVar[Endpoint] = Endpoint(
        collection=lambda: api.CHANNELS,
        page_size=lambda: (api.PAGE_SIZE, api.CHANNELS_PAGE_SIZE_PARAM),
        id_field=lambda: api.ID,
        detail=api.detail,
        create=None,
        delete=False,
    )

    @classmethod
    def key(cls, spec: ChannelSpec) -> str:
        """``name``, or ``omnitron_id=<id>`` for a channel declared by its Omnitron id."""
        if spec.omnitron_id is not None:
            return omnitron_key(spec.omnitron_id)
        return spec.name or ""

    @classmethod
    def comes_after(cls, spec: ChannelSpec) -> Iterable[str]:
        """The channels setup step only (when declared): it copies channels in."""
        return (STEP_ADDRESS,)

    @classmethod
    def expected_from(cls, desired: ChannelSpec) -> ExpectedFrom:
        """A missing channel is copied in by the channels setup step."""
        return ExpectedFrom(
            address=STEP_ADDRESS,
            label=f"setup step {api.CHANNELS_STEP}",
            todo=(
                "create the channel in Omnitron first; the channels setup step then copies it "
                f"into OMS (declare it: `oms_setup_step: {{{api.CHANNELS_STEP}: {{}}}}`)"
            ),
            todo_declared=(
                "it is in neither OMS nor Omnitron (the channels setup step has nothing left to "
                "copy): create the channel in Omnitron, then apply again so the channels step "
                "copies it in"
            ),
        )

    @classmethod
    def protected_remote(cls, current: Remote[ChannelSpec]) -> str:
        """Channels come from Omnitron and are never deleted."""
        return "it comes from Omnitron"

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[ChannelSpec]]:
        """Every channel, each in the key form the brand declares it by; listed after the
        channels step's reads (when declared), so a copy finishing mid-plan is seen."""
        await read_before(ctx, api.CHANNELS_STEP)
        return await super().list(client, ctx)

    def spec_data(self, row: Mapping[str, Any], ctx: ReadContext) -> dict[str, Any]:
        """The identity in the form the brand declares the channel by, and the managed fields."""
        omnitron_id = row.get(api.CHANNEL_OMNITRON_ID)
        by_id = omnitron_id is not None and omnitron_key(omnitron_id) in ctx.declared_keys(
            self.kind
        )
        return dict(
            name=None if by_id else (row.get(api.CHANNEL_NAME) or ""),
            omnitron_id=omnitron_id if by_id else None,
            is_active=row.get(api.CHANNEL_IS_ACTIVE, True),
            configuration=row.get(api.CHANNEL_CONFIGURATION),
        )

    def server_fields(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The live name, Omnitron id and type (whatever form the key takes)."""
        names = (api.CHANNEL_NAME, api.CHANNEL_OMNITRON_ID, api.CHANNEL_TYPE)
        return {name: row.get(name) for name in names}

    def body(self, spec: ChannelSpec, fields: Iterable[str]) -> dict[str, Any]:
        """Only the managed fields are ever sent (the identity comes from Omnitron)."""
        return super().body(spec, set(fields) & set(MANAGED))

    async def create(
        self, client: WriteClient, spec: ChannelSpec, ctx: WriteContext
    ) -> Remote[ChannelSpec]:
        """After the channels setup step ran: find the copied channel (one list) and PATCH the
        managed fields that differ; fail clearly when the step did not bring it."""
        key = self.key(spec)
        found = next((r for r in await self.list(client, ctx) if self.key(r.spec) == key), None)
        if found is None:
            raise ProviderError(
                f"channel '{key}' is still not in OMS after the channels setup step: create it "
                "in Omnitron (check the name or omnitron_id), then apply again"
            )
        exclusive = next(
            (d.exclusive for d in ctx.declared(self.kind) if self.key(d.spec) == key), frozenset()
        )
        spec = cast(ChannelSpec, with_live(type(self), spec, found.spec, exclusive))
        differ = frozenset(f for f in MANAGED if getattr(found.spec, f) != getattr(spec, f))
        if not differ:
            return found
        return await self.update(client, found, spec, differ, ctx)
