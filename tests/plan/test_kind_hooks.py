"""Kind hooks of the engine: ``Resource.expected_from`` (a missing object of a kind that cannot
be created is planned as a create "expected from" a declared object planned to run, else a plan
error saying what to do) and ``ReadContext.declared`` (the declared objects, while listing)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import pytest

from omsform.apply.run import _Context
from omsform.contract.resource import ExpectedFrom
from omsform.contract.spec import Spec
from omsform.engine.read import Reader
from omsform.errors import PlanError
from omsform.plan.build import PlanInputs, build_plan
from omsform.plan.model import Action
from tests.fixtures.kinds import PLAN_KINDS, PlanChannel, make_desired, make_inputs

STEP = "test_step.copy"


class CopiedChannel(PlanChannel):
    """``test_channel`` whose missing objects a ``test_step.copy`` run brings in."""

    depends_on_kinds: ClassVar[tuple[str, ...]] = ("test_step",)

    @classmethod
    def expected_from(cls, desired: Spec) -> ExpectedFrom:
        return ExpectedFrom(address=STEP, label="step copy", todo="make it upstream first")


def _inputs(step_required: bool | None, **options: Any) -> PlanInputs:
    desired: dict[str, dict[str, Any]] = {"test_channel.web": {"code": "WEB", "name": "Web"}}
    current: dict[str, list[dict[str, Any]]] = {"test_channel": []}
    if step_required is not None:
        desired[STEP] = {"name": "copy"}
        fields = {"name": "copy", "required": step_required}
        current["test_step"] = [{"id": 1, "fields": fields}]
    inputs = make_inputs(desired, current, **options)
    return dataclasses.replace(inputs, resources={**PLAN_KINDS, "test_channel": CopiedChannel})


def test_a_missing_object_is_expected_from_a_planned_run() -> None:
    plan = build_plan(_inputs(step_required=True))
    assert [(c.address, c.action) for c in plan.changes] == [
        (STEP, Action.RUN),
        ("test_channel.web", Action.CREATE),
    ]
    create = plan.changes[1]
    assert create.reason == "expected from step copy"
    assert create.depends_on == (STEP,)
    assert create.level > plan.changes[0].level
    assert [f.path for f in create.fields] == ["code", "currency", "name"]
    assert plan.summary.create == 1 and plan.summary.run == 1


@pytest.mark.parametrize("step_required", [False, None], ids=["not-required", "not-declared"])
def test_without_the_run_the_plan_error_says_what_to_do(step_required: bool | None) -> None:
    with pytest.raises(PlanError) as err:
        build_plan(_inputs(step_required))
    assert str(err.value) == (
        "test_channel.web: no test_channel 'WEB' exists and test_channel objects cannot be "
        "created through the API: make it upstream first, or remove it from the YAML"
    )


def test_a_kind_without_a_source_keeps_the_generic_error() -> None:
    inputs = dataclasses.replace(_inputs(step_required=True), resources=PLAN_KINDS)
    with pytest.raises(PlanError, match="create it in the remote system first, or remove it"):
        build_plan(inputs)


def test_excluding_the_run_leaves_the_expected_create_out() -> None:
    plan = build_plan(_inputs(step_required=True, excludes=(STEP,)))
    assert plan.changes == ()
    assert [(n.address, n.category) for n in plan.notes] == [("test_channel.web", "warning")]


def test_both_read_contexts_give_the_declared_objects_of_a_kind() -> None:
    web, app = (make_desired(f"test_channel.{n}", {"code": n.upper()}) for n in ("web", "app"))
    step = make_desired(STEP, {"name": "copy"})
    reader = Reader({}, {}, {}, desired={"test_channel": [app, web], "test_step": [step]})
    assert reader.declared("test_channel") == [app, web]
    assert reader.declared("test_location") == []
    resources = {kind: cls() for kind, cls in PLAN_KINDS.items()}
    desired = {d.address: d for d in (web, step, app)}
    ctx = _Context({}, resources, desired)
    assert ctx.declared("test_channel") == [app, web]
    assert ctx.declared("test_location") == []
