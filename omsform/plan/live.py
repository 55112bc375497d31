"""The current objects of one kind by natural key, keyed as the planner asks for them.

Keying a live object reads its spec; comparing it with its declared twin reads the spec again.
With 50,000 objects, a pass that keys every live object before the walk over the declared ones
leaves none of them in the CPU's caches by the time it is compared. So a :class:`LiveIndex`
keys its objects in list order, a few at a time, only when a key is asked for that it has not
met yet: when the live objects come in about the order the walk asks for them (a brand that
omsform created lists back in its address order), each is compared right after it was keyed.
In any other order the first lookups key more of them at once, at worst all, as a full index
would. Every object is keyed exactly once, whatever the order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from omsform.contract.resource import Resource
from omsform.contract.spec import Remote

_DEFAULT_KEY = Resource.key.__func__  # type: ignore[attr-defined]
_AHEAD = 64  # objects keyed per step: few enough to still be in the caches when compared

Told = Callable[[bool], str]
"""What is wrong with live objects, told for a managed kind (``True``) or one only referenced."""


class LiveIndex:
    """The current objects of ``kind`` (``remotes``, in the order they were listed) by natural
    key, filled as lookups need it (:meth:`find`). Once :meth:`complete`, ``by_key`` holds
    every object that has a key (the first, for a key several share) and :meth:`findings`
    tells which objects have no key and which keys are shared."""

    def __init__(self, kind: str, remotes: Sequence[Remote[Any]], cls: type[Resource[Any]]):
        self.kind = kind
        self.by_key: dict[str, Remote[Any]] = {}
        self._remotes = remotes
        self._keyed = _keyed(cls)
        self._next = 0  # the first object not keyed yet
        self._keyless: list[tuple[Remote[Any], Sequence[str]]] = []
        self._twins: dict[str, list[str]] = {}  # key → ids of the objects sharing it

    def find(self, key: str) -> Remote[Any] | None:
        """The live object whose natural key is ``key`` (``None``: there is none), keying the
        objects not keyed yet until it is met."""
        found = self.by_key.get(key)
        while found is None and self._next < len(self._remotes):
            self._key_next(_AHEAD)
            found = self.by_key.get(key)
        return found

    def complete(self) -> dict[str, Remote[Any]]:
        """Every live object with a key, by key (the objects no lookup needed are keyed now)."""
        self._key_next(len(self._remotes))
        return self.by_key

    def findings(self) -> list[tuple[str, Told]]:
        """Once :meth:`complete`: ``(address, told)`` for each live object without its natural
        key (in list order), then for each key several objects share (sorted by key)."""
        kind = self.kind
        told: list[tuple[str, Told]] = [
            (kind, partial(_keyless, kind, r, gaps)) for r, gaps in self._keyless
        ]
        for key, ids in sorted(self._twins.items()):
            told.append((f"{kind}[{key}]", partial(_twins, kind, key, ids)))
        return told

    def _key_next(self, count: int) -> None:
        """Key the next ``count`` objects not keyed yet; the first object with a key wins it."""
        start, by_key, keyed = self._next, self.by_key, self._keyed
        self._next = min(start + count, len(self._remotes))
        for remote in self._remotes[start : self._next]:
            gaps, key = keyed(remote.spec)
            if gaps:
                self._keyless.append((remote, gaps))
                continue
            first = by_key.setdefault(key, remote)
            if first is not remote:
                self._twins.setdefault(key, [str(first.id)]).append(str(remote.id))


def _keyed(cls: type[Resource[Any]]) -> Callable[[Any], tuple[Sequence[str], str]]:
    """``spec → (key_gaps(cls, spec), cls.key(spec))``; for the default key function the
    fields are read once for both (it runs for every live object)."""
    names = cls.key_fields
    if getattr(cls.key, "__func__", None) is not _DEFAULT_KEY:

        def own_key(spec: Any) -> tuple[Sequence[str], str]:
            key = cls.key(spec)  # judged as key_gaps judges it
            return ([] if key else list(names) or ["key"]), key

        return own_key

    if len(names) == 1:  # the usual natural key: one field
        (name,) = names

        def one_field(spec: Any) -> tuple[Sequence[str], str]:
            value = getattr(spec, name, None)
            return ((name,), "") if value in (None, "") else ((), str(value))  # () is shared

        return one_field

    def keyed(spec: Any) -> tuple[Sequence[str], str]:
        values = [getattr(spec, f, None) for f in names]
        gaps = [f for f, v in zip(names, values, strict=True) if v in (None, "")]
        return gaps, "" if gaps else "|".join(map(str, values))

    return keyed


def _keyless(kind: str, remote: Remote[Any], gaps: Sequence[str], managed: bool) -> str:
    fields = ", ".join(gaps)
    head = (
        f"{kind} id {remote.id}: the live object has no {fields} (missing or null), "
        f"which {'is' if len(gaps) == 1 else 'are'} part of the natural key"
    )
    if not managed:
        return f"{head}; it is left out (nothing can reference it)"
    return (
        f"{head}: omsform cannot tell which declared object it is, so it plans nothing rather "
        f"than delete and re-create it. Set the field on that object in the remote system (or "
        f"delete it there), then plan again"
    )


def _twins(kind: str, key: str, ids: Sequence[str], managed: bool) -> str:
    head = f"{len(ids)} live {kind} objects share the natural key '{key}' (ids {', '.join(ids)})"
    if not managed:
        return f"{head}; references to it use id {ids[0]}: remove the duplicates"
    return (
        f"{head}: omsform cannot tell which one the YAML means, nor may it leave the others "
        f"unmanaged. Delete the duplicates in the remote system (keep one), then plan again"
    )
