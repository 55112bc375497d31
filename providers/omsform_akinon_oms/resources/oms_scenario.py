"""``oms_scenario``: a distribution or transfer scenario, keyed by ``name``.

[P] CRUD ``scenarios/`` (the docs show only the UI). The YAML names channels by ``name`` and
stock locations by ``erp_code`` (``${...}`` or a plain key) and the initial status by package
state word; the API takes ids, resolved at apply time. ``rules`` is ordered and compared and
written as a whole. Inside a rule, conditions and location lists are sets (they filter), the
sort order is a list (it ranks). ``type`` cannot change after create (a replace).

Documented [D]: what a scenario and its rules hold (the UI fields: name, status, the three
static/dynamic conditions, customer type, default stock location, initial status, rules with
location prerequisites, stock-location conditions and sorting) and the ``SELECT_BY_QUOTA``
condition. Proposed [P]: the paths, every wire field name and the body shape; they are all in
``api.py``, and ``SENT_AS``/``CONDITIONS`` below map the YAML fields onto them.

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

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from omsform.contract.resource import ReadContext, Resource, WriteContext
from omsform.contract.spec import Desired, Remote, Spec, fingerprint_of
from omsform.errors import Location, Problem
from omsform_akinon_oms import api
from omsform_akinon_oms.resources.oms_transition import package_states

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient, WriteClient

CHANNEL, LOCATION = "oms_channel", "oms_stock_location"
GEO_SETTING = "GEOLOCATION_DISCOVERY"
SortField = Literal["priority", "stock", "package_density", "distance"]
Geo = Literal["country", "city", "township", "district"]
StaticOrDynamic = Literal["static", "dynamic"]
CONDITIONS = {  # condition → (API field of the type, API field of the values)
    "channel": (api.SCENARIO_CHANNEL_CONDITION_TYPE, api.SCENARIO_CHANNELS),
    "shipping": (api.SCENARIO_SHIPPING_CONDITION_TYPE, api.SCENARIO_SHIPPING_COMPANIES),
    "payment": (api.SCENARIO_PAYMENT_CONDITION_TYPE, api.SCENARIO_PAYMENT_TYPES),
}
# condition → the YAML field of its values (the type's is `<condition>_condition`)
VALUES = {"channel": "channels", "shipping": "shipping_companies", "payment": "payment_types"}
CONDITION_OF = {  # spec field → the condition it belongs to (type and values travel together)
    **{f"{base}_condition": base for base in VALUES},
    **{values: base for base, values in VALUES.items()},
}


class Sort(Spec):
    """One sort key of a rule; ``{priority: desc}`` is short for this."""

    field: SortField = Field(
        description=(
            "What to rank candidate locations by: priority, stock, package_density or distance "
            "(distance needs the GEOLOCATION_DISCOVERY setting)."
        ),
        examples=["distance"],
    )
    direction: Literal["asc", "desc"] = Field(
        description="asc (smallest first) or desc (largest first).", examples=["asc"]
    )

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        if isinstance(value, Mapping) and len(value) == 1 and "field" not in value:
            ((name, direction),) = value.items()
            return {"field": name, "direction": direction}
        return value


class Conditions(Spec):
    """A rule's stock-location conditions; each is either set or absent."""

    select_by_location: frozenset[str] = Field(
        default=frozenset(),
        description=(
            "Only these stock locations (a set of erp_codes or ${oms_stock_location.NAME} "
            "references)."
        ),
        examples=[["IST-WH", "${oms_stock_location.ankara_wh}"]],
    )
    exclude_location: frozenset[str] = Field(
        default=frozenset(),
        description="Never these stock locations (a set of erp_codes or references).",
        examples=[["STORE-ANK-01"]],
    )
    select_by_type: Literal["store", "warehouse"] | None = Field(
        default=None,
        description="Only stores or only warehouses; null for both.",
        examples=["store"],
    )
    select_by_geo: frozenset[Geo] = Field(
        default=frozenset(),
        description=(
            "Only locations in the same country, city, township or district as the delivery "
            "address (a set; SELECT_BY_GEO_<LEVEL> on the wire)."
        ),
        examples=[["city"]],
    )
    select_by_quota: bool = Field(
        default=False,
        description="Only locations below their max_quota (SELECT_BY_QUOTA).",
        examples=[True],
    )


