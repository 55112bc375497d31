"""``oms_transition``: one package command (a state transition), keyed by ``slug``.

[P] CRUD ``transitions/`` (the docs show only the UI); states are written by name
(``waiting``, ``waiting_cargo_label``) and resolved to ids through the [P] ``states/`` list:
a state's word is its display name lower-cased with every run of non-letters turned into
``_``. Only transitions between ``PackageStatus`` states belong to this kind; transfer
transitions are left alone. ``config.remote_invoice_call.auth`` credentials are write-only.
``config`` is not an open map (:mod:`omsform.plan.openmaps`): it is the command's own parameters,
and the masked credentials in it could not be sent back, so it is compared and sent whole.

Documented [D]: the UI fields (command name, slug, source and destination state, command code,
visibility), the command classes, the state objects and the ``remote_invoice_call`` config.
Proposed [P]: the paths and the body's field names (``api.TRANSITION_FIELDS``, which are the
Spec's field names: the kind sends a model dump with the states turned into ids).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omsform.contract.resource import ReadContext, Resource, WriteContext
from omsform.contract.spec import Desired, Remote, Spec, fingerprint_of
from omsform.errors import Location, PlanError, Problem, ProviderError
from omsform.lang.suggest import did_you_mean
from omsform_akinon_oms import api
from omsform_akinon_oms.documented import undocumented

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient, WriteClient

COMMAND_CLASS_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.]*$"
"""A command class: a Python class name (or dotted path). Names outside the documented list
(``api.TRANSITION_COMMAND_CLASSES``) are warnings, not errors: the docs do not name every class
(:mod:`omsform_akinon_oms.documented`)."""

DOCUMENTED_STATES = (
    "waiting",
    "waiting_remote_action",
    "preparing",
    "waiting_for_transfer",
    "ready_for_packaging",
    "waiting_cargo_label",
    "packed",
    "shipped",
    "delivered",
    "attempted_delivery",
    "delivery_failed",
    "cancellation_waiting",
    "cancelled",
    "contains_out_of_stock_products",
    "blocked",
    "packed_for_refund",
)
"""Package state words of the documented states (reference §7.2); others may exist."""
START_STATE = "waiting"
AUTH_SECRETS = api.INVOICE_AUTH_SECRETS
STATE_FIELDS = (api.TRANSITION_SOURCE_STATE, api.TRANSITION_TARGET_STATE)
StateWord = str  # a package state's word, see state_word()


def state_word(display_name: str) -> str:
    """The word a user writes for a state: ``"Waiting Cargo Label"`` → ``waiting_cargo_label``."""
    return re.sub(r"[^a-z]+", "_", display_name.lower()).strip("_")


class PackageStates:
    """Package state ids by word and back, listed once through ``client`` (one run)."""

    def __init__(self, client: ApiClient) -> None:
        import asyncio  # here, not at import: validating a brand needs no event loop

        self._client = client
        self._ids: dict[str, int] | None = None
        self._lock = asyncio.Lock()

    async def ids(self) -> dict[str, int]:
        """Word → id of every ``PackageStatus`` state."""
        async with self._lock:
            if self._ids is None:
                rows = await self._client.list_all(
                    api.STATES,
                    {api.STATE_ENUM_CLASS: api.PACKAGE_STATUS},
                    page_size=api.PAGE_SIZE,
                    page_size_param=api.STATES_PAGE_SIZE_PARAM,
                )
                self._ids = {
                    state_word(r[api.STATE_NAME]): r[api.ID]
                    for r in rows
                    if r.get(api.STATE_ENUM_CLASS) == api.PACKAGE_STATUS
                }
            return self._ids

    async def names(self) -> dict[int, str]:
        """Id → word of every ``PackageStatus`` state."""
        return {v: k for k, v in (await self.ids()).items()}

    async def id_of(self, word: str) -> int:
        """The id of package state ``word``; a clear error naming the known ones otherwise."""
        ids = await self.ids()
        if word not in ids:
            hint = did_you_mean(word, ids)
            raise ProviderError(
                f"no package state '{word}' in OMS{f' ({hint})' if hint else ''}; "
                f"known: {', '.join(sorted(ids))}"
            )
        return ids[word]

    async def check_declared(self, declared: Sequence[Desired[Any]], fields: Iterable[str]) -> None:
        """A :class:`PlanError` naming every declared ``fields`` value that is no package state
        of this OMS (states are seeded by OMS, never created by omsform), with a did-you-mean
        from the states read; nothing is listed when nothing is declared."""
        wanted = [
            (d, f, getattr(d.spec, f)) for d in declared for f in fields if getattr(d.spec, f)
        ]
        if not wanted:
            return
        ids = await self.ids()
        problems = [_unknown_state(d, f, word, ids) for d, f, word in wanted if word not in ids]
        if problems:
            many = len(problems) > 1
            head = f"{len(problems)} unknown package states:\n  - " if many else ""
            raise PlanError(head + "\n  - ".join(problems))


def _unknown_state(d: Desired[Any], field: str, word: str, known: Iterable[str]) -> str:
    where = f"{d.location.file}:{d.location.line}: " if d.location.file else ""
    hint = did_you_mean(word, known)
    return (
        f"{where}{d.address}: {field} '{word}' is not a package state of this OMS"
        f"{f' ({hint})' if hint else ''}; known: {', '.join(sorted(known))}"
    )


_SHARED: weakref.WeakKeyDictionary[ApiClient, PackageStates] = weakref.WeakKeyDictionary()


def package_states(client: ApiClient) -> PackageStates:
    """The states lookup of ``client``, shared by every kind that uses the same client in a run
    (transitions and scenarios), so the states are listed once."""
    found = _SHARED.get(client)
    if found is None:
        found = _SHARED[client] = PackageStates(client)
    return found


class _InvoiceAuth(BaseModel):
    """``remote_invoice_call.auth`` [D]: how OMS authenticates to the invoice service."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request_type: Literal["anonymous", "basic_auth", "token"]
    username: str | None = None
    password: str | None = None
    token: str | None = None
    token_prefix: str | None = None

    @model_validator(mode="after")
    def _credentials_match_type(self) -> _InvoiceAuth:
        needed = {
            "basic_auth": (api.INVOICE_AUTH_USERNAME, api.INVOICE_AUTH_PASSWORD),
            "token": (api.INVOICE_AUTH_TOKEN,),
        }
        missing = [f for f in needed.get(self.request_type, ()) if not getattr(self, f)]
        if missing:
            raise ValueError(f"request_type {self.request_type} needs {' and '.join(missing)}")
        return self


