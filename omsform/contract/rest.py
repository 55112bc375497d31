"""``RestResource[S]``: the common kind, a REST collection of objects whose fields are the Spec's.

A plain CRUD kind is its Spec plus a few declarations::

    class OmsDenialReason(RestResource[DenialReasonSpec]):
        kind = "oms_denial_reason"
        spec_model = DenialReasonSpec
        key_fields = ("title",)
        endpoint = Endpoint(
            collection=lambda: api.DENIAL_REASONS,
            page_size=lambda: (api.PAGE_SIZE, api.DENIAL_REASONS_PAGE_SIZE_PARAM),
            id_field=lambda: api.ID,
            detail=api.detail,
        )

and gets ``list`` (one bulk listing), ``create`` (POST the Spec's wire dump, then
:meth:`~omsform.contract.resource.Resource.created`), ``update`` (PATCH the changed top-level
fields) and ``delete``. Every value of the :class:`Endpoint` is read from the provider's
``api.py`` **at call time** (a lambda), so a brand's ``api:`` overrides apply
(:mod:`omsform.contract.apimap` counts a lambda's body as read at call time).

Reading always runs the Spec's validators (:func:`read_spec`, context
:data:`~omsform.contract.spec.READ`), so a live object is normalised exactly as a desired one; an
object that fails even that is a :class:`~omsform.errors.ProviderError` naming the kind, the
object and the field. The Spec's field names (or aliases) are the wire names
(:func:`wire_fields`); a kind whose wire shape differs overrides :meth:`RestResource.body` and
:meth:`RestResource.spec_data`, both typed on ``S``.

A Spec that declares references (:class:`~omsform.contract.refs.Ref`) needs nothing more: its
fields hold natural keys and travel as server ids (:meth:`RestResource.remotes` decodes what is
read, :meth:`RestResource.write_body` encodes what is sent), and the listing first checks the
declared values of lookups (:func:`~omsform.contract.refs.check_declared`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, Literal, cast

from pydantic import BaseModel, ValidationError

from omsform.contract import refs
from omsform.contract.resource import ReadContext, Resource, WriteContext
from omsform.contract.spec import READ, Remote, S, fingerprint_of
from omsform.errors import ProviderError

if TYPE_CHECKING:
    from omsform.http.client import ApiClient, WriteClient

WriteVerb = Literal["POST", "PATCH", "PUT"]
WRITTEN = "written"
"""The fingerprint of an object an update's answer did not describe (it is read next run)."""


