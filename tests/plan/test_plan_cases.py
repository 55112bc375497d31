"""Data-driven plan cases: ``tests/plan_cases/<kind>/<case>.yaml``, one test each.

A case gives ``desired`` (address → fields; ``_depends_on``/``_secret_paths`` for the Desired
wrapper), ``current`` (list of ``{id, fields, fingerprint?, server?, kind?}``, kind defaulting to
the directory name), and optionally ``ledger`` (address → path → plain value last sent),
``prune``, ``protect``, ``targets``, ``excludes``, ``refresh_secrets``, ``read`` (extra kinds
that were read, empty). It expects either ``error`` (``type`` and ``contains`` substrings) or
``expected`` (the changes in plan order: ``address``, ``action`` name, ``paths``; optionally
``forces``, ``sensitive``, ``level``, ``depends_on``, ``fields`` as path → [before, after]),
plus optional ``unchanged`` (count) and ``notes`` (``category`` and ``contains``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from omsform import errors
from omsform.plan.build import build_plan
from omsform.plan.model import Action, Change, Plan
from tests.fixtures.kinds import make_inputs

CASES = Path(__file__).resolve().parents[1] / "plan_cases"
CASE_FILES = sorted(CASES.glob("*/*.yaml"))


def _inputs(case: dict[str, Any], kind: str) -> Any:
    current: dict[str, list[dict[str, Any]]] = {kind: []}
    for item in case.get("current") or []:
        current.setdefault(item.get("kind", kind), []).append(item)
    options = {
        name: case[name]
        for name in (
            "prune",
            "protect",
            "targets",
            "excludes",
            "refresh_secrets",
            "read",
            "known_addresses",
        )
        if name in case
    }
    return make_inputs(case.get("desired") or {}, current, ledger=case.get("ledger"), **options)


def _check_change(change: Change, want: dict[str, Any]) -> None:
    where = f"{want['address']}"
    assert change.address == want["address"]
    assert change.action is Action[want["action"].upper()], where
    assert [f.path for f in change.fields] == want.get("paths", []), where
    by_path = {f.path: f for f in change.fields}
    if "forces" in want:
        assert [f.path for f in change.fields if f.forces_replace] == want["forces"], where
    if "sensitive" in want:
        assert [f.path for f in change.fields if f.sensitive] == want["sensitive"], where
    for path, (before, after) in want.get("fields", {}).items():
        assert (by_path[path].before, by_path[path].after) == (before, after), f"{where} {path}"
    if "level" in want:
        assert change.level == want["level"], where
    if "depends_on" in want:
        assert list(change.depends_on) == want["depends_on"], where
    if "reason" in want:
        assert want["reason"] in change.reason, where


def _check_plan(plan: Plan, case: dict[str, Any]) -> None:
    expected = case.get("expected") or []
    assert [c.address for c in plan.changes] == [e["address"] for e in expected]
    for change, want in zip(plan.changes, expected, strict=True):
        _check_change(change, want)
    if "unchanged" in case:
        assert plan.summary.unchanged == case["unchanged"]
    notes = case.get("notes")
    if notes is not None:
        assert len(plan.notes) == len(notes), [n.message for n in plan.notes]
        for note, want in zip(plan.notes, notes, strict=True):
            assert note.category == want["category"]
            for text in want.get("contains", []):
                assert text in f"{note.address}: {note.message}"


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_plan_case(path: Path) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    inputs = _inputs(case, path.parent.name)
    if "error" in case:
        error_type = getattr(errors, case["error"]["type"])
        with pytest.raises(error_type) as caught:
            build_plan(inputs)
        for text in case["error"].get("contains", []):
            assert text in str(caught.value)
        return
    plan = build_plan(inputs)
    _check_plan(plan, case)
    assert build_plan(inputs).to_json() == plan.to_json(), "equal inputs give identical plans"


def test_there_are_enough_cases() -> None:
    assert len(CASE_FILES) >= 15
