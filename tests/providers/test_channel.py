"""Contract tests for ``oms_channel`` against the sandbox: channels are copied in by the channels
setup step, found by name or Omnitron id, updated in place and never created or deleted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from omsform_akinon_oms.resources.oms_channel import ChannelSpec, OmsChannel

from omsform.errors import ConfigError, PlanError
from omsform.plan.render import render_text
from tests.harness import BrandHarness, actions

CHANNELS = """\
    oms_setup_step: {channels: {}}
    oms_channel:
      web:
        name: acme-web
        configuration: {order_prefix: WEB}
      trendyol:
        omnitron_id: 2
        is_active: false
    """


def _channel(h: BrandHarness, name: str) -> dict[str, Any]:
    found: dict[str, Any] = h.raw.get("/api/v1/oms/channels/", params={"name": name}).json()
    return found["results"][0]


def test_missing_channels_are_expected_from_the_setup_step_then_updated(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"channels.yaml": CHANNELS})
    plan = h.plan()
    assert actions(plan) == {
        "oms_setup_step.channels": "»",
        "oms_channel.trendyol": "+",
        "oms_channel.web": "+",
    }
    created = {c.address: c for c in plan.changes if c.kind == "oms_channel"}
    assert {c.reason for c in created.values()} == {"expected from setup step channels"}
    # the channels come after the step that copies them in
    assert all(c.depends_on == ("oms_setup_step.channels",) for c in created.values())
    assert "(expected from setup step channels)" in render_text(plan, color=False)
    h.converge()
    assert _channel(h, "acme-web")["configuration"] == {"order_prefix": "WEB"}
    assert _channel(h, "acme-trendyol")["is_active"] is False

    h.write({"channels.yaml": CHANNELS.replace("WEB}", "W}")})
    plan = h.plan()
    assert actions(plan) == {"oms_channel.web": "~"}
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("configuration.order_prefix", "WEB", "W")
    ]
    h.converge()

    # removed from the YAML: channels are never deleted (the kind cannot even be pruned)
    h.write({})
    plan = h.plan()
    assert not plan.has_changes
    assert not any("prune" in n.message for n in plan.notes)


def test_a_channel_the_step_does_not_bring_fails_clearly_at_apply(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write(
        {"channels.yaml": "oms_setup_step: {channels: {}}\noms_channel: {x: {name: acme-app}}\n"}
    )
    assert actions(h.plan()) == {"oms_setup_step.channels": "»", "oms_channel.x": "+"}
    _, report = h.apply()
    assert report is not None and report.applied == ("oms_setup_step.channels",)
    (address, message), *_ = report.failed
    assert address == "oms_channel.x"
    assert "still not in OMS after the channels setup step" in message
    assert "create it in Omnitron" in message


def test_a_missing_channel_without_a_planned_step_is_a_plan_error(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"channels.yaml": "oms_channel: {web: {name: acme-web}}\n"})
    with pytest.raises(PlanError) as err:
        h.plan()
    text = str(err.value)
    assert "oms_channel.web: no oms_channel 'acme-web' exists" in text
    assert "create the channel in Omnitron first" in text
    assert "`oms_setup_step: {channels: {}}`" in text
    assert "channels.yaml:1" in text

    # the step declared but with nothing left to copy: still an error, not a create
    h.write({"channels.yaml": "oms_setup_step: {channels: {}}\n"})
    h.converge()
    h.write({"channels.yaml": "oms_setup_step: {channels: {}}\noms_channel: {x: {name: nope}}\n"})
    with pytest.raises(PlanError, match="no oms_channel 'nope' exists"):
        h.plan()


def test_ui_drift_is_repaired_and_defaults_are_no_noise(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"setup.yaml": "oms_setup_step: {channels: {}}\n"})
    h.converge()
    # declared with only a name: the copied channel's defaults (active, {}) are no change
    h.write(
        {
            "setup.yaml": "oms_setup_step: {channels: {}}\n",
            "channels.yaml": "oms_channel: {web: {name: acme-web, configuration: null}}\n",
        }
    )
    assert not h.plan().has_changes
    channel = _channel(h, "acme-web")
    h.raw.patch(f"/api/v1/oms/channels/{channel['id']}/", json={"is_active": False})
    plan = h.plan()
    assert [(f.path, f.before, f.after) for f in plan.changes[0].fields] == [
        ("is_active", False, True)
    ]
    h.converge()
    assert _channel(h, "acme-web")["is_active"] is True


def test_a_channel_found_by_omnitron_id_keeps_its_key_form(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"channels.yaml": "oms_setup_step: {channels: {}}\n"})
    h.converge()
    h.write(
        {
            "channels.yaml": "oms_setup_step: {channels: {}}\n"
            "oms_channel:\n  a: {omnitron_id: 1}\n  b: {name: acme-trendyol, is_active: false}\n"
        }
    )
    plan = h.plan()
    assert [(c.address, c.key, c.action.value) for c in plan.changes] == [
        ("oms_channel.b", "acme-trendyol", "~")
    ]
    h.converge()


def test_name_and_omnitron_id_together_are_refused_where_written(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"channels.yaml": "oms_channel:\n  web: {name: acme-web, omnitron_id: 1}\n"})
    with pytest.raises(ConfigError) as err:
        h.load()
    problems = [str(p) for p in err.value.problems]
    assert len(problems) == 1
    assert "channels.yaml:2:3 (oms_channel.web): error:" in problems[0]
    assert "not both" in problems[0]


def test_a_targeted_channel_pulls_in_its_step_and_the_steps_before_it(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    steps = "oms_setup_step: {addresses: {}, stock_locations: {}, channels: {}}\n"
    store = (
        "oms_stock_location:\n  wh: {erp_code: WH-1, name: W, stock_location_type: warehouse,"
        " address: {line: x, city: 1}}\n"
    )
    channels = CHANNELS.replace("    oms_setup_step: {channels: {}}\n", "")
    h.write({"setup.yaml": steps, "channels.yaml": channels, "locations.yaml": store})
    # the steps run in the guide's order (addresses → stock_locations → channels), so the
    # channels step pulls in the declared steps before it, but not the stock location
    assert actions(h.plan(targets=("oms_channel.web",))) == {
        "oms_setup_step.addresses": "»",
        "oms_setup_step.stock_locations": "»",
        "oms_setup_step.channels": "»",
        "oms_channel.web": "+",
    }
    # a stock location follows the stores step (and so the addresses step), not channels
    assert actions(h.plan(targets=("oms_stock_location.wh",))) == {
        "oms_setup_step.addresses": "»",
        "oms_setup_step.stock_locations": "»",
        "oms_stock_location.wh": "+",
    }
    h.write({"setup.yaml": "oms_setup_step: {stock_locations: {}}\n", "locations.yaml": store})
    assert actions(h.plan(targets=("oms_stock_location.wh",))) == {
        "oms_setup_step.stock_locations": "»",
        "oms_stock_location.wh": "+",
    }


def test_the_advice_for_a_missing_channel_knows_whether_the_step_is_declared() -> None:
    origin = OmsChannel.expected_from(ChannelSpec(name="nope"))
    assert "declare it: `oms_setup_step: {channels: {}}`" in origin.todo
    assert "declare" not in origin.todo_declared
    assert "in neither OMS nor Omnitron" in origin.todo_declared
    assert "create the channel in Omnitron" in origin.todo_declared


def test_a_missing_channel_with_the_step_declared_says_to_create_it_in_omnitron(
    tmp_path: Path,
) -> None:
    h = BrandHarness(tmp_path)
    h.write({"channels.yaml": "oms_setup_step: {channels: {}}\n"})
    h.converge()
    h.write({"channels.yaml": "oms_setup_step: {channels: {}}\noms_channel: {x: {name: nope}}\n"})
    with pytest.raises(PlanError) as err:
        h.plan()
    assert "in neither OMS nor Omnitron" in str(err.value)
    assert "declare it" not in str(err.value)
