"""Contract tests for ``oms_webhook`` against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from omsform.errors import ConfigError, ProviderError
from tests.harness import BrandHarness, actions

SECRETS = {"HOOK_SECRET": "canary-hook-secret-4b2a", "HOOK_TOKEN": "canary-hook-header-e93c"}
HOOK = """\
    oms_webhook:
      package_ready:
        event_type: package.status.packed
        target_url: https://erp.example.com/hooks/packed
        secret_key: ${secret.HOOK_SECRET}
        additional_headers:
          Authorization: "Token ${secret.HOOK_TOKEN}"
          X-Brand: acme-literal-header
        retry_countdown_config: {type: exponential, countdown: 30, max_retries: 5}
    """
ADDRESS = "oms_webhook.package_ready"


def _hooks(h: BrandHarness) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = h.raw.get("/api/v1/oms/oms_hooks/").json()["results"]
    return rows


def test_create_update_delete_round_trip(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.config(prune=("oms_webhook",))
    h.write({"hooks.yaml": HOOK})
    assert actions(h.plan()) == {ADDRESS: "+"}
    h.reset_stats()
    h.converge()
    [hook] = _hooks(h)
    assert hook["event_type"] == "package.status.packed"
    assert hook["retry_countdown_config"] == {
        "type": "exponential",
        "countdown": 30,
        "max_retries": 5,
    }

    h.write({"hooks.yaml": HOOK.replace("max_retries: 5", "max_retries: 8")})
    plan = h.plan()
    assert actions(plan) == {ADDRESS: "~"}
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("retry_countdown_config.max_retries", 5, 8)
    ]
    h.converge()

    h.write({})
    assert actions(h.plan()) == {ADDRESS: "-"}  # named as the ledger knew it
    h.converge()
    assert _hooks(h) == []


def test_writes_use_the_documented_whisperer_endpoints(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.config(prune=("oms_webhook",))

    def writes() -> list[str]:
        return sorted(k for k in h.stats()["by_path"] if not k.startswith("GET "))

    h.write({"hooks.yaml": HOOK})
    h.reset_stats()
    h.apply()
    assert writes() == ["POST /whisperer/hooks/"]
    [hook] = _hooks(h)
    h.write({"hooks.yaml": HOOK.replace("countdown: 30", "countdown: 60")})
    h.reset_stats()
    h.apply()
    assert writes() == [f"PATCH /api/v1/oms/oms_hooks/{hook['id']}/"]
    h.write({})
    h.reset_stats()
    h.apply()
    assert writes() == [f"DELETE /whisperer/hooks/{hook['id']}/"]


def test_secrets_are_write_only_and_never_shown(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": HOOK})
    first = h.plan()
    text = first.to_json()
    assert "canary" not in text and "acme-literal-header" not in text
    h.converge()
    [hook] = _hooks(h)
    assert hook["secret_key"] == "********"
    assert hook["additional_headers"] == {"Authorization": "********", "X-Brand": "********"}

    # a rotated secret is an update, shown only as sensitive
    h.env["HOOK_SECRET"] = "canary-rotated-secret-0f"
    plan = h.plan()
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("secret_key", "(sensitive)", "(sensitive)")
    ]
    assert "canary" not in plan.to_json()
    h.converge()

    # a changed header value likewise
    h.env["HOOK_TOKEN"] = "canary-rotated-token-9e"
    plan = h.plan()
    assert [f.path for f in plan.changes[0].fields] == ["additional_headers[0].value"]
    assert "canary" not in plan.to_json()
    h.converge()


def test_header_names_are_compared(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": HOOK})
    h.converge()
    h.write({"hooks.yaml": HOOK.replace("          X-Brand: acme-literal-header\n", "")})
    plan = h.plan()
    assert actions(plan) == {ADDRESS: "~"}
    assert "X-Brand" in plan.to_json()  # the name is shown, its value is not
    assert "acme-literal-header" not in plan.to_json()
    h.converge()
    [hook] = _hooks(h)
    assert hook["additional_headers"] == {"Authorization": "********"}


def test_drift_in_the_ui_is_repaired(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": HOOK})
    h.converge()
    [hook] = _hooks(h)
    h.raw.patch(f"/api/v1/oms/oms_hooks/{hook['id']}/", json={"is_active": False})
    plan = h.plan()
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("is_active", False, True)
    ]
    h.converge()


def test_a_second_target_is_a_second_object(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    two = HOOK.rstrip(" ") + (
        "      package_ready_backup:\n"
        "        event_type: package.status.packed\n"
        "        target_url: https://backup.example.com/hooks/packed\n"
    )
    h.write({"hooks.yaml": two})
    assert actions(h.plan()) == {ADDRESS: "+", "oms_webhook.package_ready_backup": "+"}
    h.converge()
    assert len(_hooks(h)) == 2


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("package.status.packed", "package created", "event_type"),  # not one word
        ("type: exponential", "type: backoff", "retry_countdown_config.type"),
        ("https://erp.example.com/hooks/packed", "erp.example.com", "target_url"),
    ],
)
def test_invalid_values_are_refused(tmp_path: Path, old: str, new: str, field: str) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": HOOK.replace(old, new)})
    with pytest.raises(ConfigError) as err:
        h.load()
    assert field in str(err.value.problems)


@pytest.mark.parametrize(
    "event", ["package.status.preparing", "package.status.delivered", "package.status.out_of_stock"]
)
def test_every_documented_event_type_is_accepted(tmp_path: Path, event: str) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": HOOK.replace("package.status.packed", event)})
    [desired] = h.load().desired.values()
    assert desired.spec.event_type == event


def test_reading_normalises_as_the_yaml_and_ignores_server_keys(tmp_path: Path) -> None:
    """A live object goes through the Spec's validators: a server-owned key inside the retry
    timing is dropped, an empty secret mask reads as none; the applied object is no change."""
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": HOOK})
    h.converge()
    [hook] = _hooks(h)
    retry = dict(hook["retry_countdown_config"], next_attempt_at="2026-01-01T00:00:00Z")
    h.raw.patch(f"/_sandbox/objects/oms_hooks/{hook['id']}", json={"retry_countdown_config": retry})
    assert not h.plan().has_changes


def test_a_live_object_the_model_cannot_read_is_a_clear_error(tmp_path: Path) -> None:
    """A value outside what omsform can represent stops the plan naming the kind, the object's
    id and the field, never with a traceback or the value (it may be a secret)."""
    h = BrandHarness(tmp_path, env=SECRETS)
    h.write({"hooks.yaml": HOOK})
    h.converge()
    [hook] = _hooks(h)
    retry = {"type": "sometimes-canary"}
    h.raw.patch(f"/_sandbox/objects/oms_hooks/{hook['id']}", json={"retry_countdown_config": retry})
    with pytest.raises(ProviderError) as err:
        h.plan()
    message = str(err.value)
    assert f"oms_webhook '{hook['id']}'" in message
    assert "retry_countdown_config.type" in message
    assert "sometimes-canary" not in message
