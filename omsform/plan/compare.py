"""Field by field: how a declared object differs from its current one, as plan-ready values.

Only pairs that differ are explained (deepdiff inside nested values); in an open map only the
declared keys are compared (:mod:`omsform.plan.openmaps`); a changed ``immutable``
field forces replacement, or manual work when the kind cannot be deleted and re-created.
Write-only values cannot be read back, so they are compared by the ledger's fingerprint of the
last value sent. Values at write-only paths and at a desired's ``secret_paths`` never enter the
plan: they appear as ``(sensitive)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import TypeAdapter

from omsform.contract.resource import Resource
from omsform.contract.spec import Desired, Remote
from omsform.errors import PlanError
from omsform.paths import (
    changed_paths,
    comparable,
    covers,
    drop_paths,
    get_path,
    leaves,
    parse_path,
    path_order,
    reveal,
    same_spec,
)
from omsform.plan.model import Action, FieldChange, Note
from omsform.plan.openmaps import open_fields, projected, sent_spec
from omsform.plan.writeonly import write_only_changes, write_only_test
from omsform.secrets.mask import mask_change, mask_url_data

KeptKeys = Mapping[str, Mapping[str, Any]]
_JSON: TypeAdapter[Any] = TypeAdapter(Any)

Fingerprint = Callable[[str, Any], str]
"""``fingerprint(secret_slot(address, path), value) -> str``: the ledger's salted hash."""


def secret_slot(address: str, path: str) -> str:
    """The name a write-only value is fingerprinted under (``oms_webhook.orders:auth.token``)."""
    return f"{address}:{path}"


@dataclass(frozen=True)
class Fingerprints:
    """What write-only values are compared with: the ledger's ``recorded`` fingerprints (address
    → concrete path → fingerprint; every address the ledger knows is present, with an empty
    mapping when apply sent no write-only value), the ``fingerprint`` function, and ``refresh``
    (compare values that have no recorded fingerprint as changed instead of leaving them
    unverified)."""

    recorded: Mapping[str, Mapping[str, str]]
    fingerprint: Fingerprint | None
    refresh: bool

    def of(self, address: str, path: str, value: Any) -> str:
        """The fingerprint of ``value`` sent to ``path`` of ``address``."""
        if self.fingerprint is None:
            raise PlanError("build_plan needs a fingerprint function to compare write-only values")
        return self.fingerprint(secret_slot(address, path), reveal(value))

    def moved(self, d: Desired[Any], path: str) -> bool | None:
        """Whether the desired value at or around secret ``path`` differs from what apply last
        sent there, by the recorded fingerprints (``None``: none recorded for it)."""
        recorded = self.recorded.get(d.address) or {}
        near = [p for p in recorded if covers(p, path) or covers(path, p)]
        if not near:
            return None
        want = comparable(d.spec)
        return any(
            (value := get_path(want, p)) is None
            or self.of(d.address, p, comparable(value)) != recorded[p]
            for p in near
        )


class Comparison(NamedTuple):
    """How a declared object differs from its current one: the ``fields`` shown (plan-ready,
    masked), the write-only paths left ``unverified``, and the top-level spec fields that
    differ (``top``: what an update of the object sends), found from the values themselves."""

    fields: list[FieldChange]
    unverified: list[str]
    top: frozenset[str]


def compare(
    d: Desired[Any], current: Remote[Any], cls: type[Resource[Any]], fingerprints: Fingerprints
) -> Comparison:
    """Field changes between a matched pair (see :class:`Comparison`)."""
    fields: list[FieldChange] = []
    top: frozenset[str] = frozenset()
    if not same_spec(d.spec, current.spec):  # equal is the common case, decided at once
        want, have = comparable(d.spec), comparable(current.spec)
        have = projected(want, have, open_fields(cls, d.exclusive))
        wanted, had = drop_paths(want, cls.write_only), drop_paths(have, cls.write_only)
        if wanted != had:
            secret = (*d.secret_paths, *cls.write_only)
            fields = _explain(had, wanted, secret, cls.immutable)
            top = frozenset(k for k in {*wanted, *had} if wanted.get(k) != had.get(k))
    if not cls.write_only:
        return Comparison(fields, [], top)
    hidden, unverified, hidden_top = write_only_changes(d, current, cls, fingerprints)
    if hidden:
        fields = sorted([*fields, *hidden], key=lambda f: path_order(f.path))
    return Comparison(fields, unverified, top | hidden_top)


