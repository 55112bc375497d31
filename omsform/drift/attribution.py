"""Who moved a field: the live system (**drift**) or the YAML (**intent**), or ``unknown``.

After each write, apply records in the ledger a digest of every top-level field of the desired
value it made live (:func:`applied_digests`). Plan compares those digests with the live value of
each changed field (:func:`attribute_fields`):

- the live value's digest differs from the recorded one → **drift**: someone changed the object
  outside omsform since it was last applied (whatever the YAML did meanwhile: applying would
  revert that hand change, so it must be seen);
- it equals the recorded one → **intent**: the YAML moved since the last apply;
- nothing recorded for the field (a fresh ledger, an imported brand, a field apply never
  wrote) → **unknown**.

Digests never hold a secret: a field with a secret anywhere inside it (a ``${secret.…}`` value
or a write-only path) gets no digest here. Such fields are attributed by the ledger's salted
scrypt fingerprints instead, which apply already records for them: the desired value's
fingerprint equal to the recorded one means the YAML did not move (drift); different, intent.

A whole object is attributed too: a create of an object the ledger knows was deleted by hand
(drift), of one it does not know is new in the YAML (intent); a delete of an undeclared object
the ledger knows was removed from the YAML (intent), of one it does not know was made by hand
(drift). Both only when the ledger records some object of that kind: otherwise (no ledger, an
imported brand) they are ``unknown``. Everything here is pure: the ledger's records come in
as plain mappings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote
from omsform.paths import comparable, fast_encode, get_path, parse_path, to_plain, top_field
from omsform.plan.model import DRIFT, Change, FieldChange, Plan
from omsform.plan.openmaps import open_fields, projected

INTENT, UNKNOWN = "intent", "unknown"
__all__ = ["DRIFT", "INTENT", "UNKNOWN", "applied_digests", "attribute_fields", "digest"]
_PREFIX = "sha256:"
# json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False), built once
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})  # to_plain returns them as they are
_encode_string = json.encoder.encode_basestring  # what _CANONICAL does with a str
_canonical = fast_encode(_CANONICAL)  # apply digests every field of every object it writes


def digest(value: Any) -> str:
    """``sha256:<16 hex>`` of the canonical JSON of a :func:`comparable` value (never a
    secret: callers leave out fields that hold one)."""
    return _digest_plain(to_plain(value))


def _digest_plain(plain: Any) -> str:
    """:func:`digest` of a value already in its plain (:func:`to_plain`) form. A short plain
    scalar's digest is remembered: most fields of most objects repeat a value (flags, codes
    of shared targets, ``None``), ~70 % of those of the 6,000 objects of the P6 brand."""
    kind = type(plain)
    if kind not in _REMEMBERED or (kind is str and len(plain) > 100):
        return _digest_text(plain)
    found = _scalar_digests.get((kind, plain))  # the type too: True, 1 and 1.0 are equal keys
    if found is None:
        if len(_scalar_digests) >= 10_000:  # a bound on memory (unique names and codes)
            _scalar_digests.clear()
        found = _scalar_digests[(kind, plain)] = _digest_text(plain)
    return found


_REMEMBERED = frozenset({str, int, bool, type(None)})
_scalar_digests: dict[tuple[type, Any], str] = {}


def _digest_text(plain: Any) -> str:
    """:func:`_digest_plain` worked out."""
    kind = type(plain)
    if kind is str:
        text = _encode_string(plain)
    elif kind is bool or plain is None:
        text = "true" if plain is True else "false" if plain is False else "null"
    elif kind is int:
        text = int.__repr__(plain)  # what json writes for an int
    else:
        text = _canonical(plain)
    return _PREFIX + hashlib.sha256(text.encode()).hexdigest()[:16]


def _secret_tops(d: Desired[Any], cls: type[Resource[Any]]) -> frozenset[str]:
    """Top-level fields that hold a secret somewhere inside (no digest for them)."""
    return frozenset(str(parse_path(p)[0]) for p in (*d.secret_paths, *cls.write_only))


def applied_digests(d: Desired[Any], cls: type[Resource[Any]]) -> dict[str, str]:
    """Top-level field → digest of the value apply made live, secret-holding fields left out."""
    secret = _secret_tops(d, cls) if (d.secret_paths or cls.write_only) else frozenset()
    spec = d.spec
    if not isinstance(spec, BaseModel):
        fields = comparable(spec)
        return {name: digest(value) for name, value in fields.items() if name not in secret}
    # apply records one per create: a model's fields are taken as they are, with no
    # comparable() copy of the whole spec first (to_plain gives the same plain form either way;
    # a plain value of an exact JSON type is its own plain form)
    digests = {}
    for name in type(spec).model_fields:
        if name not in secret:
            value = getattr(spec, name)
            plain = value if type(value) in _PLAIN_TYPES else to_plain(value)
            digests[name] = _digest_plain(plain)
    return digests


def attribute_fields(
    fields: Sequence[FieldChange],
    d: Desired[Any],
    current: Remote[Any],
    cls: type[Resource[Any]],
    recorded: Mapping[str, str] | None,
    secret_moved: Callable[[str], bool | None],
) -> list[FieldChange]:
    """``fields`` each with its attribution (see the module rules).

    ``recorded``: the ledger's top-level digests of this object (``None``: it knows none);
    ``secret_moved(path)``: whether the desired value's fingerprint at a secret ``path``
    differs from the recorded one (``None``: no fingerprint recorded there)."""
    want = comparable(d.spec)
    have = projected(want, comparable(current.spec), open_fields(cls, d.exclusive))
    out = []
    for f in fields:
        top = str(parse_path(f.path)[0]) if f.path else ""
        if f.sensitive or top in _secret_tops(d, cls):
            moved = secret_moved(f.path)
            origin = UNKNOWN if moved is None else INTENT if moved else DRIFT
        elif recorded is None or top not in recorded:
            origin = UNKNOWN
        else:
            live = get_path(have, top) if isinstance(have, Mapping) else None
            origin = DRIFT if digest(live) != recorded[top] else INTENT
        out.append(f.model_copy(update={"attribution": origin}))
    return out


def of_change(fields: Iterable[FieldChange]) -> str:
    """A change's attribution from its fields': drift if any, else intent if any, else unknown."""
    origins = {f.attribution for f in fields}
    for origin in (DRIFT, INTENT):
        if origin in origins:
            return origin
    return UNKNOWN


def of_create(known: bool, tracked: bool) -> str:
    """A declared object that is missing: deleted by hand when the ledger knows it, new in the
    YAML when the ledger records other objects of its kind (``tracked``), else unknown."""
    return DRIFT if known else INTENT if tracked else UNKNOWN


def of_delete(known: bool, tracked: bool) -> str:
    """An undeclared live object: removed from the YAML when the ledger knows it, made by hand
    when the ledger records other objects of its kind (``tracked``), else unknown."""
    return INTENT if known else DRIFT if tracked else UNKNOWN


def drifted(change: Change) -> bool:
    """Whether ``change`` (or one of its fields) comes from a change made outside omsform."""
    return change.attribution == DRIFT or any(f.attribution == DRIFT for f in change.fields)


def live_digests(
    d: Desired[Any], current: Remote[Any], cls: type[Resource[Any]], tops: Iterable[str]
) -> dict[str, str]:
    """Digests of the live values of ``tops`` (as plan compares them), secret fields left out."""
    want = comparable(d.spec)
    have = projected(want, comparable(current.spec), open_fields(cls, d.exclusive))
    secret = _secret_tops(d, cls)
    return {t: digest(have.get(t)) for t in tops if t not in secret}


def pulled_digests(
    plan: Plan,
    pulled: Iterable[Any],
    desired: Mapping[str, Desired[Any]],
    current: Mapping[str, Sequence[Remote[Any]]],
    resources: Mapping[str, Any],
) -> dict[str, dict[str, str]]:
    """Address → digests of the live values ``pull`` wrote into the YAML: they are what the
    brand now declares, so they count as applied. Only fields whose every drifted part was
    pulled (``pulled`` holds :class:`omsform.drift.pull.Pulled` values)."""
    done: dict[str, set[str]] = {}
    for p in pulled:
        done.setdefault(p.address, set()).add(p.path)
    out: dict[str, dict[str, str]] = {}
    for change in plan.drift:
        paths = done.get(change.address)
        d = desired.get(change.address)
        remote = next(
            (r for r in current.get(change.kind, ()) if str(r.id) == str(change.remote_id)), None
        )
        if not paths or d is None or remote is None:
            continue
        tops = {top_field(f.path) for f in change.fields if f.path in paths}
        tops -= {top_field(f.path) for f in change.fields if f.path not in paths}
        cls = type(resources[change.kind])
        out[change.address] = live_digests(d, remote, cls, tops)
    return out
