"""The comparable content of remote objects (``Spec``), and the two sides of a comparison.

*desired* objects come from the brand's YAML (:class:`Desired`), *current* ones from the API
(:class:`Remote`). Both sides hold the **same** ``Spec`` model for a kind, so "has it changed" is
plain equality after each kind has normalised its model (server defaults, unordered sets, None vs
empty). Reference fields hold the target's *natural key*, never a server id, so a plan can be
built before the target exists; ids are resolved at apply time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationInfo

from omsform.errors import Location

READ: dict[str, Any] = {"read": True}
"""The validation context of an object read from the API (``model_validate(row, context=READ)``):
validators that are stricter than the API (write-only values the API masks or leaves out, rules
only the YAML must follow) consult :func:`reading` and let a live value through; every other
normalisation runs as for the YAML, so a read object compares equal to the one applied."""


def reading(info: ValidationInfo) -> bool:
    """Whether a validator runs on an object read from the API (context :data:`READ`)."""
    return bool(isinstance(info.context, Mapping) and info.context.get("read"))


class Spec(BaseModel):
    """Base of every kind's model: frozen, unknown fields rejected, values normalised."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


S = TypeVar("S", bound=Spec)


@dataclass(frozen=True)
class Remote(Generic[S]):
    """One object as the API returned it.

    ``spec`` is comparable with a desired spec (write-only values are absent or masked there);
    ``id`` is the server's identity; ``fingerprint`` is the object's version for stale-plan checks
    (its ``modified_date`` where the API has one, else a hash of its normalised content);
    ``server`` keeps server-owned fields (``omnitron_id``, status, …) that are not compared.
    """

    id: int | str
    spec: S
    fingerprint: str
    server: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Desired(Generic[S]):
    """One object declared in the brand's YAML.

    ``address`` is ``kind.name``; ``depends_on`` the addresses it references (dependency edges);
    ``secret_paths`` the dotted field paths whose value came from ``${secret.…}``; ``exclusive``
    the kind's open maps the YAML makes authoritative (meta field ``exclusive``, see
    :mod:`omsform.plan.openmaps`); ``location`` where it was declared, for messages.
    """

    address: str
    kind: str
    name: str
    spec: S = field(repr=False)  # holds resolved secrets
    depends_on: frozenset[str] = frozenset()
    secret_paths: frozenset[str] = frozenset()
    exclusive: frozenset[str] = frozenset()
    location: Location = field(default_factory=Location)


def fingerprint_of(obj: Mapping[str, Any]) -> str:
    """An API object's version: its ``modified_date`` when it has one, else a hash of its
    content (the API's masked values included, so no secret is ever hashed here)."""
    stamp = obj.get("modified_date")
    if isinstance(stamp, str) and stamp:
        return stamp
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:32]
