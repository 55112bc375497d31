"""Settling writes a killed apply left uncertain (:func:`resolve_uncertain`): each journaled
intent without a result is looked up in what was read again, by remote id or natural key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from omsform.apply.journal import Intent, Journal
from omsform.apply.ledger import UNSURE, Ledger
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote
from omsform.secrets.keyprint import key_matches, secrets_in_key


def resolve_uncertain(
    journal: Journal,
    current: Mapping[str, Iterable[Remote[Any]]],
    resources: Mapping[str, Resource[Any]],
    desired: Mapping[str, Desired[Any]] | None = None,
    ledger: Ledger | None = None,
) -> list[str]:
    """Settle writes a killed run left uncertain, by remote id (updates, deletes, runs, and
    creates that got past their first step) or else natural key, in ``current``. A create
    found done is recorded in ``ledger`` with the fingerprints its intent carries (what it
    sent), and an update's write-only values as unsure (:func:`_record`), so a kill loses none.

    A key stored masked (it embeds a secret) is matched through its fingerprint: the real key
    comes from ``desired`` when it still has that fingerprint. Returns one line per intent
    saying what was found. Intents whose kind was not read, or whose masked key cannot be
    re-derived, stay uncertain (their line says so).
    """
    lines = []
    for intent in journal.uncertain():
        resource = resources.get(intent.kind)
        if resource is None or intent.kind not in current:
            lines.append(f"{intent.address}: an interrupted {intent.action} could not be checked")
            continue
        remotes = list(current[intent.kind])
        key = _real_key(intent, resource, desired or {})
        if key is None:
            lines.append(
                f"{intent.address}: an interrupted {intent.action} could not be checked (its key "
                "embeds a secret that changed since); the plan rechecks it"
            )
            continue
        found = _found(intent, key, remotes, resource)
        line = _resolution(intent, found)
        if ledger is not None and found is not None:
            _record(ledger, intent, found)
        journal.resolve(intent.op_id, line)
        lines.append(line)
    return lines


def _record(ledger: Ledger, intent: Intent, found: Remote[Any]) -> None:
    """A create found done: the fingerprints its intent carries (what it sent). An update
    that may or may not have happened: :data:`UNSURE` for the write-only values it sent, so
    the next plan sends them again (harmless) and records them, instead of never knowing."""
    if intent.action == "create":
        ledger.record(intent.address, intent.kind, intent.key, found.id, dict(intent.prints))
    elif intent.action == "update" and intent.prints:
        unsure = dict.fromkeys(dict(intent.prints), UNSURE)
        ledger.record(intent.address, intent.kind, intent.key, found.id, unsure, keep_others=True)


def _found(
    intent: Intent, key: str, remotes: list[Remote[Any]], resource: Resource[Any]
) -> Remote[Any] | None:
    """The object ``intent`` wrote, by its remote id when known, else by natural ``key``."""
    if intent.remote_id:
        return next((r for r in remotes if str(r.id) == intent.remote_id), None)
    return next((r for r in remotes if resource.key(r.spec) == key), None)


def _real_key(
    intent: Intent, resource: Resource[Any], desired: Mapping[str, Desired[Any]]
) -> str | None:
    """The intent's natural key in clear (``None`` when it was masked and cannot be known)."""
    if not intent.key_print:
        return intent.key
    d = desired.get(intent.address)
    if d is None or d.kind != intent.kind:
        return None if not intent.remote_id else ""
    real = resource.key(d.spec)
    if key_matches(intent.key_print, real, secrets_in_key(d, real)):
        return real
    return None if not intent.remote_id else ""


def _resolution(intent: Intent, found: Remote[Any] | None) -> str:
    address, action = intent.address, intent.action
    if action == "create":
        if found is not None and intent.steps:
            return (
                f"{address}: an interrupted create did happen (id {found.id}) and stopped after "
                f"step {intent.steps[-1]!r}; the plan continues it"
            )
        if found is not None:
            return f"{address}: an interrupted create did happen (id {found.id}); kept as is"
        return f"{address}: an interrupted create did not happen; the plan creates it"
    if action == "delete":
        happened = "did not happen" if found is not None else "did happen"
        return f"{address}: an interrupted delete {happened}"
    return f"{address}: an interrupted {action} may or may not have happened; the plan rechecks it"
