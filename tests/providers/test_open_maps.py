"""Open maps against the sandbox: a channel's ``configuration`` and a webhook's ``config`` own
only the keys the YAML declares. Other live keys are not compared, survive an update (the
sandbox's PATCH replaces the whole map, as Omnitron's does), ``null`` removes a key, and
``exclusive: true`` makes the declared map the whole map again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from omsform.apply.report import ApplyReport
from omsform.contract.provider import registry
from omsform.engine import run as engine
from omsform.errors import ConfigError
from omsform.http.client import ClientOptions
from omsform.plan.model import Plan
from omsform.plan.render import render_text
from omsform.sandbox import DEFAULT_TOKEN, transport
from tests.harness import BrandHarness, actions

SETUP = "oms_setup_step: {channels: {}}\n"
WEB = "oms_channel.web"
CHANNELS = "/api/v1/oms/channels/"


def _channels(body: str) -> dict[str, str]:
    return {"channels.yaml": SETUP + f"oms_channel:\n  web: {{name: acme-web, {body}}}\n"}


def _channel(h: BrandHarness) -> dict[str, Any]:
    found: dict[str, Any] = h.raw.get(CHANNELS, params={"name": "acme-web"}).json()
    return found["results"][0]


def _set_configuration(h: BrandHarness, configuration: dict[str, Any]) -> None:
    """Another system writes the channel's configuration (a whole-object PATCH)."""
    answer = h.raw.patch(f"{CHANNELS}{_channel(h)['id']}/", json={"configuration": configuration})
    assert answer.status_code == 200, answer.text


def _fields(plan: Plan) -> list[tuple[str, Any, Any]]:
    return [(f.path, f.before, f.after) for c in plan.changes for f in c.fields]


@pytest.fixture
def h(tmp_path: Path) -> BrandHarness:
    """A brand whose channel declares one configuration key, applied; then another system adds
    ``erp_sync_interval`` and ``warehouse`` to the channel's configuration."""
    harness = BrandHarness(tmp_path)
    harness.write(_channels("configuration: {order_prefix: WEB}"))
    harness.converge()
    _set_configuration(harness, {"order_prefix": "WEB", "erp_sync_interval": 300, "wh": "A"})
    return harness


def test_keys_the_yaml_does_not_declare_are_not_compared(h: BrandHarness) -> None:
    plan = h.plan()
    assert not plan.has_changes, _fields(plan)


def test_an_update_sends_the_live_keys_back_so_they_survive(h: BrandHarness) -> None:
    h.write(_channels("configuration: {order_prefix: W}"))
    plan = h.plan()
    assert actions(plan) == {WEB: "~"}
    [change] = plan.changes
    assert _fields(plan) == [("configuration.order_prefix", "WEB", "W")]
    # the plan carries what apply sends, and says how many keys it keeps
    assert change.kept == {"configuration": {"erp_sync_interval": 300, "wh": "A"}}
    assert change.reason == "configuration keeps 2 keys not in the YAML"
    assert "~ oms_channel.web  (configuration keeps 2 keys not in the YAML)" in render_text(
        plan, color=False
    )
    h.converge()
    assert _channel(h)["configuration"] == {
        "order_prefix": "W",
        "erp_sync_interval": 300,
        "wh": "A",
    }


def test_a_key_declared_null_is_removed_and_the_others_kept(h: BrandHarness) -> None:
    h.write(_channels("configuration: {order_prefix: WEB, erp_sync_interval: null}"))
    plan = h.plan()
    assert _fields(plan) == [("configuration.erp_sync_interval", 300, None)]
    assert plan.changes[0].kept == {"configuration": {"wh": "A"}}
    h.converge()
    assert _channel(h)["configuration"] == {"order_prefix": "WEB", "wh": "A"}
    # a key declared null that is absent (or null) live is no change
    _set_configuration(h, {"order_prefix": "WEB", "wh": "A", "erp_sync_interval": None})
    assert not h.plan().has_changes


def test_exclusive_makes_the_map_authoritative_again(h: BrandHarness) -> None:
    h.write(_channels("exclusive: true, configuration: {order_prefix: WEB}"))
    plan = h.plan()
    assert actions(plan) == {WEB: "~"}
    assert _fields(plan) == [
        ("configuration.erp_sync_interval", 300, None),
        ("configuration.wh", "A", None),
    ]
    assert plan.changes[0].kept == {} and plan.changes[0].reason == ""
    h.converge()
    assert _channel(h)["configuration"] == {"order_prefix": "WEB"}

    # the list form names the open maps it makes authoritative
    _set_configuration(h, {"order_prefix": "WEB", "other": 1})
    h.write(_channels("exclusive: [configuration], configuration: {order_prefix: WEB}"))
    assert _fields(h.plan()) == [("configuration.other", 1, None)]
    h.write(_channels("exclusive: false, configuration: {order_prefix: WEB}"))
    assert not h.plan().has_changes


