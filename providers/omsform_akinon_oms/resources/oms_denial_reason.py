"""``oms_denial_reason``: a reason a store may give for denying a package, keyed by ``title``
(defaults to the local name).

[D] ``GET/POST packages/package_denial_reason/`` with ``{title, remote_id, priority,
is_active}`` (``title`` unique); [P] ``PATCH``/``DELETE …/{id}/``. The Spec's field names are
the wire names (``api.DENIAL_REASON_FIELDS``). The objects carry no timestamps, so their
version for stale-plan checks is a hash of their content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator

from omsform.contract.resource import ReadContext, Resource, WriteContext
from omsform.contract.spec import Remote, Spec, fingerprint_of
from omsform_akinon_oms import api

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient, WriteClient


class DenialReasonSpec(Spec):
    """A denial reason; defaults are the server's (``remote_id`` and ``priority`` null)."""

    title: str = Field(
        min_length=1,
        max_length=255,
        description="The reason shown to staff, unique; the natural key (text, 1-255).",
        examples=["Damaged product"],
    )
    remote_id: str | None = Field(
        default=None,
        max_length=100,
        description="The reason's code in the ERP (text, up to 100), or null.",
        examples=["DMG"],
    )
    priority: int | None = Field(
        default=None,
        ge=0,
        description="Sort order in the UI (integer ≥ 0, lower first), or null.",
        examples=[10],
    )
    is_active: bool = Field(
        default=True, description="Whether staff can pick this reason.", examples=[True]
    )

    @field_validator("remote_id", mode="before")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        # "" and null both mean "no ERP id" (the UI may store either); an ERP code written as
        # a YAML number (remote_id: 12) is the string the API stores
        if value == "":
            return None
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


FIELDS = api.DENIAL_REASON_FIELDS


class OmsDenialReason(Resource[DenialReasonSpec]):
    """Package denial reasons (full CRUD)."""

    kind: ClassVar[str] = "oms_denial_reason"
    spec_model: ClassVar[type[Spec]] = DenialReasonSpec
    key_fields: ClassVar[tuple[str, ...]] = ("title",)
    name_field: ClassVar[str | None] = "title"

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[DenialReasonSpec]]:
        """Every denial reason (the ``title`` filter is a substring match, so list them all)."""
        rows = await client.list_all(
            api.DENIAL_REASONS,
            page_size=api.PAGE_SIZE,
            page_size_param=api.DENIAL_REASONS_PAGE_SIZE_PARAM,
        )
        return [_remote(row) for row in rows]

    async def create(
        self, client: WriteClient, spec: DenialReasonSpec, ctx: WriteContext
    ) -> Remote[DenialReasonSpec]:
        """POST every field."""
        answer = await client.post(api.DENIAL_REASONS, _body(spec, FIELDS))
        return await self.created(client, spec, ctx, answer, _remote)

    async def update(
        self,
        client: WriteClient,
        current: Remote[DenialReasonSpec],
        spec: DenialReasonSpec,
        changed: frozenset[str],
        ctx: WriteContext,
    ) -> Remote[DenialReasonSpec]:
        """PATCH the changed fields."""
        path = api.detail(api.DENIAL_REASONS, current.id)
        return _remote(await client.patch(path, _body(spec, changed)))

    async def delete(
        self, client: WriteClient, current: Remote[DenialReasonSpec], ctx: WriteContext
    ) -> None:
        """DELETE the reason."""
        await client.delete(api.detail(api.DENIAL_REASONS, current.id))


def _body(spec: DenialReasonSpec, fields: tuple[str, ...] | frozenset[str]) -> dict[str, Any]:
    return spec.model_dump(mode="json", include=set(fields) & set(FIELDS))


def _remote(row: Mapping[str, Any]) -> Remote[DenialReasonSpec]:
    spec = DenialReasonSpec.model_validate({k: row[k] for k in FIELDS if k in row})
    return Remote(id=row[api.ID], spec=spec, fingerprint=fingerprint_of(row))
