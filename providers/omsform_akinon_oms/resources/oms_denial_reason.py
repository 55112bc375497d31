"""``oms_denial_reason``: a reason a store may give for denying a package, keyed by ``title``
(defaults to the local name).

[D] ``GET/POST packages/package_denial_reason/`` with ``{title, remote_id, priority,
is_active}`` (``title`` unique); [P] ``PATCH``/``DELETE …/{id}/``. The Spec's field names are
the wire names (:func:`~omsform.contract.rest.wire_fields`). The objects carry no timestamps,
so their version for stale-plan checks is a hash of their content.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator

from omsform.contract.rest import Endpoint, RestResource
from omsform.contract.spec import Spec
from omsform_akinon_oms import api


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


class OmsDenialReason(RestResource[DenialReasonSpec]):
    """Package denial reasons (full CRUD; the ``title`` filter is a substring match, so the
    whole collection is listed)."""

    kind: ClassVar[str] = "oms_denial_reason"
    spec_model: ClassVar[type[Spec]] = DenialReasonSpec
    key_fields: ClassVar[tuple[str, ...]] = ("title",)
    name_field: ClassVar[str | None] = "title"
    endpoint: ClassVar[Endpoint] = Endpoint(
        collection=lambda: api.DENIAL_REASONS,
        page_size=lambda: (api.PAGE_SIZE, api.DENIAL_REASONS_PAGE_SIZE_PARAM),
        id_field=lambda: api.ID,
        detail=api.detail,
    )