class Rule(Spec):
    """One package rule; rules are tried in list order."""

    name: str = Field(
        min_length=1,
        max_length=255,
        description="The rule's name, unique within the scenario (text, 1-255).",
        examples=["stores-first"],
    )
    is_transferable: bool = Field(
        default=False,
        description="Whether a package may be transferred between locations under this rule.",
        examples=[False],
    )
    location_prerequisites: frozenset[str] = Field(
        default=frozenset(),
        description=(
            "The rule applies only when the package is at one of these locations (a set of "
            "erp_codes or references); empty for any."
        ),
        examples=[["IST-WH"]],
    )
    conditions: Conditions = Field(
        default=Conditions(),
        description="Which stock locations the rule may choose (every condition set must hold).",
        examples=[{"select_by_type": "store", "select_by_geo": ["city"]}],
    )
    sorting: tuple[Sort, ...] = Field(
        default=(),
        description=(
            "How the allowed locations are ranked, first key first; `{distance: asc}` is short "
            "for `{field: distance, direction: asc}`. Each field once."
        ),
        examples=[[{"distance": "asc"}, {"field": "priority", "direction": "desc"}]],
    )

    @field_validator("sorting")
    @classmethod
    def _one_direction_per_field(cls, value: tuple[Sort, ...]) -> tuple[Sort, ...]:
        fields = [s.field for s in value]
        if len(set(fields)) < len(fields):
            raise ValueError("each sort field may appear once")
        return value


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
    channels: frozenset[str] = Field(
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
    default_stock_location: str = Field(
        description=(
            "Required: where packages go when no rule matches (an erp_code or a "
            "${oms_stock_location.NAME} reference)."
        ),
        examples=["${oms_stock_location.istanbul_wh}"],
    )
    initial_status: str | None = Field(
        default=None,
        pattern=r"^[a-z_]+$",
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
    def _conditions_and_rules(self) -> ScenarioSpec:
        for name, values in VALUES.items():
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


FIELDS = tuple(ScenarioSpec.model_fields)
SENT_AS = dict(  # YAML field → API field, for every field outside the three conditions
    name=api.SCENARIO_NAME,
    type=api.SCENARIO_TYPE,
    description=api.SCENARIO_DESCRIPTION,
    is_active=api.SCENARIO_IS_ACTIVE,
    priority=api.SCENARIO_PRIORITY,
    customer_type=api.SCENARIO_CUSTOMER_TYPE,
    default_stock_location=api.SCENARIO_DEFAULT_STOCK_LOCATION,
    initial_status=api.SCENARIO_INITIAL_STATUS,
    rules=api.SCENARIO_RULES,
)
# the YAML field(s) naming a package state, checked against the states read at plan time
STATUS_FIELDS = tuple(f for f, wire in SENT_AS.items() if wire == api.SCENARIO_INITIAL_STATUS)


class OmsScenario(Resource[ScenarioSpec]):
    """Distribution and transfer scenarios."""

    kind: ClassVar[str] = "oms_scenario"
    spec_model: ClassVar[type[Spec]] = ScenarioSpec
    key_fields: ClassVar[tuple[str, ...]] = ("name",)
    name_field: ClassVar[str | None] = "name"
    immutable: ClassVar[frozenset[str]] = frozenset({"type"})

    @classmethod
    def references(cls, spec: Spec) -> Iterable[tuple[str, str]]:
        """The channels and stock locations the scenario names."""
        assert isinstance(spec, ScenarioSpec)
        yield from ((CHANNEL, name) for name in sorted(spec.channels))
        yield from ((LOCATION, code) for code in sorted(_location_keys(spec)))

    @classmethod
    def check_brand(
        cls, desired: Mapping[str, Desired[Any]], brand: Mapping[str, Desired[Any]]
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

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[ScenarioSpec]]:
        """Every scenario, ids turned into channel names, erp codes and state words, after
        checking the declared initial statuses against the states this OMS has."""
        await package_states(client).check_declared(ctx.declared(self.kind), STATUS_FIELDS)
        rows = await client.list_all(
            api.SCENARIOS, page_size=api.PAGE_SIZE, page_size_param=api.SCENARIOS_PAGE_SIZE_PARAM
        )
        if not rows:
            return []
        names = await _Names.read(client, ctx, rows)
        return [_remote(row, names) for row in rows]

    async def create(
        self, client: WriteClient, spec: ScenarioSpec, ctx: WriteContext
    ) -> Remote[ScenarioSpec]:
        """POST the whole scenario."""
        body = await self._body(client, spec, frozenset(FIELDS), ctx)
        answer = await client.post(api.SCENARIOS, body)
        if not self.holds_object(answer):
            return await self.find_created(client, spec, ctx, answer)
        return await self._written(client, ctx, answer)

    async def update(
        self,
        client: WriteClient,
        current: Remote[ScenarioSpec],
        spec: ScenarioSpec,
        changed: frozenset[str],
        ctx: WriteContext,
    ) -> Remote[ScenarioSpec]:
        """PATCH the changed fields (a condition type travels with its values)."""
        body = await self._body(client, spec, changed, ctx)
        path = api.detail(api.SCENARIOS, current.id)
        return await self._written(client, ctx, await client.patch(path, body))

    async def delete(
        self, client: WriteClient, current: Remote[ScenarioSpec], ctx: WriteContext
    ) -> None:
        """DELETE the scenario."""
        await client.delete(api.detail(api.SCENARIOS, current.id))

    async def _written(
        self, client: ApiClient, ctx: ReadContext, obj: Mapping[str, Any]
    ) -> Remote[ScenarioSpec]:
        return _remote(obj, await _Names.read(client, ctx, [obj]))

    async def _body(
        self, client: ApiClient, spec: ScenarioSpec, fields: frozenset[str], ctx: WriteContext
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for field in sorted(fields):
            if field in CONDITION_OF:
                body.update(_condition_body(spec, CONDITION_OF[field], ctx))
                continue
            wire = SENT_AS[field]
            if wire == api.SCENARIO_DEFAULT_STOCK_LOCATION:
                body[wire] = ctx.id_of(LOCATION, spec.default_stock_location)
            elif wire == api.SCENARIO_INITIAL_STATUS:
                status = spec.initial_status
                body[wire] = None if status is None else await package_states(client).id_of(status)
            elif wire == api.SCENARIO_RULES:
                body[wire] = [_rule_body(rule, ctx) for rule in spec.rules]
            else:
                body[wire] = getattr(spec, field)
        return body


# --- YAML → API ----------------------------------------------------------------------------------
def _condition_body(spec: ScenarioSpec, base: str, ctx: WriteContext) -> dict[str, Any]:
    type_field, values_field = CONDITIONS[base]
    kind = getattr(spec, f"{base}_condition")
    values: list[Any] | None = None
    if kind == "static":
        values = sorted(getattr(spec, VALUES[base]))
        if base == "channel":
            values = [ctx.id_of(CHANNEL, name) for name in values]
    return {type_field: kind, values_field: values}


def _location_ids(codes: Iterable[str], ctx: WriteContext) -> list[Any]:
    return [ctx.id_of(LOCATION, code) for code in sorted(codes)]


def _rule_body(rule: Rule, ctx: WriteContext) -> dict[str, Any]:
    c = rule.conditions
    conditions: list[dict[str, Any]] = []

    def add(kind: str, value: Any = None) -> None:
        conditions.append({api.CONDITION_TYPE: kind, api.CONDITION_VALUE: value})

    if c.select_by_location:
        add(api.SELECT_BY_LOCATION, _location_ids(c.select_by_location, ctx))
    if c.exclude_location:
        add(api.EXCLUDE_LOCATION, _location_ids(c.exclude_location, ctx))
    if c.select_by_type:
        add(api.SELECT_BY_TYPE, c.select_by_type)
    for geo in sorted(c.select_by_geo):
        add(api.SELECT_BY_GEO + geo.upper())
    if c.select_by_quota:
        add(api.SELECT_BY_QUOTA)
    return {
        api.RULE_NAME: rule.name,
        api.RULE_IS_TRANSFERABLE: rule.is_transferable,
        api.RULE_LOCATION_PREREQUISITES: _location_ids(rule.location_prerequisites, ctx),
        api.RULE_PRODUCT_PREREQUISITE: dict(api.ALL_PRODUCTS),
        api.RULE_STOCK_LOCATION_CONDITIONS: conditions,
        api.RULE_SORTING: [
            {api.SORT_FIELD: s.field, api.SORT_DIRECTION: s.direction} for s in rule.sorting
        ],
    }


# --- API → YAML ----------------------------------------------------------------------------------
class _Names:
    """Id → natural key maps for one batch of scenario objects."""

    def __init__(
        self, channels: dict[Any, str], locations: dict[Any, str], states: dict[int, str]
    ) -> None:
        self.channels, self.locations, self.states = channels, locations, states

    @classmethod
    async def read(
        cls, client: ApiClient, ctx: ReadContext, rows: Sequence[Mapping[str, Any]]
    ) -> _Names:
        """The maps ``rows`` need: only the lookups their ids call for."""
        # the channel kind says which key form (name, or omnitron_id=…) the brand uses for a
        # channel; imported here so scenarios load even where that kind is not installed
        import asyncio  # here, not at import: validating a brand needs no event loop

        from omsform_akinon_oms.resources.oms_channel import OmsChannel

        need_channels = any(r.get(api.SCENARIO_CHANNELS) for r in rows)
        need_states = any(r.get(api.SCENARIO_INITIAL_STATUS) is not None for r in rows)
        channels, locations, words = await asyncio.gather(
            ctx.current(CHANNEL) if need_channels else _nothing(),
            ctx.current(LOCATION),
            package_states(client).names() if need_states else _nothing(),
        )
        return cls(
            {r.id: OmsChannel.key(r.spec) for r in channels},
            {r.id: r.spec.erp_code for r in locations},
            dict(words),
        )

    def channel(self, pk: Any) -> str:
        return self.channels.get(pk, f"<unknown channel id {pk}>")

    def location(self, pk: Any) -> str:
        return self.locations.get(pk, f"<unknown stock location id {pk}>")


async def _nothing() -> Any:
    return {}


def _remote(obj: Mapping[str, Any], names: _Names) -> Remote[ScenarioSpec]:
    data: dict[str, Any] = {k: obj.get(wire) for k, wire in SENT_AS.items() if wire in obj}
    for base, (type_field, values_field) in CONDITIONS.items():
        values = obj.get(values_field) or ()
        if base == "channel":
            values = [names.channel(pk) for pk in values]
        data[f"{base}_condition"] = obj.get(type_field, "dynamic")
        data[VALUES[base]] = frozenset(values)
    status = obj.get(api.SCENARIO_INITIAL_STATUS)
    data.update(
        default_stock_location=names.location(obj.get(api.SCENARIO_DEFAULT_STOCK_LOCATION)),
        initial_status=None if status is None else names.states.get(status, f"id_{status}"),
        description=obj.get(api.SCENARIO_DESCRIPTION) or "",
        customer_type=obj.get(api.SCENARIO_CUSTOMER_TYPE) or None,
        rules=tuple(_rule(r, names) for r in obj.get(api.SCENARIO_RULES) or ()),
    )
    # model_construct: what the server holds is shown as it is, even where YAML rules would refuse
    spec = ScenarioSpec.model_construct(**data)
    return Remote(id=obj[api.ID], spec=spec, fingerprint=fingerprint_of(obj))


def _rule(obj: Mapping[str, Any], names: _Names) -> Rule:
    found: dict[str, Any] = {}
    geo: set[str] = set()
    for condition in obj.get(api.RULE_STOCK_LOCATION_CONDITIONS) or ():
        kind, value = condition.get(api.CONDITION_TYPE, ""), condition.get(api.CONDITION_VALUE)
        if kind in (api.SELECT_BY_LOCATION, api.EXCLUDE_LOCATION):
            found[kind.lower()] = frozenset(names.location(pk) for pk in value or ())
        elif kind == api.SELECT_BY_TYPE:
            found["select_by_type"] = value
        elif kind.startswith(api.SELECT_BY_GEO):
            geo.add(kind.removeprefix(api.SELECT_BY_GEO).lower())
        elif kind == api.SELECT_BY_QUOTA:
            found["select_by_quota"] = True
    sorting = tuple(
        Sort.model_construct(field=s.get(api.SORT_FIELD), direction=s.get(api.SORT_DIRECTION))
        for s in obj.get(api.RULE_SORTING) or ()
    )
    return Rule.model_construct(
        name=obj.get(api.RULE_NAME),
        is_transferable=bool(obj.get(api.RULE_IS_TRANSFERABLE)),
        location_prerequisites=frozenset(
            names.location(pk) for pk in obj.get(api.RULE_LOCATION_PREREQUISITES) or ()
        ),
        conditions=Conditions.model_construct(select_by_geo=frozenset(geo), **found),
        sorting=sorting,
    )


# --- what a scenario points at or needs -----------------------------------------------------------
def _location_keys(spec: ScenarioSpec) -> set[str]:
    codes = {spec.default_stock_location}
    for rule in spec.rules:
        codes |= rule.location_prerequisites
        codes |= rule.conditions.select_by_location | rule.conditions.exclude_location
    return codes


def _geo_uses(spec: Spec) -> list[tuple[str, str]]:
    """``(rule name, what)`` for each rule that needs geolocation."""
    assert isinstance(spec, ScenarioSpec)
    found = []
    for rule in spec.rules:
        if rule.conditions.select_by_geo:
            kinds = ", ".join(sorted(rule.conditions.select_by_geo))
            found.append((rule.name, f"a geo condition ({kinds})"))
        if any(s.field == "distance" for s in rule.sorting):
            found.append((rule.name, "sorting by distance"))
    return found
