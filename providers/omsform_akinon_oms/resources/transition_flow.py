"""The warnings of ``oms_transition`` over the whole declared flow: states the docs do not name,
states no transition reaches from ``waiting``, and two commands leaving one state alike."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from omsform.contract.spec import Desired
from omsform.errors import Location, Problem
from omsform.lang.suggest import did_you_mean

DOCUMENTED_STATES = (
    "waiting",
    "waiting_remote_action",
    "preparing",
    "waiting_for_transfer",
    "ready_for_packaging",
    "waiting_cargo_label",
    "packed",
    "shipped",
    "delivered",
    "attempted_delivery",
    "delivery_failed",
    "cancellation_waiting",
    "cancelled",
    "contains_out_of_stock_products",
    "blocked",
    "packed_for_refund",
)
"""Package state words of the documented states (reference §7.2); others may exist."""
START_STATE = "waiting"


Items = list[tuple[str, Desired[Any]]]


def flow_warnings(
    items: Items, state_fields: Iterable[str], classes: list[Problem]
) -> list[Problem]:
    """Every flow warning of the declared transitions ``items`` (address, object), in order:
    unknown states, then ``classes`` (the undocumented command classes), repeated commands and
    unreachable states."""
    unknown = _unknown_states(items, tuple(state_fields))
    return [*unknown, *classes, *_same_command(items), *_unreachable(items)]


def _warning(address: str, message: str, hint: str = "") -> Problem:
    return Problem(Location(address=address), message, hint, severity="warning")


def _unknown_states(items: Items, state_fields: tuple[str, ...]) -> list[Problem]:
    found = []
    for address, d in items:
        for field in state_fields:
            word = getattr(d.spec, field)
            if word not in DOCUMENTED_STATES:
                hint = did_you_mean(word, DOCUMENTED_STATES) or "it must exist in OMS"
                message = f"{field} '{word}' is not a documented package state"
                found.append(_warning(address, message, hint))
    return found


def _same_command(items: Items) -> list[Problem]:
    first: dict[tuple[str, str], str] = {}
    found = []
    for address, d in items:
        pair = (d.spec.source_state, d.spec.command_class)
        other = first.setdefault(pair, address)
        if other != address:
            message = (
                f"{other} and {address} both leave '{pair[0]}' with {pair[1]}: "
                "a package in that state offers two identical commands"
            )
            found.append(_warning(address, message))
    return found


def _unreachable(items: Items) -> list[Problem]:
    edges: dict[str, set[str]] = {}
    mentioned: dict[str, str] = {}  # state → first transition that mentions it
    for address, d in items:
        edges.setdefault(d.spec.source_state, set()).add(d.spec.target_state)
        for word in (d.spec.source_state, d.spec.target_state):
            mentioned.setdefault(word, address)
    reached, todo = {START_STATE}, [START_STATE]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    return [
        _warning(
            address,
            f"package state '{word}' cannot be reached from '{START_STATE}' "
            "with the declared transitions",
            "add a transition into it, or check its source and target states",
        )
        for word, address in sorted(mentioned.items())
        if word not in reached
    ]
