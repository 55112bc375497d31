"""The objects of one ``build_plan`` run indexed by kind and natural key, with the checks that
need all of them at once: duplicate keys, kinds not read, references to nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from omsform.errors import PlanError
from omsform.plan import Note
from omsform.resource import Resource
from omsform.spec import Desired, Remote

if TYPE_CHECKING:
    from omsform.diff import PlanInputs

_NO_REFERENCES = Resource.references.__func__  # type: ignore[attr-defined]


class PlanIndex:
    """Desired addresses ``by_kind``, the ``current`` objects of each kind by key, each declared
    address's natural key (``keys``) and kind → key → address (``declared``); what is wrong
    across objects is collected in ``problems`` (stop planning) and ``notes`` (warnings)."""

    def __init__(self, inputs: PlanInputs) -> None:
        self.inputs = inputs
        self.problems: list[str] = []
        self.notes: list[Note] = []
        self.keys: dict[str, str] = {}
        self.by_kind: dict[str, list[str]] = {}
        for address in sorted(inputs.desired):
            self.by_kind.setdefault(inputs.desired[address].kind, []).append(address)
        self.current = {k: self._index(k, v) for k, v in sorted(inputs.current.items())}
        self.declared = self._declared_keys()
        self._check_references()

    def resource(self, kind: str) -> type[Resource[Any]]:
        """The Resource class of ``kind`` (PlanError when no provider serves it)."""
        try:
            return self.inputs.resources[kind]
        except KeyError:
            raise PlanError(f"no provider serves the kind '{kind}'") from None

    def provider(self, kind: str) -> str:
        """The name of the provider serving ``kind`` (PlanError when none is known)."""
        try:
            return self.inputs.provider_of[kind]
        except KeyError:
            raise PlanError(f"no provider is known for the kind '{kind}'") from None

    def _index(self, kind: str, remotes: Sequence[Remote[Any]]) -> dict[str, Remote[Any]]:
        cls = self.resource(kind)
        index: dict[str, Remote[Any]] = {}
        twins: dict[str, list[str]] = {}
        for remote in remotes:
            key = cls.key(remote.spec)
            if key in index:
                twins.setdefault(key, [str(index[key].id)]).append(str(remote.id))
            else:
                index[key] = remote
        for key, ids in sorted(twins.items()):
            message = (
                f"{len(ids)} {kind} objects share the key '{key}' (ids {', '.join(ids)}); "
                f"omsform manages id {ids[0]} and leaves the others alone: remove the duplicates"
            )
            self.notes.append(Note(category="warning", address=f"{kind}[{key}]", message=message))
        return index

    def _declared_keys(self) -> dict[str, dict[str, str]]:
        """Kind → natural key → address of every declared object (duplicates are problems)."""
        out: dict[str, dict[str, str]] = {}
        for kind, addresses in self.by_kind.items():
            if kind not in self.current:
                self.problems.append(f"the current {kind} objects were not read before planning")
            cls, keys = self.resource(kind), out.setdefault(kind, {})
            for address in addresses:
                key = self.keys[address] = cls.key(self.inputs.desired[address].spec)
                if key in keys:
                    self.problems.append(
                        f"{keys[key]} and {address} both declare {kind} '{key}': "
                        "a natural key must be unique within its kind"
                    )
                keys.setdefault(key, address)
        return out

    def _check_references(self) -> None:
        for owner, addresses in sorted(self.by_kind.items()):
            cls = self.resource(owner)
            if getattr(cls.references, "__func__", None) is _NO_REFERENCES:
                continue  # the kind references nothing: skip calling it per object
            for address in addresses:
                self._check_object_references(self.inputs.desired[address], cls)

    def _check_object_references(self, d: Desired[Any], cls: type[Resource[Any]]) -> None:
        for kind, key in cls.references(d.spec):
            # A kind that was not read cannot be checked; the reader lists referenced kinds.
            if key in self.declared.get(kind, {}) or kind not in self.current:
                continue
            if key not in self.current[kind]:
                where = f"{d.location.file}:{d.location.line}: " if d.location.file else ""
                self.problems.append(
                    f"{where}{d.address} references {kind} '{key}', which neither exists in "
                    f"{self.provider(kind)} nor is declared"
                )
