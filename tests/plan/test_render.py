"""Text, Markdown and JSON renderings of one plan, the apply report, and saved-plan integrity."""

from __future__ import annotations

import json
import re

import pytest

from omsform.apply.report import ApplyReport
from omsform.plan.build import build_plan
from omsform.plan.model import Action, Change, FieldChange, Note, Plan, Summary
from omsform.plan.render import (
    NO_CHANGES,
    render_apply_report,
    render_json,
    render_markdown,
    render_text,
)
from tests.fixtures.kinds import make_inputs

SECRETS = ("hunter2-pw", "tok-live-123", "sk-setting-value", "sk-old-setting")


def _plan() -> Plan:
    inputs = make_inputs(
        {
            "test_location.new": {
                "code": "NEW",
                "name": "New [bold]x[/bold]",
                "password": "hunter2-pw",
            },
            "test_location.ist": {"code": "IST", "priority": 20, "password": "hunter2-pw"},
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
            "test_location": [
                {"id": 1, "fields": {"code": "IST", "priority": 10}},
                {"id": 5, "fields": {"code": "OLD"}},
            ],
            "test_hook": [{"id": 2, "fields": {"url": "https://h", "auth": {"user": "u"}}}],
            "test_setting": [{"id": 3, "fields": {"key": "K", "value": "sk-old-setting"}}],
        },
        ledger={"test_location.ist": {"password": "old"}},
        prune=["test_location"],
    )
    return build_plan(inputs)


def test_text_shows_one_block_per_change_and_the_summary_line() -> None:
    text = render_text(_plan(), color=False)
    assert "  ~ test_location.ist\n      password: (sensitive value changed)\n" in text
    assert "      priority: 10 → 20\n" in text
    assert "  + test_location.new\n" in text and "      password: (sensitive)\n" in text
    # made by hand (the ledger tracks test_location and never wrote it): drift, shown first
    assert "  - test_location[OLD]  (not declared; test_location is pruned)  [drift]\n" in text
    assert text.startswith("Changed outside omsform")
    assert "Unverified:\n  test_hook.orders: auth.token" in text
    assert text.rstrip().endswith(
        "Plan: 1 to create, 2 to update, 0 to replace, 1 to delete, 0 steps to run, 0 manual."
    )


def test_text_prints_values_literally_not_as_markup() -> None:
    assert 'name: "New [bold]x[/bold]"' in render_text(_plan(), color=True)


def test_no_colour_means_no_escape_codes_and_colour_means_some() -> None:
    plan = _plan()
    assert "\x1b" not in render_text(plan, color=False)
    assert "\x1b[" in render_text(plan, color=True)


def test_an_empty_plan_says_nothing_changes() -> None:
    plan = Plan(brand="b", summary=Summary(unchanged=4))
    assert render_text(plan, color=False) == NO_CHANGES + "\n"
    assert NO_CHANGES in render_markdown(plan)


def test_no_secret_in_any_rendering() -> None:
    plan = _plan()
    outputs = [
        render_text(plan, color=False),
        render_text(plan, color=True),
        render_markdown(plan),
        render_markdown(plan, budget=400),
        render_json(plan),
    ]
    for output in outputs:
        for secret in SECRETS:
            assert secret not in output


def test_markdown_opens_with_the_summary_table_then_details_per_change() -> None:
    md = render_markdown(_plan())
    table = md.index("| create | update | replace | delete | run | manual | unchanged |")
    assert table < md.index("<details>")
    # 4 changes, and the hand-made OLD once more in "Changed outside omsform", which comes first
    assert md.count("<details>") == 5
    assert md.index("Changed outside omsform") < md.index("Planned changes")
    assert "<summary><code>~ test_location.ist</code></summary>" in md
    assert "```text\npassword: (sensitive value changed)\npriority: 10 → 20\n```" in md


def _big_plan(n: int) -> Plan:
    changes = tuple(
        Change(
            address=f"oms_x.o{i:04d}",
            kind="oms_x",
            key=str(i),
            provider="p",
            action=Action.UPDATE,
            fields=(FieldChange(path="description", before="a" * 200, after="b" * 200),),
        )
        for i in range(n)
    )
    return Plan(brand="b", changes=changes, summary=Summary.of(changes))


