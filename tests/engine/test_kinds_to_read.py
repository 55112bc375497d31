"""Which kinds a run reads: declared, pruned and referenced kinds, however late in the brand the
first object naming a kind comes (reading stops looking at a kind once nothing new can come)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from omsform.contract.provider import registry
from omsform.contract.spec import Desired
from omsform.engine.session import kinds_to_read

SCENARIO = registry().kinds["oms_scenario"]


def _scenario(name: str, **fields: Any) -> Desired[Any]:
    body = {"name": name, "type": "distribution", "default_stock_location": "wh-1", **fields}
    spec = SCENARIO.spec_model.model_validate(body)
    return Desired(f"oms_scenario.{name}", "oms_scenario", name, spec)


def _brand(*desired: Desired[Any], prune: tuple[str, ...] = ()) -> Any:
    config = SimpleNamespace(manage=SimpleNamespace(prune=list(prune)))
    return SimpleNamespace(desired={d.address: d for d in desired}, config=config)


def test_a_kind_named_only_by_a_later_object_is_read() -> None:
    plain = [_scenario(f"s{i}") for i in range(3)]
    named = _scenario("s8", channel_condition="static", channels=["web"])
    assert kinds_to_read(_brand(*plain)) == ["oms_scenario", "oms_stock_location"]
    every = kinds_to_read(_brand(*plain, named, prune=("oms_webhook",)))
    assert every == ["oms_channel", "oms_scenario", "oms_stock_location", "oms_webhook"]
