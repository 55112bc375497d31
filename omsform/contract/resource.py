"""The ``Resource`` contract: what one kind of remote object must provide.

A kind is one module in a provider's ``resources/`` package: a :class:`~omsform.contract.spec.Spec`
subclass plus a :class:`Resource` subclass. The engine never special-cases a kind; everything it
needs is declared here as class attributes or methods. A kind that is one REST collection
subclasses :class:`~omsform.contract.rest.RestResource` and declares its ``Endpoint`` instead of
writing the four operations. The hooks are typed on the kind's Spec ``S``.

Contract for implementers:

- ``list`` **must** read every object of the kind with bulk list calls (never one GET per object)
  and **must** return specs normalised exactly as a desired spec would be, so that an object
  applied from YAML compares equal on the next read.
- ``create``/``update``/``delete`` **must** make exactly one write request, except where the
  remote API forces more (documented on the kind), and return the object as the write's response
  describes it (no read before or after). A create whose answer does not describe the object
  (an empty body, ``{}``, a message such as "created successfully") is followed by exactly one
  lookup by natural key (:meth:`Resource.created`): the object exists, so it is never reported
  as a failed create while it can be found.
- write-only values (``write_only`` paths) **must** be left out of ``list`` results (``None``).
- a kind **may** override :meth:`decide` for actions other than the default create/update/
  replace/delete (setup steps *run*, immutable Ginesys fields are *manual*).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from omsform.contract import refs
from omsform.contract.spec import Desired, Remote, S, Spec
from omsform.errors import Problem, ProviderError

if TYPE_CHECKING:
    import asyncio

    from omsform.http.client import ApiClient, WriteClient
    from omsform.plan.model import Action

T = TypeVar("T")


class ReadContext(Protocol):
    """What a kind may use while listing: other kinds' current objects of the same provider."""

    async def current(self, kind: str) -> list[Remote[Any]]:
        """All current objects of ``kind`` (listed once per run, shared by every caller)."""
        ...

    def declared_keys(self, kind: str) -> frozenset[str]:
        """Natural keys the brand declares for ``kind`` (for kinds read one object at a time,
        such as setup steps, so only declared ones cost a request)."""
        ...

    def declared(self, kind: str) -> list[Desired[Any]]:
        """The brand's declared objects of ``kind``, in address order (for a kind that checks
        declared values against what the server offers while listing, such as stock engine
        types; a bad value is a :class:`~omsform.errors.PlanError` naming the address)."""
        ...

    async def ids(self, kind: str) -> Mapping[str, int | str]:
        """Natural key → server id of every current object of ``kind`` (see :mod:`.refs`)."""
        ...

    async def shared(self, name: str, load: Callable[[], Awaitable[T]]) -> T:
        """What ``load()`` gives, made at most once per run under ``name`` and shared by every
        kind (a lookup that is no kind, such as package states: :class:`.refs.Lookup`)."""
        ...


class SharedValues:
    """The values behind :meth:`ReadContext.shared`: each made once per run by name, shared by
    every caller (a caller that comes while it is being made waits for the same one)."""

    def __init__(self) -> None:
        self.tasks: dict[str, asyncio.Future[Any]] = {}

    async def get(self, name: str, load: Callable[[], Awaitable[T]]) -> T:
        """What ``load()`` gives, made at the first call for ``name``."""
        import asyncio  # here, not at import: validating a brand needs no event loop

        task = self.tasks.get(name)
        if task is None:
            task = self.tasks[name] = asyncio.ensure_future(load())
        found: T = await asyncio.shield(task)
        return found


class WriteContext(ReadContext, Protocol):
    """What a kind may use while writing: server ids of objects by natural key."""

    def id_of(self, kind: str, key: str) -> int | str:
        """Server id of ``kind`` object ``key``: read this run, or created earlier in this apply."""
        ...

    async def step(self, name: str, remote_id: int | str | None = None) -> None:
        """Record, durably, that step ``name`` of a write of several requests is done (a
        Ginesys app: ``created`` with the new id, then ``tested``); a run killed after it is
        resumed from what the live object shows is left to do, never by creating again."""
        ...


