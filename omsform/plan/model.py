"""The plan as a plain value: ``Action``, ``FieldChange``, ``Change``, ``Plan``.

A Plan is frozen, JSON round-trips (``to_json``/``from_json``), carries a checksum of its
canonical content, and serializes **no secret values**: sensitive fields appear as
``(sensitive)``, a natural key embedding a secret is masked (:attr:`Change.key_secrets`), and
the write itself re-resolves secrets from the brand at apply time.
Apply executes ``changes`` in list order by ``level`` and never re-decides what to do.
The saved-plan JSON format (``format_version`` 1) is described field by field in
:mod:`omsform.plan.render`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_serializer,
    model_serializer,
)

from omsform.secrets.mask import mask_url_data, redact_data

FORMAT_VERSION = 1
DRIFT = "drift"  # attributions (:mod:`omsform.drift.attribution`); "" in plans made before them


def _drop_empty(data: Any, *names: str) -> Any:
    """``data`` without ``names`` that are empty, so plans saved before those keys existed
    serialize (and checksum) exactly as they did."""
    if isinstance(data, dict):
        for name in names:
            if data.get(name) in (None, "", {}, [], ()):
                data.pop(name, None)
    return data


class Action(StrEnum):
    """What a change does; the value is the symbol shown to users."""

    CREATE = "+"
    UPDATE = "~"
    REPLACE = "-/+"
    DELETE = "-"
    RUN = "»"
    MANUAL = "!"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldChange(_Frozen):
    """One changed field path with its old and new value (already redacted when sensitive)."""

    path: str
    before: Any = None
    after: Any = None
    sensitive: bool = False
    forces_replace: bool = False
    attribution: str = ""

    @model_serializer(mode="wrap")
    def _no_empty_attribution(self, handler: SerializerFunctionWrapHandler) -> Any:
        return mask_url_data(_drop_empty(handler(self), "attribution"))


class Change(_Frozen):
    """One action on one object. ``precondition`` is the current object's fingerprint as read
    (``None`` for a create); apply refuses the change when the live object no longer has it.

    ``key`` is the natural key; when it embeds secret values (``target_url`` with a
    ``${secret.…}`` token), ``key_secrets`` names them so that every serialized form (saved
    plans, ``--format json``, the checksum) shows the key with them as ``(sensitive)``, while
    apply, in the same process, can still find the object by its real key. ``key_secrets`` is
    never serialized or shown; a plan read back from a file has the masked key only, and
    ``key_fingerprint`` (a keyed hash of the real key, :mod:`omsform.secrets.keyprint`), by which
    apply checks the key it re-derives from the brand and gets the real key back.

    ``kept`` (updates only): per open map the update sends, the live keys the YAML does not
    declare, with their live values; apply sends them merged with the declared keys
    (:func:`omsform.plan.openmaps.sent_spec`) so that a PATCH replacing the whole map keeps them.

    ``sends`` (updates only): each top-level spec field the update sends → the value sent
    (JSON; ``(sensitive)`` where secret or write-only), decided once by ``build_plan`` from the
    values that differ (never from the display paths in ``fields``). Apply sends exactly these
    fields, with the values of the brand loaded again (secrets resolved), after checking that
    each value it can see is still the recorded one
    (:func:`omsform.apply.work.apply_input`). Empty for other actions (a create sends the whole
    declared spec) and in plans saved before it existed (derived there for those).
    """

    address: str
    kind: str
    key: str
    provider: str
    action: Action
    remote_id: int | str | None = None
    fields: tuple[FieldChange, ...] = ()
    reason: str = ""
    precondition: str | None = None
    depends_on: tuple[str, ...] = ()
    level: int = 0
    kept: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sends: dict[str, Any] = Field(default_factory=dict)
    key_secrets: tuple[str, ...] = Field(default=(), exclude=True, repr=False)
    key_fingerprint: str | None = None
    attribution: str = ""

    @field_serializer("key")
    def _shown_key(self, key: str) -> str:
        return str(redact_data(key, self.key_secrets))

    @model_serializer(mode="wrap")
    def _no_empty_additions(self, handler: SerializerFunctionWrapHandler) -> Any:
        # fields added after format 1 are left out when empty (only keys with a secret have a
        # fingerprint, only updates of open maps keep keys): other changes serialize, and are
        # checksummed, exactly as before
        # a live value may hold a credential omsform cannot name (a URL token rotated since):
        # every serialized form masks credential query parameters (secrets.CREDENTIAL_PARAMS)
        optional = ("key_fingerprint", "kept", "sends", "attribution")
        return mask_url_data(_drop_empty(handler(self), *optional))

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, (self.shown_key if name == "key" else value)

    @property
    def shown_key(self) -> str:
        """The natural key as it may be shown or stored: secret parts as ``(sensitive)``."""
        return self._shown_key(self.key)


class Note(_Frozen):
    """Something the plan reports without acting on it (unmanaged objects, unverified secrets,
    warnings). ``category`` is one of ``unmanaged``, ``unverified``, ``warning``, ``info``."""

    category: str
    address: str
    message: str

    @model_serializer(mode="wrap")
    def _masked(self, handler: SerializerFunctionWrapHandler) -> Any:
        return mask_url_data(handler(self))


class Summary(_Frozen):
    """Counts per action, as in the summary line."""

    create: int = 0
    update: int = 0
    replace: int = 0
    delete: int = 0
    run: int = 0
    manual: int = 0
    unchanged: int = 0

    @classmethod
    def of(cls, changes: Iterable[Change], unchanged: int = 0) -> Summary:
        """The counts of ``changes`` (plus ``unchanged`` objects that need nothing)."""
        count = Counter(c.action for c in changes)
        return cls(
            **{action.name.lower(): count[action] for action in Action},
            unchanged=unchanged,
        )

    def line(self) -> str:
        """``Plan: 2 to create, 1 to update, …`` exactly as users read it."""
        return (
            f"Plan: {self.create} to create, {self.update} to update, {self.replace} to replace, "
            f"{self.delete} to delete, {self.run} step{'s' if self.run != 1 else ''} to run, "
            f"{self.manual} manual."
        )


class PlanTarget(_Frozen):
    """Where a plan was made, so that applying it elsewhere is refused: the embedded sandbox
    (``sandbox``: its database, relative to the plan file like ``brand_dir``) or the live
    systems (``hosts``: provider name → ``scheme://host[:port]`` of its URL)."""

    sandbox: str | None = None
    hosts: dict[str, str] = Field(default_factory=dict)

    def describe(self) -> str:
        """``the embedded sandbox (demo/.omsform/sandbox.sqlite)`` or ``akinon_oms at https://…``."""
        if self.sandbox is not None:
            return f"the embedded sandbox ({self.sandbox})"
        return ", ".join(f"{name} at {host}" for name, host in sorted(self.hosts.items()))


class Plan(_Frozen):
    """Everything a run would do, in apply order. ``target`` (absent in plans made before it
    existed) records where the plan was made. ``complete`` is false for a partial plan
    (``plan --changed-since``, which sets ``changed_since`` to its REF): ``left_out`` names the
    declared or pruned kinds it neither read nor planned."""

    format_version: int = FORMAT_VERSION
    brand: str
    brand_dir: str = "."
    config_digest: str = ""
    changes: tuple[Change, ...] = ()
    notes: tuple[Note, ...] = ()
    summary: Summary = Field(default_factory=Summary)
    target: PlanTarget | None = None
    complete: bool = True
    left_out: tuple[str, ...] = ()
    changed_since: str = ""

    @model_serializer(mode="wrap")
    def _partial_only(self, handler: SerializerFunctionWrapHandler) -> Any:
        # only a partial plan carries these keys: complete plans serialize, and are
        # checksummed, exactly as before they existed
        data = handler(self)
        if isinstance(data, dict) and data.get("complete") is True:
            data.pop("complete")
            if not data.get("left_out"):
                data.pop("left_out", None)
            if not data.get("changed_since"):
                data.pop("changed_since", None)
        return data

    @property
    def has_changes(self) -> bool:
        """True when applying would do anything (manual changes included)."""
        return bool(self.changes)

    def document(self) -> dict[str, Any]:
        """The plan as JSON data. ``target`` is left out when unknown, so a plan saved before
        the field existed keeps its checksum."""
        doc = self.model_dump(mode="json")
        if doc.get("target") is None:
            doc.pop("target", None)
        return doc

    @property
    def drift(self) -> tuple[Change, ...]:
        """The changes made outside omsform (attributed ``drift``), each with only its drifted
        fields (all of them for a create or delete): what "Changed outside omsform" shows."""
        found = []
        for change in self.changes:
            fields = tuple(f for f in change.fields if f.attribution == DRIFT)
            if fields:
                found.append(change.model_copy(update={"fields": fields}))
            elif change.attribution == DRIFT:  # the whole object: created or deleted by hand
                found.append(change)
        return tuple(found)

    def canonical(self) -> str:
        """Canonical JSON of the content (what the checksum covers)."""
        return json.dumps(self.document(), sort_keys=True, separators=(",", ":"))

    def checksum(self) -> str:
        """sha256 of the canonical content; binds an approval to exactly this plan."""
        return hashlib.sha256(self.canonical().encode()).hexdigest()

    def to_json(self) -> str:
        """The saved-plan file content: the plan plus its checksum."""
        doc = self.document()
        doc["checksum"] = self.checksum()
        if self.drift:  # derived from the changes, so outside the checksum
            doc["drift"] = [c.model_dump(mode="json") for c in self.drift]
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Parse a saved plan, verifying its format version and checksum (``ValueError``)."""
        doc = json.loads(text)
        version = doc.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(f"plan format_version {version!r} is not {FORMAT_VERSION}")
        checksum = doc.pop("checksum", None)
        doc.pop("drift", None)  # derived from the changes (see to_json)
        plan = cls.model_validate(doc)
        if checksum != plan.checksum():
            raise ValueError("plan checksum does not match its content: the file was edited")
        return plan