class _InvoiceCall(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    auth: _InvoiceAuth | None = None


class _Config(BaseModel):
    """Command parameters [D]; only ``remote_invoice_call.auth`` is checked closely."""

    model_config = ConfigDict(extra="allow", frozen=True)
    remote_invoice_call: _InvoiceCall | None = None


class TransitionSpec(Spec):
    """A package command: from one state to another, run by a command class."""

    slug: str = Field(
        pattern=r"^[-a-zA-Z0-9_]+$",
        max_length=255,
        description="The command's unique code; the natural key (letters, digits, - and _).",
        examples=["start-preparing"],
    )
    name: str = Field(
        min_length=1,
        max_length=255,
        description="The command's name shown to staff (text, 1-255).",
        examples=["Start preparing"],
    )
    source_state: StateWord = Field(
        pattern=r"^[a-z_]+$",
        description=(
            "The package state the command starts from: a state word (the state's name in "
            "lower case with _, e.g. waiting, preparing, packed, shipped)."
        ),
        examples=["waiting"],
    )
    target_state: StateWord = Field(
        pattern=r"^[a-z_]+$",
        description="The package state the command leads to (a state word).",
        examples=["preparing"],
    )
    command_class: str = Field(
        pattern=COMMAND_CLASS_PATTERN,
        max_length=255,
        description=(
            "The OMS command that runs the transition (a class name; the documented ones are "
            "listed in the examples, others get a did-you-mean warning)."
        ),
        examples=list(api.TRANSITION_COMMAND_CLASSES),
    )
    is_visible: bool = Field(
        default=True, description="Whether staff see the command in the UI.", examples=[True]
    )
    config: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Command parameters (a map, sent whole). remote_invoice_call.auth takes "
            "request_type (anonymous, basic_auth, token) and username/password/token "
            "(write-only)."
        ),
        examples=[{"remote_invoice_call": {"url": "https://invoice.acme.example.com/"}}],
    )

    @field_validator("config", mode="before")
    @classmethod
    def _config(cls, value: Any) -> Any:
        if value is None:
            return {}
        _Config.model_validate(value)
        return value


FIELDS = api.TRANSITION_FIELDS


