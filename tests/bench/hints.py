"""Field values the synthesiser cannot guess, for the kinds the issue asks W5k to cover.

:mod:`tests.bench.synth` derives values from types and names only. A few kinds need a value
their docs prescribe: a cargo integration without credentials must be a demo client (which
names its class in ``conf.klass``), and webhooks and transitions read best with the documented
event types, command classes and package states (cycled), as a real brand would use them; a
setting needs a value (its type is open, so the synthesiser leaves it null).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omsform_akinon_oms import api
from omsform_akinon_oms.resources.transition_flow import DOCUMENTED_STATES

DEMO_CLIENT = "oms.shipments.clients.demo_client.DemoClient"


def _cargo(i: int) -> dict[str, Any]:
    return {"shipping_company": "demo", "is_demo_client": True, "conf": {"klass": DEMO_CLIENT}}


def _webhook(i: int) -> dict[str, Any]:
    return {"event_type": api.WEBHOOK_EVENT_TYPES[i % len(api.WEBHOOK_EVENT_TYPES)]}


def _transition(i: int) -> dict[str, Any]:
    classes, states = api.TRANSITION_COMMAND_CLASSES, DOCUMENTED_STATES
    return {
        "command_class": classes[i % len(classes)],
        "source_state": states[i % len(states)],
        "target_state": states[(i + 1) % len(states)],
    }


def _setting(i: int) -> dict[str, Any]:
    return {"value": f"bench value {i}"}


HINTS: dict[str, Callable[[int], dict[str, Any]]] = {
    "oms_cargo_integration": _cargo,
    "oms_webhook": _webhook,
    "oms_transition": _transition,
    "oms_setting": _setting,
}


def with_hints(kind: str, values: dict[str, Any], i: int) -> dict[str, Any]:
    """``values`` of object ``i`` of ``kind`` with the prescribed values put in."""
    hint = HINTS.get(kind)
    return {**values, **hint(i)} if hint else values


def hinted_fields(kind: str) -> frozenset[str]:
    """The fields :func:`with_hints` sets for ``kind`` (the YAML always writes them)."""
    hint = HINTS.get(kind)
    return frozenset(hint(0)) if hint else frozenset()
