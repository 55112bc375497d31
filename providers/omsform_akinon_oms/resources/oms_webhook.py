"""``oms_webhook``: one webhook subscription, keyed by (``event_type``, ``target_url``).

Create and delete use the documented [D] ``/whisperer/hooks/`` endpoints; list and update
the proposed [P] ``/api/v1/oms/oms_hooks/`` (the same objects). The API masks ``secret_key``
and every ``additional_headers`` value on read, so they are write-only (compared by the
ledger's fingerprints). Header *names* are still compared: the YAML mapping
``{Authorization: ...}`` is kept as a list of ``{name, value}`` pairs sorted by name, so the
write-only path ``additional_headers[].value`` covers every value and nothing else.

``config`` is an open map (:mod:`omsform.plan.openmaps`): integrations store their own keys there
(the marketplace split flow's ``channel_id``), so only the declared keys are compared and an
update sends the other live keys back (``exclusive: true`` makes the declared map the whole
map). ``additional_headers`` is not open: its values are write-only, read back masked.

Field names [D] except ``callback``, ``config`` and ``is_active`` [I]; in
``retry_countdown_config`` the key ``type`` is [D], the others [P]. The Spec's field names are
the wire names (``api.WEBHOOK_FIELDS``, ``api.RETRY_COUNTDOWN_FIELDS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, field_validator

from omsform.contract.resource import ReadContext, Resource, WriteContext
from omsform.contract.spec import Desired, Remote, Spec, fingerprint_of
from omsform.errors import Problem
from omsform_akinon_oms import api
from omsform_akinon_oms.documented import undocumented

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient, WriteClient

EVENT_TYPE_PATTERN = r"^[A-Za-z0-9_.:-]+$"
"""An event type: one word of letters, digits and ``. _ - :`` (``package.created``, the docs'
``package-created``, a marketplace flow's own format). Values outside the documented list
(``api.WEBHOOK_EVENT_TYPES``) are warnings, not errors (:mod:`omsform_akinon_oms.documented`)."""


class Header(Spec):
    """One additional header; its value is a secret (never read back)."""

    name: str = Field(
        min_length=1, description="The HTTP header's name.", examples=["X-Acme-Token"]
    )
    value: str | None = Field(
        default=None,
        description="The header's value (write-only: use ${secret.NAME}).",
        examples=["${secret.ACME_HOOK_TOKEN}"],
    )


class RetryCountdown(Spec):
    """``retry_countdown_config``: the retry timing strategy [D type; P other keys]."""

    type: Literal["fixed", "linear", "exponential", "random"] = Field(
        description="How the wait grows between retries: fixed, linear, exponential or random.",
        examples=["exponential"],
    )
    countdown: int | None = Field(
        default=None, ge=0, description="The first wait, in seconds (≥ 0).", examples=[60]
    )
    max_retries: int | None = Field(
        default=None, ge=0, description="Most retries of one delivery (≥ 0).", examples=[5]
    )
    max_countdown: int | None = Field(
        default=None, ge=0, description="The longest wait, in seconds (≥ 0).", examples=[3600]
    )


class WebhookSpec(Spec):
    """The managed fields of a subscription; defaults are the server's."""

    event_type: str = Field(
        pattern=EVENT_TYPE_PATTERN,
        max_length=255,
        description=(
            "The event delivered (the documented types are listed in the examples; others get "
            "a did-you-mean warning); part of the natural key."
        ),
        examples=list(api.WEBHOOK_EVENT_TYPES),
    )
    target_url: str = Field(
        pattern=r"^https?://\S+$",
        description=(
            "Where the event is POSTed (an http:// or https:// URL); part of the natural key, so "
            "a change replaces the subscription. A token in it may be ${secret.NAME}."
        ),
        examples=["https://hooks.acme.example.com/oms/shipped"],
    )
    is_active: bool = Field(
        default=True, description="Whether events are delivered.", examples=[True]
    )
    secret_key: str | None = Field(
        default=None,
        description="Key the deliveries are signed with (write-only: use ${secret.NAME}).",
        examples=["${secret.ACME_HOOK_SECRET}"],
    )
    additional_headers: tuple[Header, ...] = Field(
        default=(),
        description=(
            "Extra HTTP headers sent with each delivery: a map of name → value (values "
            "write-only), or a list of {name, value}."
        ),
        examples=[{"X-Acme-Token": "${secret.ACME_HOOK_TOKEN}"}],
    )
    retry_countdown_config: RetryCountdown | None = Field(
        default=None,
        description="Retry timing after a failed delivery, or null for the OMS default.",
        examples=[{"type": "exponential", "countdown": 60, "max_retries": 5}],
    )
    callback: Any = Field(
        default=None, description="Callback settings (any JSON), or null.", examples=[None]
    )
    config: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Subscription configuration (an open map): only declared keys are compared and "
            "sent; other live keys are kept."
        ),
        examples=[{"timeout": 10}],
    )

    @field_validator("secret_key", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("config", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("additional_headers", mode="before")
    @classmethod
    def _headers(cls, value: Any) -> Any:
        """A mapping (as users and the API write it) or ``{name, value}`` pairs, sorted."""
        if value is None:
            return ()
        if isinstance(value, Mapping):
            value = [{"name": k, "value": v} for k, v in value.items()]
        if not isinstance(value, list | tuple):
            return value  # the model reports the wrong type
        names = [_header_name(h) for h in value]
        if len(set(names)) < len(names):
            raise ValueError("each header name may appear once")
        return sorted(value, key=_header_name)


def _header_name(header: Any) -> str:
    name = header.get("name") if isinstance(header, Mapping) else getattr(header, "name", None)
    return str(name)


FIELDS = api.WEBHOOK_FIELDS
HEADERS, RETRY, SECRET = api.WEBHOOK_ADDITIONAL_HEADERS, api.WEBHOOK_RETRY, api.WEBHOOK_SECRET_KEY


class OmsWebhook(Resource[WebhookSpec]):
    """Webhook subscriptions."""

    kind: ClassVar[str] = "oms_webhook"
    spec_model: ClassVar[type[Spec]] = WebhookSpec
    key_fields: ClassVar[tuple[str, ...]] = ("event_type", "target_url")
    write_only: ClassVar[tuple[str, ...]] = ("secret_key", "additional_headers[].value")
    open_maps: ClassVar[tuple[str, ...]] = (api.WEBHOOK_CONFIG,)

    @classmethod
    def check(cls, desired: Mapping[str, Desired[Any]]) -> list[Problem]:
        """Warn about event types outside the documented list (the list is not closed)."""
        return undocumented(desired, api.WEBHOOK_EVENT_TYPE, api.WEBHOOK_EVENT_TYPES, "event type")

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[WebhookSpec]]:
        """Every subscription."""
        rows = await client.list_all(
            api.OMS_HOOKS, page_size=api.PAGE_SIZE, page_size_param=api.OMS_HOOKS_PAGE_SIZE_PARAM
        )
        return [_remote(row) for row in rows]

    async def create(
        self, client: WriteClient, spec: WebhookSpec, ctx: WriteContext
    ) -> Remote[WebhookSpec]:
        """POST the whole subscription to the documented whisperer endpoint."""
        answer = await client.post(api.WHISPERER_HOOKS, _body(spec, FIELDS))
        return await self.created(client, spec, ctx, answer, _remote)

    async def update(
        self,
        client: WriteClient,
        current: Remote[WebhookSpec],
        spec: WebhookSpec,
        changed: frozenset[str],
        ctx: WriteContext,
    ) -> Remote[WebhookSpec]:
        """PATCH the changed fields on the proposed ``oms_hooks`` path."""
        path = api.detail(api.OMS_HOOKS, current.id)
        return _remote(await client.patch(path, _body(spec, changed)))

    async def delete(
        self, client: WriteClient, current: Remote[WebhookSpec], ctx: WriteContext
    ) -> None:
        """DELETE through the documented whisperer endpoint."""
        await client.delete(api.detail(api.WHISPERER_HOOKS, current.id))


def _body(spec: WebhookSpec, fields: tuple[str, ...] | frozenset[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field in fields:
        if field == HEADERS:
            body[field] = {h.name: h.value for h in spec.additional_headers}
        elif field == RETRY:
            retry = spec.retry_countdown_config
            body[field] = None if retry is None else retry.model_dump(exclude_none=True)
        else:
            body[field] = getattr(spec, field)
    return body


def _remote(obj: Mapping[str, Any]) -> Remote[WebhookSpec]:
    headers = obj.get(HEADERS) or {}
    retry = obj.get(RETRY)
    data: dict[str, Any] = {
        **{k: obj.get(k) for k in FIELDS},
        SECRET: obj.get(SECRET) or None,  # write-only: the mask says whether one is set
        HEADERS: tuple(Header.model_construct(name=name, value=None) for name in sorted(headers)),
        RETRY: None
        if retry is None
        else RetryCountdown.model_construct(
            **{k: retry.get(k) for k in api.RETRY_COUNTDOWN_FIELDS}
        ),
        api.WEBHOOK_CONFIG: obj.get(api.WEBHOOK_CONFIG) or {},
    }
    # model_construct: what the server holds is shown as it is, even where YAML rules would refuse
    spec = WebhookSpec.model_construct(**data)
    return Remote(id=obj[api.ID], spec=spec, fingerprint=fingerprint_of(obj))
