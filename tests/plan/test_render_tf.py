"""``--format tf-json``: omsform plans in Terraform's plan JSON vocabulary (format 1.2 names),
read by rules written the way conftest/OPA policies for ``terraform show -json`` are."""

from __future__ import annotations

import json
from typing import Any

from omsform.cli.multi import plan_exit_code, worst
from omsform.plan.model import Action, Change, FieldChange, Plan, Summary
from omsform.plan.render_tf import TF_FORMAT_VERSION, drift_entries, render_tf_json, tf_document
from omsform.secrets import SENSITIVE


def change(action: Action, name: str, *fields: FieldChange, **extra: Any) -> Change:
    kind = extra.pop("kind", "oms_stock_location")
    return Change(
        address=f"{kind}.{name}",
        kind=kind,
        key=name.upper(),
        provider="akinon_oms",
        action=action,
        fields=fields,
        **extra,
    )


def plan_of(*changes: Change) -> Plan:
    return Plan(brand="acme", changes=changes, summary=Summary.of(changes))


PLAN = plan_of(
    change(
        Action.CREATE,
        "ist",
        FieldChange(path="name", after="İstanbul"),
        FieldChange(path="address.city", after="Istanbul"),
        FieldChange(path="password", after=SENSITIVE, sensitive=True),
    ),
    change(
        Action.UPDATE,
        "ank",
        FieldChange(path="priority", before=1, after=2),
        FieldChange(path="api_key", before=SENSITIVE, after=SENSITIVE, sensitive=True),
        remote_id=7,
    ),
    change(
        Action.REPLACE,
        "izm",
        FieldChange(path="erp_code", before="A", after="B", forces_replace=True),
        remote_id=8,
    ),
    change(Action.DELETE, "old", remote_id=9),
    change(Action.RUN, "sync", kind="oms_setup_step", reason="runs the setup step"),
    change(
        Action.MANUAL,
        "app",
        FieldChange(path="app_secret", before=SENSITIVE, after=SENSITIVE, sensitive=True),
        kind="ginesys_oms_app",
        remote_id=3,
    ),
)


# --- a policy as conftest examples write it for Terraform, in Python --------------------------
# deny[msg] { rc := input.resource_changes[_]; rc.type == "oms_stock_location";
#             rc.change.actions[_] == "delete"; msg := sprintf("%s: ...", [rc.address]) }
def deny(tfplan: dict[str, Any]) -> list[str]:
    """Deleting a stock location (a delete or the delete half of a replace) needs a ticket."""
    return [
        f"{rc['address']}: deleting a stock location needs a change ticket"
        for rc in tfplan["resource_changes"]
        if rc["mode"] == "managed"
        and rc["type"] == "oms_stock_location"
        and "delete" in rc["change"]["actions"]
    ]


def count_actions(tfplan: dict[str, Any], action: str) -> int:
    """count([rc | rc := input.resource_changes[_]; rc.change.actions[_] == action])"""
    return sum(1 for rc in tfplan["resource_changes"] if action in rc["change"]["actions"])


def test_actions_map_to_terraform_names() -> None:
    doc = tf_document(PLAN)
    by_address = {rc["address"]: rc for rc in doc["resource_changes"]}
    actions = {a: (c["change"]["actions"], c.get("action_reason")) for a, c in by_address.items()}
    assert actions == {
        "oms_stock_location.ist": (["create"], None),
        "oms_stock_location.ank": (["update"], None),
        "oms_stock_location.izm": (["delete", "create"], "replace_because_cannot_update"),
        "oms_stock_location.old": (["delete"], "delete_because_no_resource_config"),
        "oms_setup_step.sync": (["update"], "omsform_run_step"),
        "ginesys_oms_app.app": (["no-op"], "omsform_manual"),
    }
    assert by_address["ginesys_oms_app.app"]["omsform_manual"] is True
    ist = by_address["oms_stock_location.ist"]
    assert (ist["type"], ist["name"], ist["provider_name"]) == (
        "oms_stock_location",
        "ist",
        "akinon_oms",
    )
    assert by_address["oms_stock_location.izm"]["change"]["replace_paths"] == [["erp_code"]]


def test_the_document_has_terraform_plan_top_level_keys() -> None:
    doc = tf_document(PLAN)
    assert doc["format_version"] == TF_FORMAT_VERSION == "1.2"
    assert doc["errored"] is False and doc["complete"] is True
    assert doc["applyable"] is False  # a manual change blocks apply
    assert doc["resource_drift"] == []  # no attribution in this plan
    assert doc["omsform"]["checksum"] == PLAN.checksum()
    assert tf_document(plan_of(*PLAN.changes[:2]))["applyable"] is True
    assert tf_document(plan_of())["applyable"] is False  # nothing to apply
    assert tf_document(PLAN, complete=False)["complete"] is False
    resources = doc["planned_values"]["root_module"]["resources"]
    assert "oms_stock_location.old" not in {r["address"] for r in resources}  # deleted


def test_before_and_after_nest_fields_and_mask_sensitive_values() -> None:
    by_address = {rc["address"]: rc["change"] for rc in tf_document(PLAN)["resource_changes"]}
    create = by_address["oms_stock_location.ist"]
    assert create["before"] is None and create["before_sensitive"] is False
    assert create["after"] == {"name": "İstanbul", "address": {"city": "Istanbul"}}
    assert create["after_sensitive"] == {"password": True}  # left out of after, marked true
    assert create["after_unknown"] == {"id": True}
    update = by_address["oms_stock_location.ank"]
    assert update["before"] == {"priority": 1, "id": 7}
    assert update["after"] == {"priority": 2, "id": 7}
    assert update["before_sensitive"] == update["after_sensitive"] == {"api_key": True}
    delete = by_address["oms_stock_location.old"]
    assert delete["after"] is None and delete["after_sensitive"] is False
    text = render_tf_json(PLAN)
    assert SENSITIVE not in text  # no mask text: the value is simply not there


def test_a_conftest_style_rule_walks_resource_changes() -> None:
    doc = json.loads(render_tf_json(PLAN))
    assert deny(doc) == [
        "oms_stock_location.izm: deleting a stock location needs a change ticket",
        "oms_stock_location.old: deleting a stock location needs a change ticket",
    ]
    assert count_actions(doc, "create") == 2  # the create and the create half of the replace
    assert count_actions(doc, "no-op") == 1


def test_resource_drift_comes_from_drift_attribution_when_the_plan_has_it() -> None:
    drifted = change(Action.UPDATE, "ank", FieldChange(path="priority", before=5, after=2))

    class Attributed(Plan):
        @property
        def drift(self) -> tuple[Change, ...]:
            return (drifted,)

    entries = drift_entries(Attributed(brand="acme", changes=(drifted,)))
    # what happened outside omsform: the applied value 2 moved to the live 5
    assert [e["change"]["actions"] for e in entries] == [["update"]]
    assert entries[0]["change"]["before"] == {"priority": 2}
    assert entries[0]["change"]["after"] == {"priority": 5}


def test_exit_codes_and_their_order() -> None:
    assert worst([0, 2, 4, 1]) == 1 and worst([0, 2, 4]) == 4 and worst([2, 0]) == 2
    assert worst([]) == 0
    assert plan_exit_code(PLAN, detailed=True, drift=False) == 2
    assert plan_exit_code(PLAN, detailed=False, drift=True) == 2  # changes, no drift
    assert plan_exit_code(PLAN, detailed=False, drift=False) == 0
    assert plan_exit_code(plan_of(), detailed=True, drift=True) == 0
