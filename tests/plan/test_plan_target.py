"""A saved plan's ``target`` (where it was made): covered by the checksum, and absent from plans
saved before it existed without changing their checksum."""

from __future__ import annotations

import hashlib
import json

import pytest

from omsform.plan.model import Plan, PlanTarget


def test_a_plan_saved_before_targets_existed_still_reads_with_its_checksum() -> None:
    old = Plan(brand="acme").model_dump(mode="json")
    del old["target"]
    canonical = json.dumps(old, sort_keys=True, separators=(",", ":"))
    text = json.dumps({**old, "checksum": hashlib.sha256(canonical.encode()).hexdigest()})
    plan = Plan.from_json(text)
    assert plan.target is None
    assert "target" not in json.loads(plan.to_json())


def test_the_target_round_trips_and_is_covered_by_the_checksum() -> None:
    plan = Plan(brand="acme", target=PlanTarget(hosts={"akinon_oms": "https://acme.example"}))
    doc = json.loads(plan.to_json())
    assert doc["target"] == {"hosts": {"akinon_oms": "https://acme.example"}, "sandbox": None}
    assert Plan.from_json(plan.to_json()) == plan
    doc["target"]["hosts"]["akinon_oms"] = "https://other.example"
    with pytest.raises(ValueError, match="checksum"):
        Plan.from_json(json.dumps(doc))
