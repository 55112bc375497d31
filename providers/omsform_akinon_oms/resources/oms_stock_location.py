"""``oms_stock_location``: a store or warehouse, keyed by ``erp_code``.

Reads use the [P] CRUD list (``stocklocations/``) because the documented ``list-simple`` gives
the address only as an id, which cannot show address drift; writes use the [P] CRUD paths.
Stores copied from Omnitron (``omnitron_id`` set) are never deleted, whatever ``prune`` says.

The field names are [D] (``max_quota`` [I]) and the Spec's field names are the wire names
(``api.py`` says so with their tags; it keeps no copy): the kind is a plain
:class:`~omsform.contract.rest.RestResource` that sends a model dump. Writing the address as a
nested object is [P].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator

from omsform.contract.resource import ReadContext
from omsform.contract.rest import Endpoint, RestResource
from omsform.contract.spec import Remote, Spec
from omsform_akinon_oms import api
from omsform_akinon_oms.resources.oms_setup_step import read_before

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient


class Address(Spec):
    """A location's address; ``country``…``district`` are OMS address ids (from the
    ``addresses`` setup step). Defaults are the server's, so an omitted field is no drift."""

    line: str = Field(
        description="Street address (text).",
        examples=["Bahariye Cad. No:12"],
    )
    title: str = Field(
        default="",
        description="A label for the address (text).",
        examples=["Kadıköy store"],
    )
    postcode: str = Field(
        default="",
        description="Postal code (text).",
        examples=["34710"],
    )
    notes: str = Field(
        default="",
        description="Free text for couriers.",
        examples=["Back entrance"],
    )
    latitude: float | None = Field(
        default=None,
        description="Latitude in decimal degrees (WGS 84), or null.",
        examples=[40.99],
    )
    longitude: float | None = Field(
        default=None,
        description="Longitude in decimal degrees (WGS 84), or null.",
        examples=[29.03],
    )
    country: int | None = Field(
        default=None,
        description="OMS country id (copied by the addresses setup step), or null.",
        examples=[1],
    )
    city: int | None = Field(
        default=None,
        description="OMS city id (from the addresses setup step), or null.",
        examples=[34],
    )
    township: int | None = Field(
        default=None,
        description="OMS township id (from the addresses setup step), or null.",
        examples=[341],
    )
    district: int | None = Field(
        default=None,
        description="OMS district id (from the addresses setup step), or null.",
        examples=[3411],
    )


class StockLocationSpec(Spec):
    """The managed fields of a stock location; defaults are the server's."""

    erp_code: str = Field(
        description="The location's code in the ERP, unique; the natural key (text, immutable).",
        examples=["IST-WH"],
    )
    name: str = Field(
        description="Display name (text).",
        examples=["Istanbul Warehouse"],
    )
    stock_location_type: Literal["store", "warehouse"] = Field(
        description="store or warehouse.",
        examples=["warehouse"],
    )
    is_active: bool = Field(
        default=True,
        description="Whether OMS may allocate packages here.",
        examples=[True],
    )
    priority: int = Field(
        default=0,
        description="Allocation priority (integer; scenarios may sort by it).",
        examples=[10],
    )
    max_quota: int | None = Field(
        default=None,
        description="Most packages a day this location takes (integer), or null for no limit.",
        examples=[500],
    )
    address: Address | None = Field(
        default=None,
        description="The location's address (a nested object), or null.",
        examples=[{"line": "Bahariye Cad. No:12", "city": 34}],
    )
    email: str = Field(
        default="",
        description="Contact e-mail address (text).",
        examples=["ist-wh@acme.example"],
    )
    daytime_phone: str = Field(
        default="",
        description="Daytime phone number (text).",
        examples=["+90 216 000 00 01"],
    )
    evening_phone: str = Field(
        default="",
        description="Evening phone number (text).",
        examples=["+90 216 000 00 02"],
    )
    fax_number: str = Field(
        default="",
        description="Fax number (text).",
        examples=["+90 216 000 00 03"],
    )
    tags: frozenset[str] = Field(
        default=frozenset(),
        description="Tag names (a set: order does not matter).",
        examples=[["warehouse", "istanbul"]],
    )
    is_fulfillment_center: bool = Field(
        default=False,
        description="Packages are prepared here.",
        examples=[True],
    )
    is_pickup_location: bool = Field(
        default=False,
        description="Customers may collect orders here (click & collect).",
        examples=[False],
    )
    is_delivery_location: bool = Field(
        default=False,
        description="Orders may be delivered to this location.",
        examples=[False],
    )
    is_fast_delivery_available: bool = Field(
        default=False,
        description="Offers fast (same-day) delivery.",
        examples=[False],
    )
    is_return_available: bool = Field(
        default=False,
        description="Accepts returns.",
        examples=[False],
    )

    @field_validator("email", "daytime_phone", "evening_phone", "fax_number", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        # the API stores "" where nothing was set and refuses null; YAML may write null
        return "" if value is None else value


STEP = "oms_setup_step"
TAGS, OMNITRON_ID = api.STOCK_LOCATION_TAGS, api.STOCK_LOCATION_OMNITRON_ID


class OmsStockLocation(RestResource[StockLocationSpec]):
    """Stores and warehouses."""

    kind: ClassVar[str] = "oms_stock_location"
    lists_after: ClassVar[tuple[str, ...]] = (STEP,)  # read_before: after the step reads
    spec_model: ClassVar[type[Spec]] = StockLocationSpec
    key_fields: ClassVar[tuple[str, ...]] = ("erp_code",)
    hook_kinds: ClassVar[tuple[str, ...] | None] = (STEP,)  # comes_after: setup steps
    immutable: ClassVar[frozenset[str]] = frozenset({"erp_code"})
    endpoint: ClassVar[Endpoint] = Endpoint(
        collection=lambda: api.STOCK_LOCATIONS,
        page_size=lambda: (api.PAGE_SIZE, api.STOCK_LOCATIONS_PAGE_SIZE_PARAM),
        id_field=lambda: api.ID,
        detail=api.detail,
    )

    @classmethod
    def comes_after(cls, spec: StockLocationSpec) -> Iterable[str]:
        """The stock_locations setup step (it copies Omnitron's stores in, which a declared
        store must not race), and the addresses step when the address names address ids."""
        yield f"{STEP}.{api.STOCK_LOCATIONS_STEP}"
        if spec.address is not None and any(
            getattr(spec.address, f) is not None for f in api.ADDRESS_IDS
        ):
            yield f"{STEP}.{api.ADDRESSES_STEP}"

    @classmethod
    def protected_remote(cls, current: Remote[StockLocationSpec]) -> str:
        """Stores from Omnitron are never deleted."""
        return "it comes from Omnitron" if current.server.get(OMNITRON_ID) else ""

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[StockLocationSpec]]:
        """Every stock location, listed after the stock_locations step's reads (when
        declared), so a copy finishing mid-plan is seen."""
        await read_before(ctx, api.STOCK_LOCATIONS_STEP)
        return await super().list(client, ctx)

    def body(self, spec: StockLocationSpec, fields: Iterable[str]) -> dict[str, Any]:
        """The fields' model dump, tags as a sorted list (a set has no order)."""
        data = super().body(spec, fields)
        if TAGS in data:
            data[TAGS] = sorted(data[TAGS])
        return data

    def server_fields(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The Omnitron id of a store copied from Omnitron (it is never deleted)."""
        return {OMNITRON_ID: row.get(OMNITRON_ID)}
