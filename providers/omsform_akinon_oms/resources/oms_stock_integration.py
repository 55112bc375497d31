"""``oms_stock_integration``: the product stock integration, one per OMS (a singleton: any local
name, the key is always ``default``; a second declaration is a duplicate-key error).

Fields: ``url`` (the brand's stock service), ``stock_engine_type`` (one of
``GET …/available-stock-engines/`` [B]), ``username``, ``password`` (write-only).

- Read [P]: ``GET setup/product-stock-integration/`` → the four fields, the password masked
  (or null). Before the first configuration every value is null: the integration is absent.
  While listing, the declared ``stock_engine_type`` is checked against the engines the OMS
  offers, so a wrong one fails the plan naming the allowed types.
- Write [B]: ``POST …/execute/`` with every field (it configures the whole integration; the
  password is sent each time), answered with 204 and no body. Create and update are that one
  call. There is no delete.

Paths and field names [B], the read and the engine list's ``{value, label}`` shape [P]; the
Spec's field names are the wire names (:func:`~omsform.contract.rest.wire_fields`). Not a
:class:`~omsform.contract.rest.RestResource`: one object read by a GET, configured whole by one
POST.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from omsform.contract.resource import ReadContext, Resource, WriteContext
from omsform.contract.rest import read_spec, wire_fields
from omsform.contract.spec import Desired, Remote, Spec, fingerprint_of, reading
from omsform.errors import PlanError
from omsform_akinon_oms import api

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient, WriteClient

KEY = "default"


class StockIntegrationSpec(Spec):
    """The stock service OMS asks for stock, and how it logs in there."""

    url: str = Field(
        description="The brand's stock service (an http:// or https:// URL).",
        examples=["https://stock.acme.example.com/api/"],
    )
    stock_engine_type: str = Field(
        description=(
            "One of the engines the OMS offers (checked at plan time against "
            "available-stock-engines/; the sandbox offers anonymous, basic_auth, token)."
        ),
        examples=["basic_auth"],
    )
    username: str | None = Field(
        default=None,
        description="Login at the stock service (text); given together with password.",
        examples=["oms"],
    )
    password: str | None = Field(
        default=None,
        description="Password at the stock service (write-only: use ${secret.NAME}).",
        examples=["${secret.ACME_STOCK_PASSWORD}"],
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str, info: ValidationInfo) -> str:
        parts = urlsplit(value)
        if reading(info):  # YAML rule: a live value is shown as the server holds it
            return value
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// URL of the stock service")
        return value

    @field_validator("username", "password", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        # the API shows an unset credential as null; "" means the same
        return None if value == "" else value

    @model_validator(mode="after")
    def _credentials_together(self, info: ValidationInfo) -> StockIntegrationSpec:
        if reading(info):  # the password may read back null while a username is set
            return self
        if (self.username is None) != (self.password is None):
            raise ValueError("give `username` and `password` together, or neither")
        return self


FIELDS = wire_fields(StockIntegrationSpec)
URL = api.STOCK_INTEGRATION_URL  # a Spec field, so fixed (not overridable per brand)


class OmsStockIntegration(Resource[StockIntegrationSpec]):
    """The product stock integration (configure and re-configure; never deleted)."""

    kind: ClassVar[str] = "oms_stock_integration"
    spec_model: ClassVar[type[Spec]] = StockIntegrationSpec
    key_fields: ClassVar[tuple[str, ...]] = ()
    write_only: ClassVar[tuple[str, ...]] = ("password",)
    can_delete: ClassVar[bool] = False

    @classmethod
    def key(cls, spec: StockIntegrationSpec) -> str:
        """Always ``default``: there is one integration."""
        return KEY

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[StockIntegrationSpec]]:
        """The configured integration (none before the first one), after checking the declared
        engine type against the engines this OMS offers."""
        declared = ctx.declared(self.kind)
        if declared:
            _check_engine(declared, await client.get(api.STOCK_ENGINES))
        row = await client.get(api.STOCK_INTEGRATION_CURRENT)
        if not isinstance(row, dict) or not row.get(URL):
            return []
        # the password masked or null, as for settings: never compared (write-only), and
        # `omsform import` turns a masked one into a ${secret.…} reference
        data = {k: row[k] for k in FIELDS if row.get(k) is not None}
        spec = read_spec(StockIntegrationSpec, data, kind=self.kind, ident=KEY)
        return [Remote(id=KEY, spec=spec, fingerprint=fingerprint_of(row))]

    async def create(
        self, client: WriteClient, spec: StockIntegrationSpec, ctx: WriteContext
    ) -> Remote[StockIntegrationSpec]:
        """Configure the integration (one POST execute)."""
        return await _execute(client, spec)

    async def update(
        self,
        client: WriteClient,
        current: Remote[StockIntegrationSpec],
        spec: StockIntegrationSpec,
        changed: frozenset[str],
        ctx: WriteContext,
    ) -> Remote[StockIntegrationSpec]:
        """Configure it again with every field (execute takes the whole configuration)."""
        return await _execute(client, spec)


async def _execute(client: WriteClient, spec: StockIntegrationSpec) -> Remote[StockIntegrationSpec]:
    body = {name: getattr(spec, name) for name in FIELDS}
    await client.post(api.STOCK_INTEGRATION_EXECUTE, body)
    shown = spec.model_copy(update=dict(password=None))
    return Remote(id=KEY, spec=shown, fingerprint="written")


def engine_types(answer: Any) -> list[str]:
    """The engine type values in an ``available-stock-engines`` answer (a list of
    ``{value, label}`` objects or of plain strings, possibly in a DRF page)."""
    if isinstance(answer, dict):
        answer = answer.get(api.RESULTS, [])
    if not isinstance(answer, list):
        return []
    values = (e.get(api.STOCK_ENGINE_VALUE) if isinstance(e, dict) else e for e in answer)
    return [str(v) for v in values if v is not None]


def _check_engine(declared: Sequence[Desired[StockIntegrationSpec]], answer: Any) -> None:
    allowed = engine_types(answer)
    for d in declared:
        wanted = d.spec.stock_engine_type
        if wanted not in allowed:
            where = f"{d.location.file}:{d.location.line}: " if d.location.file else ""
            offered = ", ".join(allowed) if allowed else "(none: the list is empty)"
            raise PlanError(
                f"{where}{d.address}: stock_engine_type '{wanted}' is not one this OMS offers "
                f"(GET {api.STOCK_ENGINES}): choose one of {offered}"
            )
