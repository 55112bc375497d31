"""Live objects edited in the back office into shapes omsform's model cannot hold, against the
sandbox, for the kinds whose wire shape needs hooks (stock locations, scenarios with their
references, transitions with their states): reading runs the Spec's validators, so a bad value
stops the plan with a ProviderError naming the kind, the object's id and the field, never the
value; a key field emptied is left for the plan to report by id, as for every kind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from omsform.errors import PlanError, ProviderError
from tests.harness import BrandHarness
from tests.providers.test_scenario import BASE, SCENARIO
from tests.providers.test_transition import FLOW

LOCATION = """\
    oms_stock_location:
      wh: {erp_code: WH-9, name: Warehouse, stock_location_type: warehouse}
    """


@dataclass(frozen=True)
class Case:
    """A declared object, where the sandbox stores it, and a back-office edit it cannot hold."""

    kind: str
    files: dict[str, str]
    collection: str
    match: tuple[str, str]  # (field, value) that finds the object in the collection
    bad: tuple[str, str]  # (field, value) the model refuses
    key: str  # the natural-key field
    first: dict[str, str] | None = None  # applied before (a scenario's channels and stores)


CASES = [
    Case(
        "oms_stock_location",
        {"l.yaml": LOCATION},
        "stock_locations",
        ("erp_code", "WH-9"),
        ("stock_location_type", "depot-canary"),
        "erp_code",
    ),
    Case(
        "oms_scenario",
        {"base.yaml": BASE, "s.yaml": SCENARIO},
        "scenarios",
        ("name", "web-default"),
        ("type", "sometimes-canary"),
        "name",
        first={"base.yaml": BASE},
    ),
    Case(
        "oms_transition",
        {"flow.yaml": FLOW},
        "transitions",
        ("slug", "PACK"),
        ("command_class", "not a class canary"),
        "slug",
    ),
]


def _applied(tmp_path: Path, case: Case) -> tuple[BrandHarness, int]:
    h = BrandHarness(tmp_path)
    for files in (case.first, case.files):
        if files:
            h.write(files)
            h.converge()
    rows = h.raw.get(f"/_sandbox/objects/{case.collection}").json()
    [obj_id] = [r["id"] for r in rows if r.get(case.match[0]) == case.match[1]]
    return h, obj_id


def _edit(h: BrandHarness, case: Case, obj_id: int, field: str, value: str) -> None:
    edited = h.raw.patch(f"/_sandbox/objects/{case.collection}/{obj_id}", json={field: value})
    assert edited.status_code == 200, edited.text


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.kind)
def test_a_live_value_the_model_refuses_names_kind_id_and_field_not_the_value(
    tmp_path: Path, case: Case
) -> None:
    h, obj_id = _applied(tmp_path, case)
    field, value = case.bad
    _edit(h, case, obj_id, field, value)
    with pytest.raises(ProviderError) as err:
        h.plan()
    message = str(err.value)
    assert f"{case.kind} '{obj_id}': the object in the remote system does not fit" in message
    assert f"({field}: " in message
    assert value not in message


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.kind)
def test_a_live_key_emptied_is_a_plan_error_naming_the_id(tmp_path: Path, case: Case) -> None:
    h, obj_id = _applied(tmp_path, case)
    _edit(h, case, obj_id, case.key, "")
    with pytest.raises(PlanError, match=rf"{case.kind} id {obj_id}: .* no {case.key}"):
        h.plan()
