"""Live webhooks that cannot be told apart by their natural key, against the sandbox: a key
field emptied in the back office, or two subscriptions sharing one key, stop the plan (exit 1)
naming the ids, instead of a delete + create or a warning that lets drift jobs pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.errors import PlanError
from tests.harness import BrandHarness

HOOK = """\
    oms_webhook:
      packed:
        event_type: package.status.packed
        target_url: https://erp.example.com/hooks/packed
    """


def _applied(tmp_path: Path) -> tuple[BrandHarness, dict[str, object]]:
    h = BrandHarness(tmp_path)
    h.config(prune=("oms_webhook",))
    h.write({"hooks.yaml": HOOK})
    h.converge()
    [hook] = h.raw.get("/_sandbox/objects/oms_hooks").json()
    return h, hook


def test_a_webhook_whose_target_url_was_emptied_is_a_plan_error_not_a_replace(
    tmp_path: Path,
) -> None:
    h, hook = _applied(tmp_path)
    h.raw.patch(f"/_sandbox/objects/oms_hooks/{hook['id']}", json={"target_url": ""})
    h.reset_stats()
    with pytest.raises(PlanError, match=rf"oms_webhook id {hook['id']}: .* no target_url"):
        h.plan()


def test_two_live_webhooks_with_one_key_are_a_plan_error_listing_both_ids(tmp_path: Path) -> None:
    h, hook = _applied(tmp_path)
    body = {"event_type": hook["event_type"], "target_url": hook["target_url"]}
    twin = h.raw.post("/whisperer/hooks/", json=body)
    assert twin.status_code == 201, twin.text
    with pytest.raises(PlanError) as refused:
        h.plan()
    assert f"(ids {hook['id']}, {twin.json()['id']})" in str(refused.value)
    assert "Delete the duplicates" in str(refused.value)
