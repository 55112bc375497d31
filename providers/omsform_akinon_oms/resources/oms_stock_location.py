"""``oms_stock_location``: a store or warehouse, keyed by ``erp_code``.

Reads use the [P] CRUD list (``stocklocations/``) because the documented ``list-simple`` gives
the address only as an id, which cannot show address drift; writes use the [P] CRUD paths.
Stores copied from Omnitron (``omnitron_id`` set) are never deleted, whatever ``prune`` says.

The field names are [D] (``max_quota`` [I]) and the Spec's field names are the wire names
(``api.STOCK_LOCATION_FIELDS``, ``api.ADDRESS_FIELDS``): the kind sends a model dump. Writing
the address as a nested object is [P].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal

from pydantic import field_validator

from omsform.http import ApiClient, WriteClient
from omsform.resource import ReadContext, Resource, WriteContext
from omsform.spec import Remote, Spec, fingerprint_of
from omsform_akinon_oms import api
from omsform_akinon_oms.resources.oms_setup_step import read_before


class Address(Spec):
    """A location's address; ``country``…``district`` are OMS address ids (from the
    ``addresses`` setup step). Defaults are the server's, so an omitted field is no drift."""

    line: str
    title: str = ""
    postcode: str = ""
    notes: str = ""
    latitude: float | None = None
    longitude: float | None = None
    country: int | None = None
    city: int | None = None
    township: int | None = None
    district: int | None = None


class StockLocationSpec(Spec):
    """The managed fields of a stock location; defaults are the server's."""

    erp_code: str
    name: str
    stock_location_type: Literal["store", "warehouse"]
    is_active: bool = True
    priority: int = 0
    max_quota: int | None = None
    address: Address | None = None
    email: str = ""
    daytime_phone: str = ""
    evening_phone: str = ""
    fax_number: str = ""
    tags: frozenset[str] = frozenset()
    is_fulfillment_center: bool = False
    is_pickup_location: bool = False
    is_delivery_location: bool = False
    is_fast_delivery_available: bool = False
    is_return_available: bool = False

    @field_validator("email", "daytime_phone", "evening_phone", "fax_number", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        # the API stores "" where nothing was set and refuses null; YAML may write null
        return "" if value is None else value


FIELDS = api.STOCK_LOCATION_FIELDS
STEP = "oms_setup_step"
TAGS, OMNITRON_ID = api.STOCK_LOCATION_TAGS, api.STOCK_LOCATION_OMNITRON_ID


class OmsStockLocation(Resource[StockLocationSpec]):
    """Stores and warehouses."""

    kind: ClassVar[str] = "oms_stock_location"
    spec_model: ClassVar[type[Spec]] = StockLocationSpec
    key_fields: ClassVar[tuple[str, ...]] = ("erp_code",)
    immutable: ClassVar[frozenset[str]] = frozenset({"erp_code"})

    @classmethod
    def comes_after(cls, spec: Spec) -> Iterable[str]:
        """The stock_locations setup step (it copies Omnitron's stores in, which a declared
        store must not race), and the addresses step when the address names address ids."""
        assert isinstance(spec, StockLocationSpec)
        yield f"{STEP}.{api.STOCK_LOCATIONS_STEP}"
        if spec.address is not None and any(
            getattr(spec.address, f) is not None for f in api.ADDRESS_IDS
        ):
            yield f"{STEP}.{api.ADDRESSES_STEP}"

    @classmethod
    def protected_remote(cls, current: Remote[Any]) -> str:
        """Stores from Omnitron are never deleted."""
        return "it comes from Omnitron" if current.server.get(OMNITRON_ID) else ""

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[StockLocationSpec]]:
        """Every stock location, listed after the stock_locations step's reads (when
        declared), so a copy finishing mid-plan is seen."""
        await read_before(ctx, api.STOCK_LOCATIONS_STEP)
        rows = await client.list_all(
            api.STOCK_LOCATIONS,
            page_size=api.PAGE_SIZE,
            page_size_param=api.STOCK_LOCATIONS_PAGE_SIZE_PARAM,
        )
        return [_remote(row) for row in rows]

    async def create(
        self, client: WriteClient, spec: StockLocationSpec, ctx: WriteContext
    ) -> Remote[StockLocationSpec]:
        """POST the whole object."""
        answer = await client.post(api.STOCK_LOCATIONS, _body(spec, FIELDS))
        return await self.created(client, spec, ctx, answer, _remote)

    async def update(
        self,
        client: WriteClient,
        current: Remote[StockLocationSpec],
        spec: StockLocationSpec,
        changed: frozenset[str],
        ctx: WriteContext,
    ) -> Remote[StockLocationSpec]:
        """PATCH only the changed fields."""
        path = api.detail(api.STOCK_LOCATIONS, current.id)
        return _remote(await client.patch(path, _body(spec, changed)))

    async def delete(
        self, client: WriteClient, current: Remote[StockLocationSpec], ctx: WriteContext
    ) -> None:
        """DELETE the object."""
        await client.delete(api.detail(api.STOCK_LOCATIONS, current.id))


def _body(spec: StockLocationSpec, fields: tuple[str, ...] | frozenset[str]) -> dict[str, Any]:
    data = spec.model_dump(mode="json", include=set(fields))
    if TAGS in data:
        data[TAGS] = sorted(data[TAGS])
    return data


def _remote(obj: Mapping[str, Any]) -> Remote[StockLocationSpec]:
    spec = StockLocationSpec.model_validate({k: obj.get(k) for k in FIELDS if k in obj})
    server = {OMNITRON_ID: obj.get(OMNITRON_ID)}
    return Remote(id=obj[api.ID], spec=spec, fingerprint=fingerprint_of(obj), server=server)
