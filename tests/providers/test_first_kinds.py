"""Contract tests for the first kinds against the sandbox: create → plan empty → update →
plan empty → (delete) → plan empty."""

from __future__ import annotations

from pathlib import Path

from omsform_akinon_oms.resources.oms_setup_step import POLL_FIRST_S

from tests.harness import BrandHarness, actions

SECRETS = {"OMNITRON_PW": "canary-omnitron-pw-7f3a", "MAPS_KEY": "canary-maps-key-91bc"}


def test_setup_steps_run_once_then_plan_nothing(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"setup.yaml": "oms_setup_step: {addresses: {}, channels: {}}\n"})
    first = h.converge()
    assert actions(first) == {"oms_setup_step.addresses": "»", "oms_setup_step.channels": "»"}
    # each run was WORKING at its first poll and waited once, on the fake clock (no real time)
    assert h.clock.slept == [POLL_FIRST_S, POLL_FIRST_S]
    # the stores step was not declared, so it was neither read nor run
    assert not any("stock_locations/" in p for p in h.stats()["by_path"])


def test_setup_step_is_required_again_when_omnitron_changes(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"setup.yaml": "oms_setup_step: {channels: {}}\n"})
    h.converge()
    h.raw.post(
        "/_sandbox/omnitron/channels",
        json={"omnitron_id": 3, "name": "acme-app", "channel_type": "app"},
    )
    assert actions(h.plan()) == {"oms_setup_step.channels": "»"}


def test_settings_round_trip_with_write_only_password(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path, env=SECRETS)
    settings = """\
        oms_setting:
          OMNITRON_CLIENT_SETTINGS:
            value:
              auth: {username: oms.application, password: "${secret.OMNITRON_PW}"}
              urls: {base_url: "https://acme.example.com/api/v1"}
          IS_TRADEIN_ENABLED:
            value: false
        """
    h.write({"settings.yaml": settings})
    h.converge()
    h.write({"settings.yaml": settings.replace("oms.application", "oms.app2")})
    plan = h.plan()
    assert actions(plan) == {"oms_setting.OMNITRON_CLIENT_SETTINGS": "~"}
    assert [f.path for f in plan.changes[0].fields] == ["value.auth.username"]
    h.converge()
    # a rotated secret is an update even though the API masks the value on read
    h.env["OMNITRON_PW"] = "canary-rotated-pw-22"
    changed = h.plan().changes
    assert [(c.address, [f.path for f in c.fields]) for c in changed] == [
        ("oms_setting.OMNITRON_CLIENT_SETTINGS", ["value.auth.password"])
    ]
    assert "canary" not in h.plan().to_json()


def test_stock_location_create_update_delete(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.config(prune=("oms_stock_location",))
    location = """\
        oms_stock_location:
          wh:
            erp_code: WH-1
            name: Warehouse One
            stock_location_type: warehouse
            tags: [b, a]
            address: {line: "Main st. 1", postcode: "34000"}
        """
    h.write({"locations.yaml": location})
    assert actions(h.plan())["oms_stock_location.wh"] == "+"
    h.converge()
    h.write({"locations.yaml": location.replace("tags: [b, a]", "tags: [a, b, c]")})
    plan = h.plan()
    assert actions(plan) == {"oms_stock_location.wh": "~"}
    h.converge()
    h.write({})
    plan = h.plan()
    # the warehouse is deleted (named by the address the ledger knew); the stores that came
    # from Omnitron never are
    assert actions(plan) == {"oms_stock_location.wh": "-"}
    h.converge()


def test_drift_made_in_the_ui_is_reported_and_repaired(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write(
        {
            "l.yaml": "oms_stock_location:\n"
            "  wh: {erp_code: WH-1, name: W, stock_location_type: warehouse, priority: 5}\n"
        }
    )
    h.converge()
    obj = h.raw.get("/api/v1/oms/stocklocations/", params={"erp_code": "WH-1"}).json()["results"][0]
    h.raw.patch(f"/_sandbox/objects/stock_locations/{obj['id']}", json={"priority": 99})
    plan = h.plan()
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [("priority", 99, 5)]
    h.converge()
