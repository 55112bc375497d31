"""Natural keys that embed a secret (a webhook ``target_url`` with ``?token=${secret.X}``).

Such a key is never stored in clear: saved plans, the journal and the ledger show it with the
secret as ``(sensitive)``. The masked text cannot find the object again (every token looks the
same once masked), so a *key fingerprint* goes with it: ``hmac-scrypt:<salt>:<mac>``, an
HMAC-SHA256 of the real key under a key derived with ``scrypt`` from the secret values it
embeds. Checking a guess at the key therefore costs one ``scrypt`` per guessed secret, like the
ledger's fingerprints, while a brand with one token in 200 URLs pays for one ``scrypt`` (cached)
and 200 cheap HMACs. The salt travels inside the fingerprint, so a plan made before the first
ledger was saved is still checkable.

At apply time the brand is loaded again, so the real key is known again: :func:`restore_keys`
gives every change of a saved plan its real key back (and the secrets to mask it with) once the
fingerprint shows the key is still the one that was planned; a rotated secret makes the saved
plan stale. The object is then found by its real key, as in a fresh plan.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from omsform.apply.fingerprint import fingerprint
from omsform.contract.resource import Resource
from omsform.contract.spec import Desired
from omsform.errors import StalePlanError
from omsform.plan.model import Change, Plan
from omsform.secrets.mask import redact_data, text_secrets, url_credentials

_PREFIX = "hmac-scrypt"


def secrets_in_key(d: Desired[Any], key: str) -> tuple[str, ...]:
    """The secret values of ``d`` that its natural key ``key`` embeds, sorted: its
    ``${secret.…}`` values and the values of credential query parameters (a literal
    ``?token=…``, :data:`omsform.secrets.mask.CREDENTIAL_PARAMS`)."""
    found = set(url_credentials(key))
    if d.secret_paths:  # otherwise only a credential query parameter can put one there
        found |= {s for s in text_secrets(d.spec, d.secret_paths, ()) if s in key}
    return tuple(sorted(found))


def key_fingerprint(salt: bytes, key: str, secrets: Iterable[str]) -> str:
    """``hmac-scrypt:<salt hex>:<mac hex>`` of ``key`` (see the module doc)."""
    derived = fingerprint(salt, sorted(set(secrets)))  # scrypt, cached per salt and secret set
    mac = hmac.new(derived.encode(), key.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{_PREFIX}:{salt.hex()}:{mac}"


def key_matches(key_print: str, key: str, secrets: Iterable[str]) -> bool:
    """Whether ``key`` (with the secret values ``secrets`` in it) has fingerprint ``key_print``."""
    parts = key_print.split(":")
    if len(parts) != 3 or parts[0] != _PREFIX:
        return False
    try:
        salt = bytes.fromhex(parts[1])
    except ValueError:
        return False
    return hmac.compare_digest(key_fingerprint(salt, key, secrets), key_print)


def masked_key(key: str, secrets: Iterable[str]) -> str:
    """``key`` as it may be stored: each of ``secrets`` in it as ``(sensitive)``."""
    return str(redact_data(key, frozenset(secrets)))


def fingerprint_keys(plan: Plan, salt: bytes) -> Plan:
    """``plan`` with a key fingerprint on every change whose key embeds a secret (plan time)."""
    if not any(c.key_secrets and not c.key_fingerprint for c in plan.changes):
        return plan
    changes = tuple(
        c.model_copy(update={"key_fingerprint": key_fingerprint(salt, c.key, c.key_secrets)})
        if c.key_secrets and not c.key_fingerprint
        else c
        for c in plan.changes
    )
    return plan.model_copy(update={"changes": changes})


def restore_keys(
    plan: Plan,
    desired: Mapping[str, Desired[Any]],
    resources: Mapping[str, Resource[Any] | type[Resource[Any]]],
) -> Plan:
    """``plan`` with the real key back on every change that stores it masked (apply time).

    Raises :class:`StalePlanError` naming each change whose key no longer has the planned
    fingerprint (a secret in it was rotated, or the object is no longer declared)."""
    changes: list[Change] = []
    moved: list[str] = []
    for change in plan.changes:
        if not change.key_fingerprint or change.key_secrets:
            changes.append(change)  # no secret in the key, or still the in-memory plan
            continue
        restored = _restored(change, desired, resources)
        if restored is None:
            moved.append(
                f"{change.address}: its natural key embeds a secret that is not the one "
                "planned (rotated since the plan was made, or no longer declared)"
            )
        else:
            changes.append(restored)
    if moved:
        raise StalePlanError(
            "the saved plan is stale: a secret inside a natural key changed. Run plan again.",
            moved,
        )
    return plan.model_copy(update={"changes": tuple(changes)})


def _restored(
    change: Change,
    desired: Mapping[str, Desired[Any]],
    resources: Mapping[str, Resource[Any] | type[Resource[Any]]],
) -> Change | None:
    d, resource = desired.get(change.address), resources.get(change.kind)
    if d is None or resource is None or change.key_fingerprint is None:
        return None
    real = resource.key(d.spec)
    secrets = secrets_in_key(d, real)
    if not key_matches(change.key_fingerprint, real, secrets):
        return None
    return change.model_copy(update={"key": real, "key_secrets": secrets})