@cache
def wire_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The wire names of ``model``'s fields, in declaration order: each field's alias, else its
    name (the Spec is the one place that names them; ``api.py`` keeps no copy)."""
    return tuple(_alias_or_name(model).values())


def read_spec(
    model: type[S], data: Mapping[str, Any], *, kind: str, ident: object, keys: Iterable[str] = ()
) -> S:
    """``model`` validated from a live object's ``data`` in the read context, so every
    normalisation of the YAML applies; a failure is a :class:`ProviderError` naming ``kind``,
    the object (``ident``: its key or id) and each bad field, never the values (they may be
    secrets). A live object whose natural-key fields (``keys``) are missing, null or empty is
    kept as read when nothing else is wrong: the plan reports it by id or leaves it out
    (:func:`omsform.plan.index.key_gaps`), which it cannot do once reading has failed."""
    try:
        # extra="ignore": a live object carries server-owned keys (ids, timestamps) at any depth
        return model.model_validate(dict(data), context=READ, extra="ignore")
    except ValidationError as exc:
        blank = {k for k in keys if data.get(k) in (None, "")}
        errors = [e for e in exc.errors() if not (e["loc"] and e["loc"][0] in blank)]
        if blank and not errors:
            return model.model_construct(**dict(data))
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(object)'}: {e['msg']}" for e in errors
        )
        raise ProviderError(
            f"{kind} '{ident}': the object in the remote system does not fit omsform's model "
            f"({fields}); fix it in the UI, or report it if the API changed"
        ) from None


@dataclass(frozen=True)
class Endpoint:
    """Where a :class:`RestResource` lives on the wire. Each callable reads ``api.py`` when
    called (write ``lambda: api.NAME``), so per-brand ``api:`` overrides apply."""

    collection: Callable[[], str]
    """The collection path: listed, and POSTed to for a create."""
    page_size: Callable[[], tuple[int, str]]
    """``(page size, its query parameter)`` of the listing."""
    id_field: Callable[[], str]
    """Where an object (a row or a write's answer) holds its server id."""
    detail: Callable[[str, int | str], str]
    """The path of one object from a collection path and an id (update and delete)."""
    create: WriteVerb | None = "POST"
    """The create verb; ``None``: objects of the kind cannot be created (``can_create``)."""
    update: WriteVerb | None = "PATCH"
    """The update verb, sent with the changed top-level fields only."""
    delete: bool = True
    """Whether objects may be DELETEd (``can_delete``)."""
    create_at: Callable[[], str] | None = None
    """A create path other than ``collection`` (webhooks: the whisperer endpoint)."""
    delete_at: Callable[[], str] | None = None
    """A collection other than ``collection`` whose detail path a DELETE goes to."""
    renames: Callable[[], Mapping[str, str]] | None = None
    """Spec field → wire name, where they differ (``lambda: dict(value=api.SETTING_VALUE)``)."""

    def wire_names(self, model: type[BaseModel]) -> dict[str, str]:
        """Spec field → wire name for every field of ``model``."""
        renamed = self.renames() if self.renames else None  # read now: api overrides apply
        by_field = _alias_or_name(model)  # called for every live row: the model's part is kept
        if not renamed:
            return dict(by_field)
        return {name: renamed.get(name, wire) for name, wire in by_field.items()}


@cache
def _alias_or_name(model: type[BaseModel]) -> dict[str, str]:
    """Spec field → its alias, else its name (callers copy before changing it)."""
    return {name: f.alias or name for name, f in model.model_fields.items()}


class RestResource(Resource[S]):
    """A kind that is one REST collection: declare :attr:`endpoint` (and the usual ``kind``,
    ``spec_model``, ``key_fields``); override :meth:`body`, :meth:`spec_data` or
    :meth:`server_fields` where the wire differs from the Spec."""

    endpoint: ClassVar[Endpoint]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        endpoint = cls.__dict__.get("endpoint")
        if isinstance(endpoint, Endpoint):  # the verbs say what the plan may do
            cls.can_create = endpoint.create is not None
            cls.can_delete = endpoint.delete

    # --- wire mapping hooks --------------------------------------------------------------------
    def body(self, spec: S, fields: Iterable[str]) -> dict[str, Any]:
        """The request body for ``fields`` of ``spec``: their JSON dump under their wire names."""
        wire = self.endpoint.wire_names(self.spec_model)
        dumped = spec.model_dump(mode="json", include=set(fields) & set(wire))
        return {wire[name]: value for name, value in dumped.items()}

    def spec_data(self, row: Mapping[str, Any], ctx: ReadContext) -> dict[str, Any]:
        """The Spec's input from a live row: each field's wire value (a null reads as the
        field's default, as the API shows an unset value)."""
        wire = self.endpoint.wire_names(self.spec_model).items()
        return {name: row[w] for name, w in wire if row.get(w) is not None}

    def server_fields(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Server-owned values kept beside the spec (``Remote.server``), not compared."""
        return {}

    def to_remote(self, row: Mapping[str, Any], ctx: ReadContext) -> Remote[S]:
        """A live row as a :class:`Remote`, its spec validated in the read context (a Spec
        that declares references is read with :meth:`remotes`)."""
        return self._read(row, self.spec_data(row, ctx))

    def _read(self, row: Mapping[str, Any], data: Mapping[str, Any]) -> Remote[S]:
        obj_id = row[self.endpoint.id_field()]
        found = read_spec(self.spec_model, data, kind=self.kind, ident=obj_id, keys=self.key_fields)
        spec = cast(S, found)
        return Remote(obj_id, spec, fingerprint_of(row), self.server_fields(row))

    async def remotes(
        self, rows: Sequence[Mapping[str, Any]], client: ApiClient, ctx: ReadContext
    ) -> list[Remote[S]]:
        """Live ``rows`` as :class:`Remote` objects; the server ids in the Spec's declared
        references read as natural keys (:func:`~omsform.contract.refs.decode`)."""
        data = [self.spec_data(row, ctx) for row in rows]
        if refs.slots(self.spec_model):
            data = await refs.decode(self.spec_model, data, client, ctx)
        return [self._read(row, found) for row, found in zip(rows, data, strict=True)]

    async def write_body(
        self, spec: S, fields: Iterable[str], client: ApiClient, ctx: WriteContext
    ) -> dict[str, Any]:
        """What a write of ``fields`` sends: :meth:`body`, with each field that holds declared
        references sent with server ids (:func:`~omsform.contract.refs.encode`)."""
        body = self.body(spec, fields)
        held = {slot.field for slot in refs.slots(self.spec_model)} & set(fields)
        if held:
            wire = self.endpoint.wire_names(self.spec_model)
            encoded = await refs.encode(spec, client, ctx, held)
            body.update({wire[f]: encoded[f] for f in sorted(held) if wire[f] in body})
        return body

    def holds_object(self, answer: Any) -> bool:
        """Whether a write's answer describes the object (a JSON object with its id)."""
        return isinstance(answer, Mapping) and answer.get(self.endpoint.id_field()) not in (
            None,
            "",
        )

    # --- operations ----------------------------------------------------------------------------
    async def rows(self, client: ApiClient) -> list[dict[str, Any]]:
        """Every live row of the collection, in one bulk listing."""
        size, param = self.endpoint.page_size()
        return await client.list_all(
            self.endpoint.collection(), page_size=size, page_size_param=param
        )

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[S]]:
        """Every object of the collection, in one bulk listing; first, when the Spec declares
        references, the declared values of lookups are checked (a plan error names each)."""
        if refs.slots(self.spec_model):
            await refs.check_declared(ctx.declared(self.kind), client, ctx)
        return await self.remotes(await self.rows(client), client, ctx)

    async def create(self, client: WriteClient, spec: S, ctx: WriteContext) -> Remote[S]:
        """Send every field with the create verb; the object as the answer (or one lookup)
        describes it."""
        verb, at = self.endpoint.create, self.endpoint.create_at or self.endpoint.collection
        if verb is None:
            raise NotImplementedError(f"{self.kind} cannot be created through the API")
        body = await self.write_body(spec, self.spec_model.model_fields, client, ctx)
        answer = await _send(client, verb, at(), body)
        if not self.holds_object(answer):  # as Resource.created, reading with remotes()
            return await self.find_created(client, spec, ctx, answer)
        [made] = await self.remotes([answer], client, ctx)
        return made

    async def update(
        self,
        client: WriteClient,
        current: Remote[S],
        spec: S,
        changed: frozenset[str],
        ctx: WriteContext,
    ) -> Remote[S]:
        """Send the ``changed`` top-level fields with the update verb. An answer that does not
        describe the object (200 with an empty body) gives ``spec`` as written."""
        verb = self.endpoint.update
        if verb is None:
            raise NotImplementedError(f"{self.kind} cannot be updated through the API")
        path = self.endpoint.detail(self.endpoint.collection(), current.id)
        answer = await _send(client, verb, path, await self.write_body(spec, changed, client, ctx))
        if not self.holds_object(answer):
            return Remote(current.id, spec, WRITTEN)
        [written] = await self.remotes([answer], client, ctx)
        return written

    async def delete(self, client: WriteClient, current: Remote[S], ctx: WriteContext) -> None:
        """DELETE the object."""
        if not self.endpoint.delete:
            raise NotImplementedError(f"{self.kind} cannot be deleted through the API")
        at = self.endpoint.delete_at or self.endpoint.collection
        await client.delete(self.endpoint.detail(at(), current.id))


async def _send(client: WriteClient, verb: WriteVerb, path: str, body: dict[str, Any]) -> Any:
    if verb == "POST":
        return await client.post(path, body)
    if verb == "PUT":
        return await client.put(path, body)
    return await client.patch(path, body)
