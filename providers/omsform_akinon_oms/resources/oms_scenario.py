"""``oms_scenario``: a distribution or transfer scenario, keyed by ``name``.

[P] CRUD ``scenarios/`` (the docs show only the UI). The YAML names channels by ``name`` and
stock locations by ``erp_code`` (``${...}`` or a plain key) and the initial status by package
state word; the API takes ids: those fields are declared :class:`~omsform.contract.refs.Ref`
fields, which the generic codec maps both ways (the kind is a
:class:`~omsform.contract.rest.RestResource` whose wire shape is :mod:`.scenario_wire`).
``rules`` is ordered and compared and written as a whole. Inside a rule, conditions and location
lists are sets (they filter), the sort order is a list (it ranks). ``type`` cannot change after
create (a replace).

Documented [D]: what a scenario and its rules hold (the UI fields: name, status, the three
static/dynamic conditions, customer type, default stock location, initial status, rules with
location prerequisites, stock-location conditions and sorting) and the ``SELECT_BY_QUOTA``
condition. Proposed [P]: the paths, every wire field name and the body shape; they are all in
``api.py``, and ``scenario_wire`` maps the YAML fields onto them.

YAML shape::

    oms_scenario:
      web-default:
        type: distribution
        priority: 10
        channel_condition: static          # static needs channels; dynamic takes none
        channels: [acme-web]
        default_stock_location: ${oms_stock_location.wh}
        rules:
          - name: stores-first
            conditions:
              select_by_type: store
              exclude_location: [STORE-ANK-01]
              select_by_geo: [city]        # SELECT_BY_GEO_CITY
              select_by_quota: true
            sorting: [{distance: asc}, {field: priority, direction: desc}]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from omsform.contract import refs
from omsform.contract.refs import Ref
from omsform.contract.resource import ReadContext, WriteContext
from omsform.contract.rest import Endpoint, RestResource
from omsform.contract.spec import Desired, Spec, reading
from omsform.errors import Location, Problem
from omsform_akinon_oms import api
from omsform_akinon_oms.resources import scenario_wire as wire
from omsform_akinon_oms.resources.package_states import StateWord
from omsform_akinon_oms.resources.scenario_rules import LocationKey, Rule

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient


GEO_SETTING = "GEOLOCATION_DISCOVERY"
StaticOrDynamic = Literal["static", "dynamic"]
ChannelKey = Annotated[str, Ref("oms_channel")]


class ScenarioSpec(Spec):
    """The managed fields of a scenario; defaults are the server's."""

    name: str = Field(
        min_length=1,
        max_length=255,
        description="The scenario's name, unique; the natural key (text, 1-255).",
        examples=["web-default"],
    )
    type: Literal["distribution", "transfer"] = Field(
        default="distribution",
        description=(
            "distribution (where an order's packages are prepared) or transfer (where stock "
            "moves from); immutable: a change replaces the scenario."
        ),
        examples=["distribution"],
    )
    description: str = Field(default="", description="Free text.", examples=["Web orders"])
    is_active: bool = Field(
        default=True, description="Whether OMS uses the scenario.", examples=[True]
    )
    priority: int = Field(
        default=0,
        ge=0,
        description="Scenarios are tried in priority order (integer ≥ 0).",
        examples=[10],
    )
    channel_condition: StaticOrDynamic = Field(
        default="dynamic",
        description="static: only the listed `channels`; dynamic: every channel (no list).",
        examples=["static"],
    )
    channels: frozenset[ChannelKey] = Field(
        default=frozenset(),
        description=(
            "Channels (a set of channel names or ${oms_channel.NAME} references) when "
            "channel_condition is static."
        ),
        examples=[["acme-web"]],
    )
    shipping_condition: StaticOrDynamic = Field(
        default="dynamic",
        description="static: only the listed `shipping_companies`; dynamic: any.",
        examples=["dynamic"],
    )
    shipping_companies: frozenset[str] = Field(
        default=frozenset(),
        description="Shipping company slugs (a set) when shipping_condition is static.",
        examples=[["yurtici"]],
    )
    payment_condition: StaticOrDynamic = Field(
        default="dynamic",
        description="static: only the listed `payment_types`; dynamic: any.",
        examples=["dynamic"],
    )
    payment_types: frozenset[str] = Field(
        default=frozenset(),
        description="Payment types (a set of text) when payment_condition is static.",
        examples=[["credit_card"]],
    )
    customer_type: str | None = Field(
        default=None,
        description="Only orders of this customer type (text), or null for any.",
        examples=["b2c"],
    )
    default_stock_location: LocationKey = Field(
        description=(
            "Required: where packages go when no rule matches (an erp_code or a "
            "${oms_stock_location.NAME} reference)."
        ),
        examples=["${oms_stock_location.istanbul_wh}"],
    )
    initial_status: StateWord | None = Field(
        default=None,
        description=(
            "The package state new packages start in (a state word: waiting, preparing, …; "
            "see `omsform docs oms_transition`), or null for the OMS default."
        ),
        examples=["waiting"],
    )
    rules: tuple[Rule, ...] = Field(
        default=(),
        description="Package rules, tried in list order; compared and written as a whole.",
        examples=[[{"name": "stores-first", "conditions": {"select_by_type": "store"}}]],
    )

    @field_validator("description", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("customer_type", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _conditions_and_rules(self, info: ValidationInfo) -> ScenarioSpec:
        if reading(info):  # what the server holds is shown as it is
            return self
        for name, values in wire.VALUES.items():
            static = getattr(self, f"{name}_condition") == "static"
            if static and not getattr(self, values):
                raise ValueError(
                    f"{name}_condition is static but {values} is empty: list at least one, "
                    "or make the condition dynamic"
                )
            if not static and getattr(self, values):
                raise ValueError(f"{values} are only used when {name}_condition is static")
        names = [r.name for r in self.rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"rule names must be unique within a scenario: {', '.join(twice)}")
        return self


class OmsScenario(RestResource[ScenarioSpec]):
    """Distribution and transfer scenarios."""

    kind: ClassVar[str] = "oms_scenario"
    spec_model: ClassVar[type[Spec]] = ScenarioSpec
    key_fields: ClassVar[tuple[str, ...]] = ("name",)
    name_field: ClassVar[str | None] = "name"
    immutable: ClassVar[frozenset[str]] = frozenset({"type"})
    endpoint: ClassVar[Endpoint] = Endpoint(
        collection=lambda: api.SCENARIOS,
        page_size=lambda: (api.PAGE_SIZE, api.SCENARIOS_PAGE_SIZE_PARAM),
        id_field=lambda: api.ID,
        detail=api.detail,
    )

    @classmethod
    def check_brand(
        cls, desired: Mapping[str, Desired[ScenarioSpec]], brand: Mapping[str, Desired[Any]]
    ) -> list[Problem]:
        """Warn when geo conditions or distance sorting are used without the
        ``GEOLOCATION_DISCOVERY`` setting declared (OMS then cannot locate the order)."""
        declared = any(
            d.kind == "oms_setting" and getattr(d.spec, "key", None) == GEO_SETTING
            for d in brand.values()
        )
        if declared:
            return []
        return [
            Problem(
                Location(address=address),
                f"rule '{rule}' uses {what}, which needs the {GEO_SETTING} setting; "
                "no oms_setting declares it",
                hint=f"declare oms_setting {GEO_SETTING} (a Google or Yandex Maps key)",
                severity="warning",
            )
            for address, d in sorted(desired.items())
            for rule, what in _geo_uses(d.spec)
        ]

    def spec_data(self, row: Mapping[str, Any], ctx: ReadContext) -> dict[str, Any]:
        """The scenario in the Spec's shape, ids left for the codec (:mod:`.scenario_wire`)."""
        return wire.shaped(row)

    async def write_body(
        self, spec: ScenarioSpec, fields: Iterable[str], client: ApiClient, ctx: WriteContext
    ) -> dict[str, Any]:
        """The API body of ``fields`` with ids in the reference fields; a condition's type
        travels with its values."""
        sent = wire.sent_fields(fields)
        return wire.body(await refs.encode(spec, client, ctx, sent), sent)


def _geo_uses(spec: ScenarioSpec) -> list[tuple[str, str]]:
    """``(rule name, what)`` for each rule that needs geolocation."""
    found = []
    for rule in spec.rules:
        if rule.conditions.select_by_geo:
            kinds = ", ".join(sorted(rule.conditions.select_by_geo))
            found.append((rule.name, f"a geo condition ({kinds})"))
        if any(s.field == "distance" for s in rule.sorting):
            found.append((rule.name, "sorting by distance"))
    return found
