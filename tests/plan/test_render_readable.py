"""Readable plans: the legend, nested values as indented blocks, what a delete removes, and a
webhook whose natural key changed shown (and applied) as one ``-/+`` against the sandbox."""

from __future__ import annotations

from pathlib import Path

from omsform_akinon_oms import api

from omsform.plan.model import Action, Change, FieldChange, Plan, Summary
from omsform.plan.render import legend, render_markdown, render_selection_warning, render_text
from tests.harness import BrandHarness, actions

RULES = [
    {
        "name": "warehouses-first",
        "conditions": {"select_by_location": ["ANK-WH", "IST-WH"], "select_by_geo": []},
        "sorting": [{"field": "priority", "direction": "asc"}],
    }
]


def _plan(*changes: Change) -> Plan:
    return Plan(brand="t", changes=changes, summary=Summary.of(changes))


def _change(action: Action, *fields: FieldChange, address: str = "oms_scenario.web") -> Change:
    return Change(
        address=address,
        kind=address.split(".")[0],
        key=address.split(".")[1],
        provider="p",
        action=action,
        fields=fields,
    )


def test_the_legend_names_only_the_symbols_used() -> None:
    plan = _plan(_change(Action.CREATE), _change(Action.REPLACE, address="oms_webhook.a"))
    assert legend(plan) == "Symbols: + create, -/+ replace (delete, then create)"
    text = render_text(plan, color=False)
    assert text.splitlines()[0] == legend(plan)
    assert "Symbols" not in render_text(_plan(), color=False)


def test_nested_values_of_a_create_are_indented_blocks_not_one_json_line() -> None:
    plan = _plan(_change(Action.CREATE, FieldChange(path="rules", after=RULES)))
    lines = render_text(plan, color=False).splitlines()
    start = lines.index("      rules:")
    assert lines[start + 1 :] == [
        "        - conditions:",
        "            select_by_geo: []",
        "            select_by_location:",
        '              - "ANK-WH"',
        '              - "IST-WH"',
        '          name: "warehouses-first"',
        "          sorting:",
        '            - direction: "asc"',
        '              field: "priority"',
        "",
        "Plan: 1 to create, 0 to update, 0 to replace, 0 to delete, 0 steps to run, 0 manual.",
    ]
    assert max(map(len, lines)) < 100
    assert '  - "ANK-WH"' in render_markdown(plan)


def test_a_delete_lists_what_the_object_holds_with_secrets_masked() -> None:
    plan = _plan(
        _change(
            Action.DELETE,
            FieldChange(path="name", before="Old hook"),
            FieldChange(path="secret_key", before="(sensitive)", sensitive=True),
            FieldChange(path="retry", before={"countdown": 30}),
            address="oms_webhook.old",
        )
    )
    text = render_text(plan, color=False)
    assert '      name: "Old hook"' in text
    assert "      secret_key: (sensitive)" in text
    assert "      retry:\n        countdown: 30" in text


def test_the_selection_warning_names_each_option() -> None:
    assert render_selection_warning((), ()) == ""
    banner = render_selection_warning(["oms_webhook.*"], ["oms_setting.X"])
    assert "--target 'oms_webhook.*', --exclude 'oms_setting.X'" in banner


HOOK = """\
oms_webhook:
  orders:
    event_type: package.status.packed
    target_url: {url}
    secret_key: ${{secret.HOOK_SECRET}}
"""


def test_a_webhook_whose_key_changed_is_one_replace_and_converges(tmp_path: Path) -> None:
    harness = BrandHarness(tmp_path, env={"HOOK_SECRET": "hook-secret-value-9f2c"})
    harness.config(prune=("oms_webhook",))
    harness.write({"hooks.yaml": HOOK.format(url="https://erp.example.com/old")})
    harness.converge()
    harness.write({"hooks.yaml": HOOK.format(url="https://erp.example.com/new")})
    plan = harness.plan()
    assert actions(plan) == {"oms_webhook.orders": "-/+"}
    (change,) = plan.changes
    assert "natural key changed" in change.reason
    assert "https://erp.example.com/old" in change.reason
    assert [f.path for f in change.fields] == ["target_url"]
    text = render_text(plan, color=False)
    assert "-/+ oms_webhook.orders" in text and "hook-secret-value" not in text
    harness.converge()
    hooks = harness.raw.get(api.OMS_HOOKS).json()["results"]
    assert [h["target_url"] for h in hooks] == ["https://erp.example.com/new"]