class OmsTransition(Resource[TransitionSpec]):
    """Package commands (state transitions)."""

    kind: ClassVar[str] = "oms_transition"
    spec_model: ClassVar[type[Spec]] = TransitionSpec
    key_fields: ClassVar[tuple[str, ...]] = ("slug",)
    name_field: ClassVar[str | None] = "slug"
    write_only: ClassVar[tuple[str, ...]] = tuple(
        f"{api.TRANSITION_CONFIG}.{api.INVOICE_CALL}.{api.INVOICE_AUTH}.{k}" for k in AUTH_SECRETS
    )

    @classmethod
    def check(cls, desired: Mapping[str, Desired[Any]]) -> list[Problem]:
        """Warn about undocumented states and command classes, states unreachable from
        ``waiting`` and two transitions leaving one state with the same command class."""
        items = sorted(desired.items())
        classes = undocumented(
            desired, api.TRANSITION_COMMAND_CLASS, api.TRANSITION_COMMAND_CLASSES, "command class"
        )
        return [*_unknown_states(items), *classes, *_same_command(items), *_unreachable(items)]

    @classmethod
    def flow_edges(cls, desired: Mapping[str, Desired[Any]]) -> list[tuple[str, str, str]]:
        """``(source_state, target_state, slug)`` of every declared transition."""
        return sorted(
            (d.spec.source_state, d.spec.target_state, d.spec.slug) for d in desired.values()
        )

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[TransitionSpec]]:
        """Every transition between package states (states as words), after checking the
        declared states against the states this OMS has."""
        import asyncio

        await package_states(client).check_declared(ctx.declared(self.kind), STATE_FIELDS)
        rows, names = await asyncio.gather(
            client.list_all(
                api.TRANSITIONS,
                page_size=api.PAGE_SIZE,
                page_size_param=api.TRANSITIONS_PAGE_SIZE_PARAM,
            ),
            package_states(client).names(),
        )
        return [_remote(r, names) for r in rows if r[api.TRANSITION_SOURCE_STATE] in names]

    async def create(
        self, client: WriteClient, spec: TransitionSpec, ctx: WriteContext
    ) -> Remote[TransitionSpec]:
        """POST the whole transition."""
        body = await self._body(client, spec, frozenset(FIELDS))
        answer = await client.post(api.TRANSITIONS, body)
        names = await package_states(client).names()
        return await self.created(client, spec, ctx, answer, lambda obj: _remote(obj, names))

    async def update(
        self,
        client: WriteClient,
        current: Remote[TransitionSpec],
        spec: TransitionSpec,
        changed: frozenset[str],
        ctx: WriteContext,
    ) -> Remote[TransitionSpec]:
        """PATCH the changed fields."""
        body = await self._body(client, spec, changed)
        path = api.detail(api.TRANSITIONS, current.id)
        return _remote(await client.patch(path, body), await package_states(client).names())

    async def delete(
        self, client: WriteClient, current: Remote[TransitionSpec], ctx: WriteContext
    ) -> None:
        """DELETE the transition."""
        await client.delete(api.detail(api.TRANSITIONS, current.id))

    async def _body(
        self, client: ApiClient, spec: TransitionSpec, fields: frozenset[str]
    ) -> dict[str, Any]:
        body = spec.model_dump(mode="json", include=set(fields))
        for name in STATE_FIELDS:
            if name in body:
                body[name] = await package_states(client).id_of(body[name])
        return body


def _remote(obj: Mapping[str, Any], names: Mapping[int, str]) -> Remote[TransitionSpec]:
    data = {k: obj.get(k) for k in FIELDS}
    for name in STATE_FIELDS:
        data[name] = names.get(obj[name], f"unknown_state_{obj[name]}")
    data[api.TRANSITION_CONFIG] = _without_auth_secrets(obj.get(api.TRANSITION_CONFIG) or {})
    # model_construct: a read object is shown as it is, even where the YAML rules would refuse it
    spec = TransitionSpec.model_construct(**data)
    return Remote(id=obj[api.ID], spec=spec, fingerprint=fingerprint_of(obj))


def _without_auth_secrets(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with the masked invoice-call credentials as ``None`` (write-only)."""
    call = config.get(api.INVOICE_CALL)
    if not isinstance(call, Mapping) or not isinstance(call.get(api.INVOICE_AUTH), Mapping):
        return dict(config)
    auth = {k: (None if k in AUTH_SECRETS else v) for k, v in call[api.INVOICE_AUTH].items()}
    return {**config, api.INVOICE_CALL: {**call, api.INVOICE_AUTH: auth}}


# --- cross-object checks --------------------------------------------------------------------------
Items = list[tuple[str, Desired[Any]]]


def _warning(address: str, message: str, hint: str = "") -> Problem:
    return Problem(Location(address=address), message, hint, severity="warning")


def _unknown_states(items: Items) -> list[Problem]:
    found = []
    for address, d in items:
        for field in STATE_FIELDS:
            word = getattr(d.spec, field)
            if word not in DOCUMENTED_STATES:
                hint = did_you_mean(word, DOCUMENTED_STATES) or "it must exist in OMS"
                message = f"{field} '{word}' is not a documented package state"
                found.append(_warning(address, message, hint))
    return found


def _same_command(items: Items) -> list[Problem]:
    first: dict[tuple[str, str], str] = {}
    found = []
    for address, d in items:
        pair = (d.spec.source_state, d.spec.command_class)
        other = first.setdefault(pair, address)
        if other != address:
            message = (
                f"{other} and {address} both leave '{pair[0]}' with {pair[1]}: "
                "a package in that state offers two identical commands"
            )
            found.append(_warning(address, message))
    return found


def _unreachable(items: Items) -> list[Problem]:
    edges: dict[str, set[str]] = {}
    mentioned: dict[str, str] = {}  # state → first transition that mentions it
    for address, d in items:
        edges.setdefault(d.spec.source_state, set()).add(d.spec.target_state)
        for word in (d.spec.source_state, d.spec.target_state):
            mentioned.setdefault(word, address)
    reached, todo = {START_STATE}, [START_STATE]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    return [
        _warning(
            address,
            f"package state '{word}' cannot be reached from '{START_STATE}' "
            "with the declared transitions",
            "add a transition into it, or check its source and target states",
        )
        for word, address in sorted(mentioned.items())
        if word not in reached
    ]
