"""build_plan beyond the data-driven cases, and the dotted-path helpers it stands on."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import omsform.plan.compare as diff_fields
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote, Spec
from omsform.errors import PlanError, UnsafePlanError
from omsform.paths import (
    below,
    covers,
    drop_paths,
    format_path,
    get_path,
    iter_items,
    iter_paths,
    parse_path,
)
from omsform.plan.build import PlanInputs, build_plan, secret_slot
from omsform.plan.model import Action, Plan
from omsform.secrets.mask import mask_paths
from tests.fixtures.kinds import (
    PLAN_KINDS,
    PLAN_PROVIDER_OF,
    make_desired,
    make_inputs,
    make_remote,
)

SECRETS = ("hunter2-pw", "tok-live-123", "sk-setting-value", "sk-old-setting")


# --- paths -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path", ["a", "a.b", "rules[0].name", "conf[].auth.token", 'values["a.b"].c', "x[12]"]
)
def test_paths_parse_and_format_round_trip(path: str) -> None:
    assert format_path(parse_path(path)) == path


@pytest.mark.parametrize("bad", [".a", "a..b", "a[x]", "a[", 'a["b]'])
def test_invalid_paths_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid field path"):
        parse_path(bad)


DATA: dict[str, Any] = {
    "name": "n",
    "conf": [{"auth": {"token": "t1", "user": "u"}}, {"auth": {"token": None}}],
    "values": {"a.b": 1},
}


def test_get_path_reads_values_and_defaults_when_missing() -> None:
    assert get_path(DATA, "conf[0].auth.user") == "u"
    assert get_path(DATA, 'values["a.b"]') == 1
    assert get_path(DATA, "conf[5].auth", default="missing") == "missing"
    with pytest.raises(ValueError):
        get_path(DATA, "conf[].auth")


def test_iter_paths_expands_every_element() -> None:
    assert list(iter_paths(DATA, "conf[].auth.token")) == ["t1", None]
    assert list(iter_items(DATA, "conf[].auth.token")) == [
        ("conf[0].auth.token", "t1"),
        ("conf[1].auth.token", None),
    ]
    assert list(iter_paths(DATA, "nope[].x")) == []


def test_drop_paths_returns_a_copy_without_the_paths() -> None:
    dropped = drop_paths(DATA, ["conf[].auth.token", "name"])
    assert dropped == {"conf": [{"auth": {"user": "u"}}, {"auth": {}}], "values": {"a.b": 1}}
    assert DATA["conf"][0]["auth"]["token"] == "t1" and DATA["name"] == "n"  # input untouched


def test_mask_paths_masks_present_values_only() -> None:
    masked = mask_paths(DATA, ["conf[].auth.token"])
    assert [c["auth"]["token"] for c in masked["conf"]] == ["(sensitive)", None]


def test_covers_and_below_relate_patterns_to_concrete_paths() -> None:
    assert covers("conf[].auth", "conf[3].auth.token")
    assert not covers("conf[].auth.token", "conf[3].auth")
    assert below("conf[].auth.token", "conf[3]") == "auth.token"
    assert below("conf[].auth.token", "name") is None


# --- secrets never enter the plan --------------------------------------------------------
def _secret_plan() -> Plan:
    inputs = make_inputs(
        {
            "test_location.new": {"code": "NEW", "password": "hunter2-pw"},
            "test_location.ist": {"code": "IST", "password": "hunter2-pw", "type": "store"},
            "test_hook.orders": {
                "url": "https://h",
                "auth": {"user": "u", "token": "tok-live-123"},
            },
            "test_setting.key": {
                "key": "K",
                "value": "sk-setting-value",
                "_secret_paths": ["value"],
            },
        },
        {
            "test_location": [{"id": 1, "fields": {"code": "IST"}}],
            "test_hook": [{"id": 2, "fields": {"url": "https://h", "auth": {"user": "v"}}}],
            "test_setting": [{"id": 3, "fields": {"key": "K", "value": "sk-old-setting"}}],
        },
        ledger={
            "test_location.ist": {"password": "other"},
            "test_hook.orders": {"auth.token": "x"},
        },
    )
    return build_plan(inputs)


def test_no_secret_value_anywhere_in_the_plan() -> None:
    plan = _secret_plan()
    assert {c.action for c in plan.changes} == {Action.CREATE, Action.REPLACE, Action.UPDATE}
    saved = plan.to_json()
    for secret in SECRETS:
        assert secret not in saved
    hook = next(c for c in plan.changes if c.address == "test_hook.orders")
    assert {f.path: f.sensitive for f in hook.fields} == {"auth.token": True, "auth.user": False}


def test_a_changed_parent_of_a_secret_masks_the_secret_inside() -> None:
    inputs = make_inputs(
        {
            "test_hook.h": {
                "url": "u",
                "auth": {"user": "tok-live-123"},
                "_secret_paths": ["auth.user"],
            }
        },
        {"test_hook": [{"id": 1, "fields": {"url": "u"}}]},
    )
    plan = build_plan(inputs)
    (field,) = plan.changes[0].fields
    assert (field.path, field.before, field.after) == ("auth", None, {"user": "(sensitive)"})
    assert "tok-live-123" not in plan.to_json()


# --- determinism, preconditions, identity ------------------------------------------------------
def test_equal_inputs_give_byte_identical_plans_whatever_the_set_order() -> None:
    tags_a = ["t" + str(i) for i in range(40)]

    def plan_for(tags: list[str]) -> str:
        inputs = make_inputs(
            {"test_location.a": {"code": "A", "tags": tags}},
            {"test_location": [{"id": 1, "fields": {"code": "A", "tags": ["zzz"]}}]},
        )
        return build_plan(inputs).to_json()

    assert plan_for(tags_a) == plan_for(list(reversed(tags_a)))


def test_precondition_is_the_fingerprint_as_read_and_none_for_creates() -> None:
    inputs = make_inputs(
        {"test_location.a": {"code": "A", "priority": 2}, "test_location.b": {"code": "B"}},
        {
            "test_location": [
                {"id": 9, "fingerprint": "2024-01-01T00:00:00Z", "fields": {"code": "A"}}
            ]
        },
    )
    by_address = {c.address: c for c in build_plan(inputs).changes}
    assert by_address["test_location.a"].precondition == "2024-01-01T00:00:00Z"
    assert by_address["test_location.a"].remote_id == 9
    assert by_address["test_location.b"].precondition is None


def test_deepdiff_runs_only_for_pairs_that_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    real = diff_fields.changed_paths
    monkeypatch.setattr(diff_fields, "changed_paths", lambda b, a: calls.append(1) or real(b, a))
    desired = {f"test_location.l{i}": {"code": f"L{i}", "tags": ["a", "b"]} for i in range(500)}
    current = [{"id": i, "fields": {"code": f"L{i}", "tags": ["b", "a"]}} for i in range(500)]
    current[7]["fields"]["priority"] = 3
    plan = build_plan(make_inputs(desired, {"test_location": current}))
    assert plan.summary.update == 1 and plan.summary.unchanged == 499
    assert len(calls) == 1


def test_a_deleted_object_keeps_the_address_the_ledger_knew() -> None:
    inputs = make_inputs(
        {},
        {"test_location": [{"id": 1, "fields": {"code": "OLD"}}]},
        prune=["test_location"],
        known_addresses={"test_location[OLD]": "test_location.old_wh"},
    )
    (change,) = build_plan(inputs).changes
    assert (change.address, change.action, change.key) == (
        "test_location.old_wh",
        Action.DELETE,
        "OLD",
    )


def test_an_object_whose_key_the_ledger_stores_masked_is_known_by_its_id() -> None:
    inputs = make_inputs(
        {},
        {"test_location": [{"id": 7, "fields": {"code": "OLD"}}]},
        prune=["test_location"],
        known_addresses={
            "test_location[(sensitive)]": "test_location.x",
            "test_location#7": "test_location.old",
        },
    )
    (change,) = build_plan(inputs).changes
    assert (change.address, change.action) == ("test_location.old", Action.DELETE)


def test_protect_by_name_also_covers_an_object_whose_yaml_was_removed() -> None:
    inputs = make_inputs(
        {},
        {"test_location": [{"id": 1, "fields": {"code": "OLD"}}]},
        prune=["test_location"],
        protect=["test_location.old_wh"],
        known_addresses={"test_location[OLD]": "test_location.old_wh"},
    )
    with pytest.raises(UnsafePlanError, match=r"rule 'test_location\.old_wh'"):
        build_plan(inputs)


def test_undeclared_objects_can_be_targeted_as_kind_dot_key() -> None:
    inputs = make_inputs(
        {"test_location.a": {"code": "A", "priority": 1}},
        {"test_location": [{"id": 1, "fields": {"code": "A"}}, {"id": 2, "fields": {"code": "X"}}]},
        prune=["test_location"],
        targets=["test_location.X"],
    )
    plan = build_plan(inputs)
    assert [c.address for c in plan.changes] == ["test_location[X]"]


def test_live_duplicates_of_a_key_in_a_managed_kind_are_a_plan_error_listing_the_ids() -> None:
    # a note let a drift job exit 0 on duplicates two concurrent applies made (issue 9 item 1)
    inputs = make_inputs(
        {"test_location.a": {"code": "A"}},
        {"test_location": [{"id": 1, "fields": {"code": "A"}}, {"id": 2, "fields": {"code": "A"}}]},
    )
    with pytest.raises(
        PlanError,
        match=r"2 live test_location objects share the natural key 'A' "
        r"\(ids 1, 2\).*Delete the duplicates",
    ):
        build_plan(inputs)


def test_live_duplicates_in_a_pruned_kind_the_yaml_does_not_declare_are_a_plan_error() -> None:
    inputs = make_inputs(
        {},
        {"test_location": [{"id": 1, "fields": {"code": "A"}}, {"id": 2, "fields": {"code": "A"}}]},
        prune=["test_location"],
    )
    with pytest.raises(PlanError, match=r"ids 1, 2"):
        build_plan(inputs)


def test_live_duplicates_in_a_kind_only_referenced_are_a_warning() -> None:
    inputs = make_inputs(
        {"test_scenario.s": {"name": "S", "location": "A"}},
        {"test_location": [{"id": 1, "fields": {"code": "A"}}, {"id": 2, "fields": {"code": "A"}}]},
    )
    plan = build_plan(inputs)
    assert [c.address for c in plan.changes] == ["test_scenario.s"]
    (note,) = plan.notes
    assert note.category == "warning" and "ids 1, 2" in note.message


def _keyless_location(remote_id: int, code: str | None) -> Remote[Any]:
    spec = PLAN_KINDS["test_location"].spec_model.model_construct(code=code, name="x")
    return Remote(id=remote_id, spec=spec, fingerprint=f"v-{remote_id}")


@pytest.mark.parametrize("code", [None, ""])
def test_a_live_object_without_its_key_field_is_a_plan_error_not_a_delete_and_create(
    code: str | None,
) -> None:
    # the API dropped or nulled the key (target_url: null): issue 9 item 11
    inputs = make_inputs({"test_location.a": {"code": "A"}}, {}, prune=["test_location"])
    inputs = dataclasses.replace(inputs, current={"test_location": [_keyless_location(7, code)]})
    with pytest.raises(
        PlanError,
        match=r"test_location id 7: the live object has no code "
        r"\(missing or null\)",
    ):
        build_plan(inputs)


def test_a_live_object_without_its_key_in_a_kind_only_referenced_is_left_out_with_a_note() -> None:
    inputs = make_inputs({"test_scenario.s": {"name": "S", "location": "A"}}, {})
    located = [make_remote("test_location", {"id": 1, "fields": {"code": "A"}})]
    current = {**inputs.current, "test_location": [*located, _keyless_location(7, None)]}
    plan = build_plan(dataclasses.replace(inputs, current=current))
    assert [c.address for c in plan.changes] == ["test_scenario.s"]
    assert any("id 7" in n.message and n.category == "warning" for n in plan.notes)


def test_duplicate_declared_keys_are_a_plan_error() -> None:
    inputs = make_inputs({"test_location.a": {"code": "A"}, "test_location.b": {"code": "A"}}, {})
    with pytest.raises(PlanError, match="both declare test_location 'A'"):
        build_plan(inputs)


def test_a_declared_kind_that_was_not_read_is_refused() -> None:
    desired = {"test_location.a": make_desired("test_location.a", {"code": "A"})}
    inputs = PlanInputs(
        brand="t", desired=desired, current={}, resources=PLAN_KINDS, provider_of=PLAN_PROVIDER_OF
    )
    with pytest.raises(PlanError, match="were not read"):
        build_plan(inputs)


def test_write_only_comparison_needs_a_fingerprint_function() -> None:
    desired = {"test_location.a": make_desired("test_location.a", {"code": "A", "password": "p"})}
    current = {"test_location": [make_remote("test_location", {"id": 1, "fields": {"code": "A"}})]}
    inputs = PlanInputs(
        brand="t",
        desired=desired,
        current=current,
        resources=PLAN_KINDS,
        provider_of=PLAN_PROVIDER_OF,
        fingerprints={"test_location.a": {"password": "fp:x"}},
    )
    with pytest.raises(PlanError, match="fingerprint function"):
        build_plan(inputs)


def test_the_fingerprint_function_gets_the_slot_and_the_plain_value() -> None:
    seen: list[tuple[str, Any]] = []

    def fingerprint(slot: str, value: Any) -> str:
        seen.append((slot, value))
        return "same"

    inputs = make_inputs(
        {"test_location.a": {"code": "A", "password": "p"}},
        {"test_location": [{"id": 1, "fields": {"code": "A"}}]},
    )
    recorded = {"test_location.a": {"password": "same"}}
    inputs = dataclasses.replace(inputs, fingerprint=fingerprint, fingerprints=recorded)
    assert build_plan(inputs).changes == ()
    assert seen == [(secret_slot("test_location.a", "password"), "p")]
    assert secret_slot("test_location.a", "password") == "test_location.a:password"


def test_changed_paths_name_nested_fields_list_positions_and_whole_sets() -> None:
    from omsform.paths import SetValue, changed_paths

    before = {"a": 1, "n": {"x": 1, "y": 2}, "l": [{"k": 1}], "s": SetValue(("a", "b"))}
    after = {"a": 2, "n": {"x": 1, "y": 3}, "l": [{"k": 1}, {"k": 2}], "s": SetValue(("a", "c"))}
    assert changed_paths(before, after) == [
        ("a", 1, 2),
        ("l[1]", None, {"k": 2}),
        ("n.y", 2, 3),
        ("s", ("a", "b"), ("a", "c")),
    ]


class _AppSpec(Spec):
    code: str
    encryption_key: str | None = None


class _App(Resource[_AppSpec]):
    """Like ginesys_oms_app: an immutable write-only field, no delete+create."""

    kind = "test_app"
    spec_model = _AppSpec
    key_fields = ("code",)
    write_only = ("encryption_key",)
    immutable = frozenset({"encryption_key"})
    replace_allowed = False


def test_adding_an_immutable_write_only_value_is_manual_work() -> None:
    desired = {"test_app.main": Desired("test_app.main", "test_app", "main", _AppSpec(code="A"))}
    with_key = _AppSpec(code="A", encryption_key="k-123456")
    current = {"test_app": [Remote(id=1, spec=_AppSpec(code="A"), fingerprint="f")]}
    inputs = PlanInputs(
        brand="t",
        desired={"test_app.main": dataclasses.replace(desired["test_app.main"], spec=with_key)},
        current=current,
        resources={"test_app": _App},
        provider_of={"test_app": "testing"},
        fingerprints={"test_app.main": {}},  # apply created it, without an encryption key
        fingerprint=lambda slot, value: f"fp:{value}",
    )
    (change,) = build_plan(inputs).changes
    assert change.action is Action.MANUAL
    assert "encryption_key" in change.reason
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        ("encryption_key", None, "(sensitive)")
    ]
    assert "k-123456" not in build_plan(inputs).to_json()


def _locations(codes: list[str], first_id: int = 1) -> list[dict[str, Any]]:
    return [{"id": first_id + i, "fields": {"code": c, "name": "n"}} for i, c in enumerate(codes)]


def test_the_plan_does_not_depend_on_the_order_the_live_objects_are_listed_in() -> None:
    # more objects than the planner keys at a time (64), so lookups reach far down the list
    codes = [f"L{i:03d}" for i in range(150)]
    desired: dict[str, dict[str, Any]] = {
        f"test_location.{c.lower()}": {"code": c, "name": "n"} for c in [*codes[:140], "NEW"]
    }
    desired["test_location.l007"]["name"] = "changed"
    desired["test_scenario.s"] = {"name": "S", "location": "L149"}  # only live, listed last
    live = _locations(codes)

    def plan_of(listed: list[dict[str, Any]]) -> str:
        inputs = make_inputs(desired, {"test_location": listed}, prune=["test_location"])
        return build_plan(inputs).model_dump_json()

    in_order = plan_of(live)
    assert plan_of(live[::-1]) == in_order
    assert plan_of(live[75:] + live[:75]) == in_order
    plan = Plan.model_validate_json(in_order)
    assert {(c.address, c.action) for c in plan.changes if c.action is not Action.DELETE} == {
        ("test_location.l007", Action.UPDATE),
        ("test_location.new", Action.CREATE),
        ("test_scenario.s", Action.CREATE),
    }
    assert sum(c.action is Action.DELETE for c in plan.changes) == 10  # L140..L149, undeclared


def test_live_duplicates_listed_far_apart_are_named_in_the_order_listed() -> None:
    codes = [*(f"L{i:03d}" for i in range(130)), "L005"]
    inputs = make_inputs(
        {"test_location.l005": {"code": "L005", "name": "n"}},
        {"test_location": _locations(codes[::-1])},
    )
    with pytest.raises(PlanError, match=r"share the natural key 'L005' \(ids 1, 126\)"):
        build_plan(inputs)
