"""Write-only values in a plan: the API never returns them in clear, so each declared one is
compared with the ledger's fingerprint of the value apply last sent (:func:`write_only_changes`);
a change shows as ``(sensitive)``. See :mod:`omsform.plan.compare`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote
from omsform.paths import comparable, items_by_pattern, parse_path, plain_at, top_field
from omsform.plan.model import FieldChange
from omsform.secrets import SENSITIVE

if TYPE_CHECKING:
    from omsform.plan.compare import Fingerprints


def write_only_changes(
    d: Desired[Any], current: Remote[Any], cls: type[Resource[Any]], fingerprints: Fingerprints
) -> tuple[list[FieldChange], list[str], frozenset[str]]:
    """Masked changes of write-only values, the paths left unverified, and the top-level
    fields those changes are in (by the kind's declared ``write_only`` patterns).

    What is known about the current value decides (the API never returns it in clear):

    - a recorded fingerprint: the value last sent. Desired present → compare fingerprints;
      desired absent → clear it.
    - no fingerprint, current set (the API answered with its mask): desired present →
      unverified (a change with ``refresh``); desired absent → clear it.
    - no fingerprint, current absent (``None`` or empty): desired absent → nothing; desired
      present → add it when the ledger knows the object (apply recorded it, so it never sent a
      value there), else unverified: a kind that reads every write-only value as ``None`` cannot
      tell an unset value from a set one.
    """
    address = d.address
    recorded = fingerprints.recorded.get(address)
    if not recorded and _nothing_to_compare(d.spec, current.spec, _tops(cls.write_only)):
        return [], [], frozenset()  # nothing write-only declared, sent or set (the usual case)
    changes: list[FieldChange] = []
    unverified: list[str] = []
    top: set[str] = set()
    for pattern, items in items_by_pattern(d.spec, cls.write_only):
        before = len(changes)
        for path, value in items:
            found = _write_only_change(
                d.address, path, value, recorded, current.spec, cls, fingerprints
            )
            if found is None:
                unverified.append(path)
            elif found:
                changes.append(found[0])
        if len(changes) > before:
            top.add(top_field(pattern))
    return changes, unverified, frozenset(top)


def write_only_test(
    cls: type[Resource[Any]], fingerprints: Fingerprints
) -> Callable[[Any, Any, str], bool]:
    """``(desired spec, live spec, address) → True`` when :func:`write_only_changes` finds
    nothing for ``cls``: no fingerprint recorded for the address and no value for its patterns
    to compare (the usual case), told from the top-level fields or else from one walk;
    ``False`` means ask it."""
    recorded, patterns = fingerprints.recorded, cls.write_only
    tops = _tops(patterns)
    # no ledger (a first plan): no lookup, so the address itself is never read
    return lambda spec, live, address: (
        not (recorded and recorded.get(address))
        and (_nothing_to_compare(spec, live, tops) or not items_by_pattern(spec, patterns))
    )


@cache
def _tops(write_only: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """Each top-level field a kind's write-only patterns are in, and whether one of the
    patterns is that field itself."""
    whole = {p for p in write_only if len(parse_path(p)) == 1}
    return tuple((t, t in whole) for t in dict.fromkeys(top_field(p) for p in write_only))


def _nothing_to_compare(spec: Any, live: Any, tops: tuple[tuple[str, bool], ...]) -> bool:
    """Whether the patterns find no value to compare (then there is no change and nothing is
    unverified): a field that is itself write-only is unset on both sides, and under every
    other field the declared value is absent, plain or an empty collection (a pattern below
    it finds nothing, whatever the live object holds)."""
    for top, whole in tops:
        value = getattr(spec, top, None)
        if whole and (value is not None or getattr(live, top, None) is not None):
            return False
        if not whole and not (value is None or type(value) in _PLAIN or value in _EMPTY):
            return False
    return True


_PLAIN = frozenset({str, int, float, bool})
_EMPTY: tuple[Any, ...] = ({}, [], ())


def _write_only_change(
    address: str,
    path: str,
    value: Any,
    recorded: Mapping[str, str] | None,
    live: Any,
    cls: type[Resource[Any]],
    fingerprints: Fingerprints,
) -> tuple[FieldChange, ...] | None:
    """The masked change of one write-only value (``()`` when none), or ``None`` when it is
    left unverified (see :func:`write_only_changes`)."""
    # The plain form apply fingerprints after a write, so equal values hash alike.
    value, known = comparable(value), (recorded or {}).get(path)
    is_set = plain_at(live, path) not in (None, "")
    forces = parse_path(path)[0] in cls.immutable
    if value is not None and known is None:
        if not (fingerprints.refresh or (recorded is not None and not is_set)):
            return None
        return (_hidden(path, is_set, True, forces),)
    if _moved(address, path, value, known, is_set, fingerprints):
        return (_hidden(path, value is None or known is not None, value is not None, forces),)
    return ()


def _moved(
    address: str, path: str, value: Any, known: str | None, is_set: bool, prints: Fingerprints
) -> bool:
    """Whether a write-only value with a recorded fingerprint ``known`` (or none, when
    ``value`` is absent) differs from what the object holds: absent → it is set or was sent;
    present → its fingerprint is not the recorded one."""
    if value is None:
        return known is not None or is_set
    return prints.of(address, path, value) != known


def _hidden(path: str, before: bool, after: bool, forces: bool) -> FieldChange:
    """A write-only change: ``(sensitive)`` on each side that holds a value, ``None`` if not."""
    return FieldChange(
        path=path,
        before=SENSITIVE if before else None,
        after=SENSITIVE if after else None,
        sensitive=True,
        forces_replace=forces,
    )
