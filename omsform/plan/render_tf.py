"""``plan --format tf-json``: the plan in Terraform's machine-readable plan vocabulary.

Policy tools written for ``terraform show -json`` (OPA/conftest rules that walk
``resource_changes[].change.actions``, Sentinel-style checks, PR bots) read omsform plans
unchanged. The document follows Terraform's JSON output format 1.2 (the names of the
``format_version: "1.2"`` plan representation); omsform's own plan JSON (``--format json``,
integer ``format_version`` 1) is untouched.

Top level: ``format_version`` ("1.2"), ``applyable`` (false when nothing would change or a
manual change blocks apply), ``complete`` (false when ``--target``/``--exclude`` narrowed the
plan), ``errored`` (always false: a plan that fails exits 1 and renders nothing),
``resource_changes``, ``resource_drift`` (changes made outside omsform, see
:func:`drift_entries`), ``planned_values`` (``root_module.resources``: what each created or
updated object looks like after apply, as far as the plan knows), ``output_changes`` ({}),
``relevant_attributes`` ([]), and ``omsform`` (``brand``, ``checksum`` of the omsform plan,
``summary``): Terraform tells consumers to ignore properties they do not know.

Each resource change: ``address``, ``mode`` ("managed"), ``type`` (the kind), ``name`` (the
local name, or the natural key of an undeclared object), ``provider_name`` (the omsform
provider), ``change`` (``actions``, ``before``, ``after``, ``after_unknown``,
``before_sensitive``, ``after_sensitive``, ``replace_paths``), ``action_reason`` when there is
one, and ``omsform_action`` (the omsform symbol). Actions map as follows:

============  ==========================  =================================================
omsform       ``change.actions``          ``action_reason``
============  ==========================  =================================================
``+``         ``["create"]``              —
``~``         ``["update"]``              —
``-/+``       ``["delete", "create"]``    ``replace_because_cannot_update``
``-``         ``["delete"]``              ``delete_because_no_resource_config``
``»`` run     ``["update"]``              ``omsform_run_step`` (a setup step changes the
                                          live system, so rules counting updates see it)
``!`` manual  ``["no-op"]``               ``omsform_manual`` (omsform will not do it; the
                                          entry also carries ``omsform_manual: true``, and
                                          ``applyable`` is false while one remains)
============  ==========================  =================================================

``before``/``after`` hold the fields the plan changes (omsform plans carry changed paths, not
whole objects), nested by their path, plus ``id`` (the server id) when the object exists; a
create's ``id`` is unknown until apply (``after_unknown.id: true``). Sensitive values are
masked as Terraform's redacted plans mask them: the value is left out of ``before``/``after``
and ``true`` stands at its path in ``before_sensitive``/``after_sensitive`` (omsform plans
hold no secret to begin with). Unlike ``terraform show -json``, which prints sensitive values
in plain text, nothing secret can appear here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from types import EllipsisType
from typing import Any

from omsform.paths import parse_path
from omsform.plan.model import Action, Change, FieldChange, Plan
from omsform.secrets import SENSITIVE
from omsform.secrets.mask import mask_url_data

TF_FORMAT_VERSION = "1.2"

ACTIONS: dict[Action, tuple[list[str], str | None]] = {
    Action.CREATE: (["create"], None),
    Action.UPDATE: (["update"], None),
    Action.REPLACE: (["delete", "create"], "replace_because_cannot_update"),
    Action.DELETE: (["delete"], "delete_because_no_resource_config"),
    Action.RUN: (["update"], "omsform_run_step"),
    Action.MANUAL: (["no-op"], "omsform_manual"),
}
"""omsform action → (Terraform ``change.actions``, ``action_reason``)."""


def render_tf_json(plan: Plan, *, complete: bool = True) -> str:
    """The plan as Terraform plan JSON (format 1.2 names); ``complete`` is false when the
    plan was narrowed with ``--target``/``--exclude``."""
    document = mask_url_data(tf_document(plan, complete=complete))  # live URL tokens
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def tf_document(plan: Plan, *, complete: bool = True) -> dict[str, Any]:
    """The tf-json document as data (see the module docstring for every key)."""
    changes = [resource_change(c) for c in plan.changes]
    manual = any(c.action is Action.MANUAL for c in plan.changes)
    return {
        "format_version": TF_FORMAT_VERSION,
        "applyable": plan.has_changes and not manual,
        "complete": complete,
        "errored": False,
        "planned_values": {"root_module": {"resources": _planned(changes)}},
        "resource_drift": drift_entries(plan),
        "resource_changes": changes,
        "output_changes": {},
        "relevant_attributes": [],
        "omsform": {
            "brand": plan.brand,
            "checksum": plan.checksum(),
            "summary": plan.summary.model_dump(mode="json"),
        },
    }


def drift_entries(plan: Plan) -> list[dict[str, Any]]:
    """``resource_drift``: one resource change per object changed outside omsform, with only
    its drifted fields — from the plan's drift attribution (``plan.drift``) where the plan
    has it, else none. As in Terraform, an entry shows the move that already happened (the
    last applied value → the live value), so its ``before``/``after`` are the field change's
    ``after``/``before`` (the planned change goes the other way) and its action is
    ``update`` (``create``/``delete`` for an object made or removed by hand)."""
    drifted: Iterable[Change] = getattr(plan, "drift", ())
    entries = []
    for change in drifted:
        moved = change.model_copy(
            update={
                "action": _reverse(change.action),
                "fields": tuple(
                    f.model_copy(update={"before": f.after, "after": f.before})
                    for f in change.fields
                ),
            }
        )
        entries.append(resource_change(moved))
    return entries


def _reverse(action: Action) -> Action:
    """What happened outside omsform, given what omsform plans in return."""
    return {Action.CREATE: Action.DELETE, Action.DELETE: Action.CREATE}.get(action, Action.UPDATE)


def resource_change(change: Change) -> dict[str, Any]:
    """One ``resource_changes`` entry for an omsform change."""
    actions, reason = ACTIONS[change.action]
    before, after, before_sensitive, after_sensitive = _sides(change)
    entry: dict[str, Any] = {
        "address": change.address,
        "mode": "managed",
        "type": change.kind,
        "name": _name(change),
        "provider_name": change.provider,
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": {"id": True} if change.action is Action.CREATE else {},
            "before_sensitive": before_sensitive,
            "after_sensitive": after_sensitive,
            "replace_paths": _replace_paths(change),
        },
        "omsform_action": change.action.value,
    }
    if change.action is Action.DELETE:
        entry["change"]["after_unknown"] = False
    if reason:
        entry["action_reason"] = reason
    if change.action is Action.MANUAL:
        entry["omsform_manual"] = True
    return entry


def _name(change: Change) -> str:
    prefix = f"{change.kind}."
    if change.address.startswith(prefix):
        return change.address[len(prefix) :]
    return change.shown_key  # an undeclared object: kind[key]


def _sides(change: Change) -> tuple[Any, Any, Any, Any]:
    """``before``, ``after`` and their ``*_sensitive`` mirrors (``null``/``false`` for the side
    a create or delete does not have)."""
    has_before = change.action is not Action.CREATE
    has_after = change.action is not Action.DELETE
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    before_sensitive: dict[str, Any] = {}
    after_sensitive: dict[str, Any] = {}
    for field in change.fields:
        tokens = _tokens(field)
        _put(before, before_sensitive, tokens, field.before, field.sensitive)
        _put(after, after_sensitive, tokens, field.after, field.sensitive)
    if change.remote_id is not None:
        before.setdefault("id", change.remote_id)
        after.setdefault("id", change.remote_id)
    return (
        before if has_before else None,
        after if has_after else None,
        before_sensitive if has_before else False,
        after_sensitive if has_after else False,
    )


def _tokens(field: FieldChange) -> list[str | int]:
    try:
        return [t for t in parse_path(field.path) if not isinstance(t, EllipsisType)]
    except ValueError:
        return [field.path]


def _put(
    values: dict[str, Any], marks: dict[str, Any], tokens: list[str | int], value: Any, hide: bool
) -> None:
    """Set ``value`` at ``tokens`` in ``values``; a sensitive value (or one holding the mask)
    is left out and ``true`` set at its place in ``marks`` instead."""
    if value is None:
        return
    if hide or _holds_mask(value):
        _set(marks, tokens, True)
    else:
        _set(values, tokens, value)


def _holds_mask(value: Any) -> bool:
    if isinstance(value, str):
        return SENSITIVE in value
    if isinstance(value, dict):
        return any(_holds_mask(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_mask(v) for v in value)
    return False


def _set(root: dict[str, Any], tokens: list[str | int], value: Any) -> None:
    """Place ``value`` at ``tokens``, making dicts for keys and lists (padded with ``null``)
    for indices."""
    node: Any = root
    for token, following in zip(tokens, [*tokens[1:], None], strict=True):
        child: Any = value if following is None else ([] if isinstance(following, int) else {})
        if isinstance(node, list):
            assert isinstance(token, int)
            node.extend([None] * (token + 1 - len(node)))
            if node[token] is None or following is None:
                node[token] = child
            node = node[token]
        else:
            key = str(token)
            if following is None or not isinstance(node.get(key), dict | list):
                node[key] = child
            node = node[key]


def _replace_paths(change: Change) -> list[list[str | int]]:
    return [_tokens(f) for f in change.fields if f.forces_replace]


def _planned(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``planned_values.root_module.resources``: the after side of each object that exists
    after apply."""
    return [
        {
            "address": c["address"],
            "mode": "managed",
            "type": c["type"],
            "name": c["name"],
            "provider_name": c["provider_name"],
            "values": c["change"]["after"],
            "sensitive_values": c["change"]["after_sensitive"],
        }
        for c in changes
        if c["change"]["after"] is not None
    ]