def equal_test(
    cls: type[Resource[Any]], fingerprints: Fingerprints
) -> Callable[[Any, Any, str], bool]:
    """``(desired spec, live spec, address) → True`` when :func:`compare` would find no change
    and nothing unverified for ``cls``, decided at once: an equal pair with no write-only value
    to compare (the usual case). ``False`` means compare to know."""
    if not cls.write_only:
        return lambda spec, live, address: same_spec(spec, live)
    nothing = write_only_test(cls, fingerprints)
    return lambda spec, live, address: same_spec(spec, live) and nothing(spec, live, address)


def sent_values(
    d: Desired[Any], cls: type[Resource[Any]], names: Iterable[str], kept: KeptKeys
) -> dict[str, Any]:
    """What an update of ``d`` sends for each top-level field in ``names``, as a saved plan
    stores it: the declared value (an open map merged with the live keys ``kept``), as JSON,
    with the values at secret and write-only paths as ``(sensitive)`` and URL credentials
    masked. Apply compares it with the brand loaded again (:mod:`omsform.apply.work`)."""
    values = comparable(sent_spec(d.spec, kept))
    secret = (*d.secret_paths, *cls.write_only)
    shown = {name: mask_change(name, None, values.get(name), secret)[1] for name in names}
    return dict(mask_url_data(_JSON.dump_python(shown, mode="json")))


def update_or_replace(
    cls: type[Resource[Any]], fields: Sequence[FieldChange]
) -> tuple[Action, str]:
    """UPDATE, or REPLACE/MANUAL (with the reason) when an immutable field changed."""
    forced = sorted({str(parse_path(f.path)[0]) for f in fields if f.forces_replace})
    if not forced:
        return Action.UPDATE, ""
    named = f"immutable field{'s' if len(forced) > 1 else ''} {', '.join(map(repr, forced))}"
    if cls.replace_allowed and cls.can_delete and cls.can_create:
        return Action.REPLACE, f"{named} changed: forces replacement"
    todo = cls.manual_instruction or "change it by hand in the remote system"
    return Action.MANUAL, (
        f"{named} changed and {cls.kind} objects cannot be deleted and re-created through the "
        f"API: {todo}, or revert it in the YAML"
    )


def create_fields(d: Desired[Any], cls: type[Resource[Any]]) -> list[FieldChange]:
    """Every declared value of a new object, nested mappings flattened to leaf paths."""
    secret = (*d.secret_paths, *cls.write_only)
    return [_field(path, None, value, secret, False) for path, value in leaves(comparable(d.spec))]


def delete_fields(current: Remote[Any], cls: type[Resource[Any]]) -> list[FieldChange]:
    """What an object to be deleted holds (``before``; absent values left out), for review."""
    values = leaves(comparable(current.spec))
    return [
        _field(path, value, None, cls.write_only, False)
        for path, value in values
        if value is not None
    ]


def unverified_note(address: str, paths: Sequence[str]) -> Note:
    """The note saying which write-only values could not be compared, and how to send them."""
    many = len(paths) > 1
    message = (
        f"{', '.join(paths)}: write-only value{'s' if many else ''} with no recorded fingerprint, "
        f"so {'they were' if many else 'it was'} not compared; `omsform apply --refresh-secrets` "
        f"sends {'them' if many else 'it'} and records {'their' if many else 'its'} fingerprint"
        f"{'s' if many else ''}"
    )
    return Note(category="unverified", address=address, message=message)


def _field(path: str, before: Any, after: Any, secret: Sequence[str], forces: bool) -> FieldChange:
    """A FieldChange with plain JSON values and every sensitive part masked."""
    shown_before, shown_after, sensitive = mask_change(path, before, after, secret)
    return FieldChange(
        path=path,
        before=shown_before,
        after=shown_after,
        sensitive=sensitive,
        forces_replace=forces,
    )


def _explain(
    before: Any, after: Any, secret: Sequence[str], immutable: frozenset[str]
) -> list[FieldChange]:
    return [
        _field(path, b, a, secret, parse_path(path)[0] in immutable)
        for path, b, a in changed_paths(before, after)
    ]