def test_markdown_over_budget_drops_field_detail_and_says_so() -> None:
    plan = _big_plan(50)
    md = render_markdown(plan, budget=8_000)
    assert len(md) <= 8_000
    assert "lines of the planned changes left out to fit the comment" in md
    assert md.count("<details>") < 50 and md.count("<details>") == md.count("</details>")
    assert "<code>~ oms_x.o0049</code> (1 field)" in md  # the last lose their detail first
    assert "<summary><code>~ oms_x.o0000</code></summary>" in md


def test_markdown_far_over_budget_cuts_the_list_and_counts_the_rest() -> None:
    md = render_markdown(_big_plan(500), budget=3_000)
    assert len(md) <= 3_000
    left_out = re.search(r"_… (\d+) lines of the planned changes left out", md)
    assert left_out and int(left_out.group(1)) > 3_000
    assert md.rstrip().endswith("</sub>")  # the checksum foot is never cut


def test_markdown_fences_survive_backticks_in_values() -> None:
    change = Change(
        address="oms_x.a",
        kind="oms_x",
        key="a",
        provider="p",
        action=Action.UPDATE,
        fields=(FieldChange(path="note", before="```", after="x"),),
    )
    md = render_markdown(Plan(brand="b", changes=(change,)))
    assert '````text\nnote: "```" → "x"\n````' in md


def test_json_is_the_saved_plan_and_round_trips() -> None:
    plan = _plan()
    text = render_json(plan)
    doc = json.loads(text)
    assert doc["format_version"] == 1 and doc["checksum"] == plan.checksum()
    assert Plan.from_json(text) == plan


def test_an_edited_saved_plan_is_detected() -> None:
    text = render_json(_plan())
    tampered = text.replace('"after": 20', '"after": 99')
    assert tampered != text
    with pytest.raises(ValueError, match="checksum"):
        Plan.from_json(tampered)


def test_apply_report_lists_outcomes_and_closes_with_the_verdict() -> None:
    report = ApplyReport(
        applied=["oms_x.a"],
        failed=[("oms_x.b", "400: name is required")],
        skipped=[("oms_x.c", "depends on oms_x.b")],
    )
    text = render_apply_report(report, color=False)
    assert "  applied  oms_x.a\n" in text
    assert "  failed   oms_x.b: 400: name is required\n" in text
    assert "  skipped  oms_x.c: depends on oms_x.b\n" in text
    assert "Apply incomplete: 1 applied, 1 failed, 1 skipped." in text
    assert "\x1b" not in text and not report.ok
    done = ApplyReport(applied=["oms_x.a"])
    assert done.ok and "Apply complete: 1 applied, 0 failed, 0 skipped." in render_apply_report(
        done, False
    )


def test_notes_are_grouped_by_category() -> None:
    notes = (
        Note(
            category="unmanaged", address="oms_webhook", message="3 unmanaged oms_webhook objects"
        ),
        Note(category="warning", address="oms_x.a", message="careful"),
    )
    text = render_text(Plan(brand="b", notes=notes), color=False)
    assert "Unmanaged:\n  oms_webhook: 3 unmanaged oms_webhook objects\n" in text
    assert "Warnings:\n  oms_x.a: careful\n" in text
    assert text.endswith(NO_CHANGES + "\n")


def test_a_write_only_value_added_or_removed_says_so_without_showing_it() -> None:
    inputs = make_inputs(
        {
            "test_hook.added": {"url": "https://a", "auth": {"user": "u", "token": "tok-new-77"}},
            "test_hook.removed": {"url": "https://r", "auth": {"user": "u"}},
        },
        {
            "test_hook": [
                {"id": 1, "fields": {"url": "https://a", "auth": {"user": "u"}}},
                {"id": 2, "fields": {"url": "https://r", "auth": {"user": "u"}}},
            ]
        },
        ledger={"test_hook.added": {}, "test_hook.removed": {"auth.token": "tok-old-88"}},
    )
    text = render_text(build_plan(inputs), color=False)
    assert "  ~ test_hook.added\n      auth.token: (sensitive value added)\n" in text
    assert "  ~ test_hook.removed\n      auth.token: (sensitive value removed)\n" in text
    assert "tok-new-77" not in text and "tok-old-88" not in text