def test_a_channel_declared_without_configuration_leaves_it_alone(h: BrandHarness) -> None:
    h.write(_channels("is_active: false"))
    plan = h.plan()
    assert _fields(plan) == [("is_active", True, False)]
    assert plan.changes[0].kept == {}  # configuration is not sent at all
    h.converge()
    assert _channel(h)["configuration"] == {
        "order_prefix": "WEB",
        "erp_sync_interval": 300,
        "wh": "A",
    }


async def _apply_saved(h: BrandHarness, saved: Plan) -> ApplyReport:
    """``omsform apply plan.json --sandbox``: re-read, refuse if stale, apply the saved plan."""
    brand = h.load()
    kinds = engine.kinds_to_read(brand)
    configs = registry().sandbox_configs("http://sandbox", DEFAULT_TOKEN)
    options = ClientOptions(transport=transport(h.app))
    session = await engine.open_session(brand, kinds=kinds, options=options, configs=configs)
    async with session:
        current = await engine.read(session, kinds)
        engine.refuse_if_stale(saved, current)
        return await engine.apply_brand(session, saved, current, saved=True)


def test_a_saved_plan_carries_the_kept_keys_and_apply_sends_them(h: BrandHarness) -> None:
    h.write(_channels("configuration: {order_prefix: W}"))
    text = h.plan().to_json()
    saved = Plan.from_json(text)
    assert saved.changes[0].kept == {"configuration": {"erp_sync_interval": 300, "wh": "A"}}
    # the kept keys are part of what the checksum binds: editing them is refused
    with pytest.raises(ValueError, match="checksum"):
        Plan.from_json(text.replace('"wh": "A"', '"wh": "B"'))
    report = asyncio.run(_apply_saved(h, saved))
    assert report.ok, report
    assert _channel(h)["configuration"] == {
        "order_prefix": "W",
        "erp_sync_interval": 300,
        "wh": "A",
    }
    assert not h.plan().has_changes


HOOK = """\
    oms_webhook:
      split:
        event_type: package.created
        target_url: https://split.example.com/hook
        %s
    """


def test_a_webhook_config_is_open_too(tmp_path: Path) -> None:
    h = BrandHarness(tmp_path)
    h.write({"hooks.yaml": HOOK % "config: {channel_id: 1}"})
    h.converge()
    [hook] = h.raw.get("/api/v1/oms/oms_hooks/").json()["results"]
    url = f"/api/v1/oms/oms_hooks/{hook['id']}/"
    answer = h.raw.patch(url, json={"config": {"channel_id": 1, "split_by": "seller"}})
    assert answer.status_code == 200, answer.text
    assert not h.plan().has_changes

    h.write({"hooks.yaml": HOOK % "config: {channel_id: 2}"})
    plan = h.plan()
    assert _fields(plan) == [("config.channel_id", 1, 2)]
    assert plan.changes[0].kept == {"config": {"split_by": "seller"}}
    h.converge()
    assert h.raw.get(url).json()["config"] == {"channel_id": 2, "split_by": "seller"}


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        (
            _channels("exclusive: [config], configuration: {a: 1}"),
            "`exclusive` takes true, false or a list of oms_channel's open maps (configuration)",
        ),
        (
            _channels('exclusive: "yes"'),
            "`exclusive` takes true, false or a list of oms_channel's open maps (configuration)",
        ),
        (
            {"s.yaml": "oms_setting:\n  ORDER_FILTERING: {exclusive: true, value: {}}\n"},
            "`exclusive` applies to open maps, and oms_setting has none",
        ),
    ],
)
def test_a_wrong_exclusive_is_refused_where_written(
    tmp_path: Path, yaml: dict[str, str], message: str
) -> None:
    h = BrandHarness(tmp_path)
    h.write(yaml)
    with pytest.raises(ConfigError) as err:
        h.load()
    [problem] = [str(p) for p in err.value.problems]
    assert message in problem
    name = next(iter(yaml))
    line = 2 if name == "s.yaml" else 3
    assert f"{name}:{line}:" in problem


def test_the_open_maps_are_the_reviewed_ones_and_hold_nothing_write_only() -> None:
    """Reviewed per kind: channel ``configuration`` and webhook ``config`` are written by other
    systems too. Authoritative on purpose: a setting's ``value`` is the setting itself; transition
    ``config``, cargo ``conf`` and webhook ``additional_headers`` hold write-only values the API
    masks (merging the live map would send the masks back); a stock location's ``address`` is a
    fixed model, not a free-form map."""
    kinds = dict(registry().kinds)
    opened = {kind: cls.open_maps for kind, cls in kinds.items() if cls.open_maps}
    assert opened == {"oms_channel": ("configuration",), "oms_webhook": ("config",)}
    for kind, names in opened.items():
        cls = kinds[kind]
        for name in names:
            assert name in cls.spec_model.model_fields, (kind, name)
            assert not any(p.split(".")[0].split("[")[0] == name for p in cls.write_only), kind
