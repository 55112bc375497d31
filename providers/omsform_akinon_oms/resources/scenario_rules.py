"""The package rules of an ``oms_scenario`` (:class:`Rule`): which stock locations a rule may
choose (:class:`Conditions`, sets: they filter) and how it ranks them (:class:`Sort`, a list:
it ranks). Locations are named by ``erp_code``, declared :class:`~omsform.contract.refs.Ref`
fields the codec maps to ids and back."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from omsform.contract.refs import Ref
from omsform.contract.spec import Spec, reading

SortField = Literal["priority", "stock", "package_density", "distance"]
Geo = Literal["country", "city", "township", "district"]
LocationKey = Annotated[str, Ref("oms_stock_location")]


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

    select_by_location: frozenset[LocationKey] = Field(
        default=frozenset(),
        description=(
            "Only these stock locations (a set of erp_codes or ${oms_stock_location.NAME} "
            "references)."
        ),
        examples=[["IST-WH", "${oms_stock_location.ankara_wh}"]],
    )
    exclude_location: frozenset[LocationKey] = Field(
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
    location_prerequisites: frozenset[LocationKey] = Field(
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
    def _one_direction_per_field(
        cls, value: tuple[Sort, ...], info: ValidationInfo
    ) -> tuple[Sort, ...]:
        fields = [s.field for s in value]
        if len(set(fields)) < len(fields) and not reading(info):
            raise ValueError("each sort field may appear once")
        return value
