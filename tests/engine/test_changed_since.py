"""The pure parts of ``plan --changed-since``: a resource file's kinds read from its text, the
kinds a ledger diff touches, the reach of a change over the kind graph, and the partial plan's
JSON (absent from a complete plan, so saved plans keep their checksums)."""

from __future__ import annotations

import json

from omsform.engine.gitdiff import CONFIG_FILES, ledger_kinds, top_level_kinds
from omsform.lang.config import CONFIG_FILE, VARS_FILE
from omsform.plan.model import Plan
from omsform.plan.select import reach

KNOWN = {"oms_webhook", "oms_channel", "oms_scenario", "oms_stock_location"}


def test_top_level_kinds_are_the_known_keys_at_column_0() -> None:
    text = """# a comment
---
oms_webhook:
  a: {event_type: x}
"oms_channel":
{% for s in vars.stores %}
  {{ s.code }}: {name: x}
{% endfor %}
not_a_kind: 1
"""
    assert top_level_kinds(text, KNOWN) == {"oms_webhook", "oms_channel"}
    # the same lines, broken the Windows or the old Mac way: the same kinds
    assert top_level_kinds(text.replace("\n", "\r\n"), KNOWN) == {"oms_webhook", "oms_channel"}
    assert top_level_kinds(text.replace("\n", "\r"), KNOWN) == {"oms_webhook", "oms_channel"}
    assert top_level_kinds("oms_scenario:\n  a: {}\n" + text, KNOWN) == KNOWN - {
        "oms_stock_location"
    }


def test_a_templated_top_level_key_cannot_be_read_without_rendering() -> None:
    assert top_level_kinds("{{ kind }}:\n  a: 1\n", KNOWN) is None
    assert top_level_kinds("oms_webhook: {}\n", KNOWN) == {"oms_webhook"}  # an emptied kind


def ledger(salt: str, **resources: dict[str, object]) -> str:
    return json.dumps({"salt": salt, "resources": resources})


def test_ledger_kinds_are_those_whose_entries_differ() -> None:
    old = ledger("aa", **{"oms_webhook.a": {"kind": "oms_webhook", "id": 1}})
    new = ledger(
        "aa",
        **{"oms_webhook.a": {"kind": "oms_webhook", "id": 1}, "oms_channel.web": {"id": 2}},
    )
    assert ledger_kinds(old, new) == {"oms_channel"}
    assert ledger_kinds(None, old) == {"oms_webhook"}  # a ledger added since REF
    assert ledger_kinds(old, old) == set()


def test_a_new_salt_or_an_unreadable_ledger_means_every_kind() -> None:
    assert ledger_kinds(ledger("aa"), ledger("bb")) is None
    assert ledger_kinds("{not json", ledger("aa")) is None


def test_reach_is_one_step_both_ways() -> None:
    graph = {"oms_scenario": {"oms_stock_location", "oms_channel"}, "oms_channel": {"x"}}
    assert reach({"oms_stock_location"}, graph) == {"oms_stock_location", "oms_scenario"}
    assert reach({"oms_scenario"}, graph) == {"oms_scenario", "oms_stock_location", "oms_channel"}
    assert reach({"oms_webhook"}, graph) == {"oms_webhook"}


def test_only_a_partial_plan_carries_complete_and_left_out() -> None:
    whole = Plan(brand="acme")
    assert {"complete", "left_out", "changed_since"}.isdisjoint(json.loads(whole.to_json()))
    partial = whole.model_copy(
        update={"complete": False, "left_out": ("oms_channel",), "changed_since": "origin/main"}
    )
    doc = json.loads(partial.to_json())
    assert (doc["complete"], doc["left_out"], doc["changed_since"]) == (
        False,
        ["oms_channel"],
        "origin/main",
    )
    assert Plan.from_json(partial.to_json()) == partial
    assert partial.checksum() != whole.checksum()


def test_the_diff_names_the_same_configuration_files_as_the_loader() -> None:
    # gitdiff keeps its own copy (it must not import the configuration's models): a change to
    # omsform.yaml or vars.yaml makes the plan full only while the names agree
    assert CONFIG_FILES == (CONFIG_FILE, VARS_FILE)
