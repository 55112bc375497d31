"""Open maps: free-form mappings whose keys the API or other systems also write.

A kind names them in :attr:`~omsform.contract.resource.Resource.open_maps` (a channel's
``configuration``, a webhook's ``config``). The brand owns only the keys it declares there:

- only declared keys are compared (:func:`projected`); a key declared ``null`` must be absent
  (a live ``null`` counts as absent);
- an update sends the *live* map with the declared keys merged in and the ``null`` ones
  removed, so a PATCH that replaces the whole object keeps every other key. The plan computes
  the live keys it keeps (:func:`kept_keys`) and carries them in
  :attr:`~omsform.plan.model.Change.kept`; apply only merges them with the declared keys
  (:func:`sent_spec`), it never decides again which keys to keep.

The object-level meta field ``exclusive`` (``true``, or a list of open-map names) makes a map
authoritative again: compared and sent exactly as declared, every other key removed
(:attr:`~omsform.contract.spec.Desired.exclusive`). A map that holds write-only values is never
open: the
API masks them on read, so merging the live map would send the masks back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from omsform.paths import to_plain

if TYPE_CHECKING:
    from omsform.contract.resource import Resource
    from omsform.contract.spec import Spec

EXCLUSIVE = "exclusive"
"""The object-level meta field that makes open maps authoritative."""


def open_fields(cls: type[Resource[Any]], exclusive: Collection[str]) -> tuple[str, ...]:
    """The open maps of ``cls`` that are open for this object (not made ``exclusive``)."""
    return tuple(f for f in cls.open_maps if f not in exclusive)


def _declared(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def projected(want: Mapping[str, Any], have: Mapping[str, Any], fields: Iterable[str]) -> Any:
    """``have`` (a :func:`~omsform.paths.comparable` spec) with each open map in ``fields`` cut
    down to the keys ``want`` declares (a missing key reads as ``None``), so that only those are
    compared and explained."""
    fields = tuple(fields)
    if not fields:
        return have
    out = dict(have)
    for name in fields:
        live = _declared(have.get(name))
        out[name] = {k: live.get(k) for k in _declared(want.get(name))}
    return out


def kept_keys(desired: Spec, current: Spec, fields: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per open map in ``fields``: the live keys the YAML does not declare, with their live
    values (what an update must send back so that they survive)."""
    kept: dict[str, dict[str, Any]] = {}
    for name in fields:
        declared = _declared(getattr(desired, name, None))
        live = _declared(getattr(current, name, None))
        kept[name] = {str(k): to_plain(v) for k, v in live.items() if k not in declared}
    return kept


def kept_reason(kept: Mapping[str, Mapping[str, Any]]) -> str:
    """``configuration keeps 3 keys not in the YAML`` for each map that keeps any (``""``)."""
    parts = []
    for name, others in sorted(kept.items()):
        if others:
            many = len(others) != 1
            parts.append(f"{name} keeps {len(others)} key{'s' if many else ''} not in the YAML")
    return "; ".join(parts)


def merged(declared: Any, others: Mapping[str, Any]) -> dict[str, Any]:
    """What an open map's write sends: ``others`` plus the declared keys, ``null`` ones removed."""
    sent = {k: v for k, v in others.items() if k not in _declared(declared)}
    sent.update({k: v for k, v in _declared(declared).items() if v is not None})
    return sent


def sent_spec(spec: Spec, kept: Mapping[str, Mapping[str, Any]]) -> Spec:
    """``spec`` with each open map in ``kept`` replaced by what the write sends (the plan's kept
    keys merged with the declared ones); ``spec`` itself when the change keeps nothing."""
    if not kept:
        return spec
    update = {name: merged(getattr(spec, name), others) for name, others in kept.items()}
    return spec.model_copy(update=update)


def with_live(cls: type[Resource[Any]], spec: Spec, live: Spec, exclusive: Collection[str]) -> Spec:
    """``spec`` with its open maps merged into ``live``'s, for a kind that finds its object
    only at apply time (a channel the setup step copies in: the plan had no live map)."""
    return sent_spec(spec, kept_keys(spec, live, open_fields(cls, exclusive)))
