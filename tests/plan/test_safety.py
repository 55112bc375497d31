"""Safety thresholds: too many changes to one kind, or every object of a kind deleted."""

from __future__ import annotations

import pytest

from omsform.errors import UnsafePlanError
from omsform.plan.model import Action, Change, Plan
from omsform.plan.safety import check_safety, existing_counts


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


# --- saved plans re-checked at apply ------------------------------------------------------------
def _violations(
    change: Change,
    *,
    prune: tuple[str, ...] = ("test_location",),
    protect: tuple[str, ...] = (),
    known: dict[str, str] | None = None,
) -> list[str]:
    from omsform.plan.safety import saved_plan_violations
    from tests.fixtures.kinds import PLAN_KINDS, make_remote

    current = {
        "test_location": [
            make_remote("test_location", {"id": 1, "fields": {"code": "A"}}),
            make_remote("test_location", {"id": 2, "fields": {"code": "OLD"}}),
        ]
    }
    declared = {"test_location": {"A": "test_location.a"}}
    plan = Plan(brand="t", changes=(change,))
    return saved_plan_violations(
        plan,
        current,
        PLAN_KINDS,
        declared,
        prune=prune,
        protect=protect,
        known_addresses=known or {},
    )


def _delete(remote_id: int, address: str = "test_location[OLD]", key: str = "OLD") -> Change:
    return Change(
        address=address,
        kind="test_location",
        key=key,
        provider="test",
        action=Action.DELETE,
        remote_id=remote_id,
        precondition=f"v-{remote_id}",
    )


def test_a_saved_delete_the_rules_allow_passes() -> None:
    assert _violations(_delete(2)) == []


def test_a_saved_delete_of_an_object_of_a_kind_not_pruned_is_refused() -> None:
    (problem,) = _violations(_delete(2), prune=())
    assert problem.startswith("test_location[OLD]: ") and "not in manage.prune" in problem


def test_a_saved_delete_of_a_declared_object_is_refused() -> None:
    (problem,) = _violations(_delete(1, "test_location.a", "A"))
    assert "the YAML declares it (test_location.a)" in problem


def test_a_saved_delete_of_a_protected_object_is_refused_whatever_address_the_file_gives() -> None:
    # the file names it innocently; the live object's key (and the ledger's name) still match
    renamed = _delete(2, "test_location[SOMETHING-ELSE]", "SOMETHING-ELSE")
    (problem,) = _violations(renamed, protect=("test_location.OLD",))
    assert "manage.protect rule 'test_location.OLD'" in problem
    (problem,) = _violations(
        renamed,
        protect=("test_location.legacy",),
        known={"test_location#2": "test_location.legacy"},
    )
    assert "manage.protect rule 'test_location.legacy'" in problem


def test_a_saved_update_of_an_undeclared_or_other_object_is_refused() -> None:
    update = Change(
        address="test_location.a",
        kind="test_location",
        key="A",
        provider="test",
        action=Action.UPDATE,
        remote_id=2,
        precondition="v-2",
    )
    (problem,) = _violations(update)
    assert "points it at the live test_location 'OLD'" in problem
    stray = update.model_copy(update={"address": "test_location.z", "remote_id": 1})
    (problem,) = _violations(stray)
    assert "the YAML declares no test_location 'test_location.z'" in problem


def _rekeyed_replace(key: str = "A") -> Change:
    """A replace of test_location.a (declared with key A) pointed at the live object 2 (OLD):
    what plan makes when the YAML changed that object's key from OLD to A."""
    return Change(
        address="test_location.a",
        kind="test_location",
        key=key,
        provider="test",
        action=Action.REPLACE,
        remote_id=2,
        precondition="v-2",
    )


def test_a_saved_replace_of_a_changed_natural_key_passes_when_the_ledger_knew_the_object() -> None:
    assert _violations(_rekeyed_replace(), known={"test_location[OLD]": "test_location.a"}) == []
    assert _violations(_rekeyed_replace(), known={"test_location#2": "test_location.a"}) == []


def test_a_saved_replace_of_a_changed_key_is_held_to_the_planners_pairing_rules() -> None:
    knew = {"test_location[OLD]": "test_location.a"}
    (stranger,) = _violations(_rekeyed_replace())
    assert "replaces the live test_location 'OLD' with it, but omsform never applied" in stranger
    (other_key,) = _violations(_rekeyed_replace("B"), known=knew)
    assert "creates test_location 'B', but the YAML declares it as 'A'" in other_key
    (unpruned,) = _violations(_rekeyed_replace(), known=knew, prune=())
    assert "deletes the live test_location 'OLD', but test_location is not in" in unpruned
    (protected,) = _violations(_rekeyed_replace(), known=knew, protect=("test_location.OLD",))
    assert "manage.protect rule 'test_location.OLD'" in protected
