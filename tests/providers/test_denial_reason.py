"""Contract tests for ``oms_denial_reason`` against the sandbox: full CRUD keyed by title, no
timestamps in the API (versions are content hashes), server defaults as no change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from omsform.errors import ConfigError
from tests.harness import BrandHarness, actions

PATH = "/api/v1/oms/packages/package_denial_reason/"
REASONS = """\
    oms_denial_reason:
      missing_item:
        title: Ürün eksik
        priority: 1
        remote_id: 12
      damaged:
        title: Damaged
    """


def _live(h: BrandHarness) -> dict[str, dict[str, Any]]:
    rows = h.raw.get(PATH, params={"page_size": 100}).json()["results"]
    return {row["title"]: row for row in rows}


def test_create_update_delete(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.config(prune=("oms_denial_reason",))
    h.write({"reasons.yaml": REASONS})
    assert actions(h.plan()) == {
        "oms_denial_reason.damaged": "+",
        "oms_denial_reason.missing_item": "+",
    }
    h.converge()
    live = _live(h)
    # a numeric ERP id is the string the API stores; omitted fields are the server's defaults
    assert live["Ürün eksik"]["remote_id"] == "12"
    assert (live["Damaged"]["priority"], live["Damaged"]["remote_id"]) == (None, None)

    updated = REASONS.replace("priority: 1", "priority: 3")
    h.write({"reasons.yaml": updated})
    plan = h.plan()
    assert actions(plan) == {"oms_denial_reason.missing_item": "~"}
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [("priority", 1, 3)]
    # no modified_date in the API: the precondition is a hash of the object as read
    assert (plan.changes[0].precondition or "").startswith("sha256:")
    h.converge()

    h.write({"reasons.yaml": updated.split("      damaged:")[0]})
    # named by the address the ledger knew it by
    assert actions(h.plan()) == {"oms_denial_reason.damaged": "-"}
    h.converge()
    assert sorted(_live(h)) == ["Ürün eksik"]


def test_the_title_defaults_to_the_local_name(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"reasons.yaml": "oms_denial_reason: {out_of_stock: {is_active: false}}\n"})
    h.converge()
    assert _live(h)["out_of_stock"]["is_active"] is False


def test_an_empty_erp_id_set_by_a_person_is_no_change(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"reasons.yaml": REASONS})
    h.converge()
    damaged = _live(h)["Damaged"]
    h.raw.patch(f"{PATH}{damaged['id']}/", json={"remote_id": ""})
    assert not h.plan().has_changes
    # while a real edit is drift, reported against what the YAML says
    h.raw.patch(f"{PATH}{damaged['id']}/", json={"is_active": False})
    plan = h.plan()
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("is_active", False, True)
    ]
    h.converge()


def test_undeclared_reasons_are_only_listed_unless_pruned(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.raw.post(PATH, json={"title": "Legacy"})
    h.write({"reasons.yaml": REASONS})
    plan = h.plan()
    assert "oms_denial_reason[Legacy]" not in actions(plan)
    assert [n.message for n in plan.notes if n.category == "unmanaged"] == [
        "1 unmanaged oms_denial_reason object; add it to the YAML or prune the kind: Legacy"
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("{title: x, priority: -1}", "field 'priority' "),
        ("{title: ''}", "field 'title' "),
    ],
)
def test_values_the_api_refuses_are_refused_where_written(
    tmp_path: Path, fields: str, expected: str
) -> None:
    h = BrandHarness(tmp_path)
    h.write({"reasons.yaml": f"oms_denial_reason:\n  r: {fields}\n"})
    with pytest.raises(ConfigError) as err:
        h.load()
    (problem,) = err.value.problems
    assert "reasons.yaml:2" in str(problem)
    assert problem.message.startswith(expected)
