"""Write-only values: what the patterns find in the declared object decides, whatever the live
object holds under a field the YAML leaves empty (the fast path must agree with the walk)."""

from __future__ import annotations

from typing import Any

from omsform.plan.compare import Fingerprints
from omsform.plan.writeonly import write_only_changes
from tests.fixtures.kinds import PLAN_KINDS, make_desired, make_remote

HOOK = PLAN_KINDS["test_hook"]
NO_LEDGER = Fingerprints({}, None, refresh=False)


def _changes(desired: dict[str, Any], live: dict[str, Any]) -> tuple[list[Any], list[str]]:
    d = make_desired("test_hook.h", {"url": "https://x", **desired})
    found, unverified, _ = write_only_changes(
        d, make_remote("test_hook", {"id": 1, "fields": live}), HOOK, NO_LEDGER
    )
    return found, unverified


def test_an_empty_declared_list_finds_nothing_even_when_live_items_hold_a_mask() -> None:
    live = {"url": "https://x", "endpoints": [{"name": "a", "secret": "****"}]}
    assert _changes({"endpoints": []}, live) == ([], [])


def test_a_declared_parent_without_the_value_clears_what_the_live_object_holds() -> None:
    live = {"url": "https://x", "auth": {"user": "u", "token": "****"}}
    found, unverified = _changes({"auth": {"user": "u"}}, live)
    assert [(f.path, f.before, f.after) for f in found] == [("auth.token", "(sensitive)", None)]
    assert unverified == []


def test_a_declared_value_with_no_fingerprint_is_left_unverified() -> None:
    live = {"url": "https://x", "endpoints": [{"name": "a"}]}
    found, unverified = _changes({"endpoints": [{"name": "a", "secret": "s3"}]}, live)
    assert found == [] and unverified == ["endpoints[0].secret"]