@dataclass(frozen=True)
class ExpectedFrom:
    """Where a missing object of a kind that cannot be created comes from (see
    :meth:`Resource.expected_from`)."""

    address: str
    """The *run* change that brings it in (``oms_setup_step.channels``)."""
    label: str
    """How the plan names that source: ``(expected from <label>)``."""
    todo: str
    """What a person must do when that change is not planned (part of the plan error)."""
    todo_declared: str = ""
    """What to do instead when ``address`` *is* declared but not planned to run (the source
    has nothing left to bring, so the object is missing upstream too); ``""``: ``todo``."""


class Resource(Generic[S]):
    """Base class of every kind. Subclasses set the class attributes and the four operations."""

    kind: ClassVar[str]
    """Kind name as written in YAML, prefixed by the provider (``oms_stock_location``)."""
    spec_model: ClassVar[type[Spec]]
    """The kind's Spec model (desired and current alike)."""
    key_fields: ClassVar[tuple[str, ...]]
    """Spec fields that make the natural key, joined with ``|`` when more than one."""
    name_field: ClassVar[str | None] = None
    """A key field filled from the local name when the YAML omits it (``oms_setting.key``)."""
    depends_on_kinds: ClassVar[tuple[str, ...]] = ()
    """Kinds whose objects this kind's objects need first (ordering edges for every object)."""
    hook_kinds: ClassVar[tuple[str, ...] | None] = None
    """Every kind this kind's own :meth:`references`, :meth:`comes_after` or
    :meth:`expected_from` may name (``None``: any kind). Lets ``plan --changed-since`` leave
    this kind's files unread when none of those kinds changed."""
    lists_after: ClassVar[tuple[str, ...]] = ()
    """Kinds whose read this kind's :meth:`list` waits for before listing, when the brand
    declares objects of them (channels list after the setup steps' reads): ``plan`` then
    starts no listing of this kind before the brand is loaded (:mod:`omsform.engine.ahead`)."""
    immutable: ClassVar[frozenset[str]] = frozenset()
    """Top-level fields that cannot change after create: a change is a replace or manual."""
    replace_allowed: ClassVar[bool] = True
    """False when an immutable change cannot be done by delete+create (then it is manual)."""
    manual_instruction: ClassVar[str] = ""
    """What a person must do when an immutable field changes and the change is manual (shown
    in the plan); empty for the generic "change it by hand in the remote system"."""
    write_only: ClassVar[tuple[str, ...]] = ()
    """Dotted spec paths the API never returns (``conf.password``, ``value.auth.password``)."""
    open_maps: ClassVar[tuple[str, ...]] = ()
    """Top-level mapping fields whose keys the API or other systems also write (a channel's
    ``configuration``): only declared keys are compared, and an update sends the live map with
    them merged in, unless the object declares ``exclusive`` (see :mod:`omsform.plan.openmaps`).
    A field that holds write-only values cannot be open (the live map has them masked)."""
    can_create: ClassVar[bool] = True
    can_delete: ClassVar[bool] = True
    id_field: ClassVar[str] = "id"
    """Where a write's answer holds the object's server id (see :meth:`created`)."""

    # --- identity -------------------------------------------------------------------------
    @classmethod
    def key(cls, spec: S) -> str:
        """The natural key of ``spec`` as one string."""
        fields = cls.key_fields
        if len(fields) == 1:  # most kinds: the same text without a generator and a join
            return str(getattr(spec, fields[0]))
        return "|".join(str(getattr(spec, f)) for f in fields)

    # --- validation and planning hooks -----------------------------------------------------
    @classmethod
    def references(cls, spec: Spec) -> Iterable[tuple[str, str]]:
        """``(kind, natural key)`` pairs this spec points at; each must exist at plan time.
        By default the values of the Spec's :class:`~omsform.contract.refs.Ref` fields."""
        return refs.references(spec)

    @classmethod
    def comes_after(cls, spec: S) -> Iterable[str]:
        """Addresses this object must follow *when the brand declares them* (a channel follows
        ``oms_setup_step.channels``); unlike :meth:`references`, nothing here must exist. Finer
        than ``depends_on_kinds``: ``apply --target`` then pulls in only these objects."""
        return ()

    @classmethod
    def check(cls, desired: Mapping[str, Desired[S]]) -> list[Problem]:
        """Cross-object validation over all declared objects of this kind (warnings or errors)."""
        return []

    @classmethod
    def check_brand(
        cls, desired: Mapping[str, Desired[S]], brand: Mapping[str, Desired[Any]]
    ) -> list[Problem]:
        """Like :meth:`check`, for rules that look at other kinds: ``desired`` holds this kind's
        declared objects, ``brand`` every declared object of the brand (any kind) by address."""
        return []

    @classmethod
    def decide(cls, desired: S | None, current: Remote[S] | None) -> Action | None:
        """The action for one pair, or ``None`` when the default rules apply."""
        return None

    @classmethod
    def flow_edges(cls, desired: Mapping[str, Desired[S]]) -> list[tuple[str, str, str]]:
        """``(from, to, label)`` edges of a flow this kind defines, for ``omsform graph --kind``
        (package state transitions); empty for kinds that define none."""
        return []

    @classmethod
    def expected_from(cls, desired: S) -> ExpectedFrom | None:
        """For a kind that cannot be created: where a missing declared object comes from.

        When ``address`` is declared and planned to *run*, the missing object is planned as a
        create shown ``(expected from <label>)`` that depends on it; the kind's ``create`` then
        finds it after the run (and fails clearly when it is still missing). Otherwise the plan
        error tells the user ``todo``. ``None`` (the default): the generic plan error.
        """
        return None

    @classmethod
    def protected_remote(cls, current: Remote[S]) -> str:
        """Why this remote object must never be deleted (``""`` when it may be)."""
        return ""

    # --- operations --------------------------------------------------------------------------
    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[S]]:
        """Every current object of this kind, normalised to ``spec_model``."""
        raise NotImplementedError

    async def create(self, client: WriteClient, spec: S, ctx: WriteContext) -> Remote[S]:
        """Create the object; return it as the write's response describes it."""
        raise NotImplementedError(f"{self.kind} cannot be created through the API")

    async def update(
        self,
        client: WriteClient,
        current: Remote[S],
        spec: S,
        changed: frozenset[str],
        ctx: WriteContext,
    ) -> Remote[S]:
        """Change the top-level fields in ``changed`` (one PATCH where the API allows)."""
        raise NotImplementedError(f"{self.kind} cannot be updated through the API")

    async def delete(self, client: WriteClient, current: Remote[S], ctx: WriteContext) -> None:
        """Delete the object."""
        raise NotImplementedError(f"{self.kind} cannot be deleted through the API")

    async def run(self, client: WriteClient, current: Remote[S], ctx: WriteContext) -> Remote[S]:
        """Carry out a ``run`` action (setup steps); return the object afterwards."""
        raise NotImplementedError(f"{self.kind} has nothing to run")

    # --- helpers for kinds ---------------------------------------------------------------------
    def holds_object(self, answer: Any) -> bool:
        """Whether a write's decoded answer describes the object: a JSON object with its id."""
        return isinstance(answer, Mapping) and answer.get(self.id_field) not in (None, "")

    async def created(
        self,
        client: ApiClient,
        spec: S,
        ctx: ReadContext,
        answer: Any,
        to_remote: Callable[[Mapping[str, Any]], Remote[S]],
    ) -> Remote[S]:
        """The object a create made: ``to_remote(answer)`` when the answer describes it, else
        the one found by natural key in a single fresh listing (:meth:`find_created`)."""
        if self.holds_object(answer):
            return to_remote(answer)
        return await self.find_created(client, spec, ctx, answer)

    async def find_created(
        self, client: ApiClient, spec: S, ctx: ReadContext, answer: Any
    ) -> Remote[S]:
        """After a create the server accepted without describing the object (an empty body,
        ``{}``, ``"created successfully"``): list the kind once and return the object with
        ``spec``'s natural key. Not found is a :class:`ProviderError` that says the create was
        accepted (it is not sent again: that could make a duplicate)."""
        key = self.key(spec)
        found = next((r for r in await self.list(client, ctx) if self.key(r.spec) == key), None)
        if found is None:
            shown = json.dumps(answer, ensure_ascii=False, default=str)[:200]
            raise ProviderError(
                f"{self.kind} '{key}': the server accepted the create (answer: {shown}) but "
                "does not list an object with that key; not sent again (it may be a duplicate). "
                "Check it in the UI, then run plan"
            )
        return found
