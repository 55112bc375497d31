"""Safety thresholds: too many changes to one kind, or every object of a kind deleted."""

from __future__ import annotations

import pytest

from omsform.errors import UnsafePlanError
from omsform.plan import Action, Change, Plan
from omsform.safety import check_safety, existing_counts


def _plan(*actions: tuple[str, Action, int]) -> Plan:
    changes = [
        Change(
            address=f"{kind}.{action.name}{i}", kind=kind, key=str(i), provider="p", action=action
        )
        for kind, action, count in actions
        for i in range(count)
    ]
    return Plan(brand="b", changes=tuple(changes))


def test_too_many_changes_to_a_big_kind_are_refused_with_everything_needed_to_act() -> None:
    plan = _plan(("oms_webhook", Action.UPDATE, 3), ("oms_webhook", Action.DELETE, 2))
    with pytest.raises(UnsafePlanError) as caught:
        check_safety(plan, {"oms_webhook": 12}, 0.3, 10)
    message = str(caught.value)
    for part in (
        "oms_webhook",
        "5 of 12",
        "3 updated",
        "2 deleted",
        "safety.max_change_fraction",
        "--force",
    ):
        assert part in message


def test_changes_within_the_fraction_pass() -> None:
    plan = _plan(("oms_webhook", Action.UPDATE, 3))
    check_safety(plan, {"oms_webhook": 10}, 0.3, 10)  # 30 % is not more than 30 %


def test_small_kinds_are_not_held_to_the_fraction() -> None:
    plan = _plan(("oms_webhook", Action.UPDATE, 5))
    check_safety(plan, {"oms_webhook": 9}, 0.3, 10)


def test_creates_do_not_count() -> None:
    plan = _plan(("oms_webhook", Action.CREATE, 50), ("oms_webhook", Action.UPDATE, 1))
    check_safety(plan, {"oms_webhook": 10}, 0.3, 10)


def test_deleting_every_object_of_a_kind_is_refused_even_for_a_small_kind() -> None:
    plan = _plan(("oms_transition", Action.DELETE, 2))
    with pytest.raises(UnsafePlanError, match=r"(?s)deletes all 2 existing objects.*--force"):
        check_safety(plan, {"oms_transition": 2}, 1.0, 10)


def test_every_offending_kind_is_named() -> None:
    plan = _plan(("a", Action.DELETE, 1), ("b", Action.REPLACE, 10))
    with pytest.raises(UnsafePlanError) as caught:
        check_safety(plan, {"a": 1, "b": 20}, 0.3, 10)
    assert "a: the plan deletes all 1" in str(caught.value)
    assert "b: 10 of 20" in str(caught.value) and "10 replaced" in str(caught.value)


def test_existing_counts_counts_current_objects_per_kind() -> None:
    assert existing_counts({"a": [1, 2], "b": []}) == {"a": 2, "b": 0}


def test_a_declared_kinds_only_object_may_be_deleted_when_the_yaml_still_declares_the_kind() -> (
    None
):
    # the demo's one webhook with a new event_type (its natural key): delete old + create new
    plan = _plan(("oms_webhook", Action.DELETE, 1), ("oms_webhook", Action.CREATE, 1))
    check_safety(plan, {"oms_webhook": 1}, 0.3, 10, declared={"oms_webhook"})
    with pytest.raises(UnsafePlanError, match="deletes all 1 existing objects"):
        check_safety(plan, {"oms_webhook": 1}, 0.3, 10, declared={"oms_transition"})


def test_a_declared_kind_is_still_held_to_the_fraction() -> None:
    plan = _plan(("oms_webhook", Action.DELETE, 12), ("oms_webhook", Action.CREATE, 1))
    with pytest.raises(UnsafePlanError, match="12 of 12 existing objects would change"):
        check_safety(plan, {"oms_webhook": 12}, 0.3, 10, declared={"oms_webhook"})
