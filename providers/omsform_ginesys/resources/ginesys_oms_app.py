"""``ginesys_oms_app``: a Ginesys "Connected Apps > OMS" app, one per organisation unit.

Documented [D] (reference Part 2 §2a): the Connected Apps > OMS form, its fields and rules.
Proposed [P] (§2d): every path, field name and body shape, all kept in
:mod:`omsform_ginesys.api`; ``_body`` and ``_spec_data`` map the YAML fields onto them. Rules from
the Ginesys guide, as plan semantics:

- every field but ``enabled`` is **immutable after creation**: a change (a rotated secret
  included, seen through the ledger's fingerprints) is a *manual* action telling a person to
  disable the app and ask Ginesys support to reset it;
- there is no delete: an app the YAML does not declare is listed as unmanaged, never removed;
- ``enabled`` is the app's status: only ``enabled`` counts as true (``draft``, ``tested`` and
  ``disabled`` are false).

API calls per change (the API forces more than one write where enabling is involved, because
it enables an app only after both connection tests passed):

- create, ``enabled: false``: ``POST`` the app (it stays a draft, which is not enabled);
- create, ``enabled: true``: ``POST`` the app, ``POST …/test`` for the webhook and for the
  Ginesys API, then ``POST …/enable`` only when both passed. Each step that succeeded is
  journaled (``created`` with the app's id, ``tested``); a run killed or answered unclearly
  midway resumes from what the live app shows is not done (a draft app gets its tests and
  enable through an update, never a second create). A failed test fails the change
  with each failed test's target, HTTP status and message; the app is kept (recorded in the
  ledger) and stays not enabled, so the next plan shows ``enabled: false → true``, which tests
  again and enables;
- update of ``enabled`` to true: both tests, then ``enable`` (same failure rule);
  to false: ``POST …/disable``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator

from omsform.contract.resource import ReadContext, WriteContext
from omsform.contract.rest import Endpoint, RestResource
from omsform.contract.spec import Remote, Spec
from omsform.errors import IncompleteChangeError, ProviderError
from omsform_ginesys import api

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import WriteClient


class GinesysAppSpec(Spec):
    """One connected OMS app as written in YAML (the secrets are ``None`` when read)."""

    organization_unit: int = Field(
        ge=1,
        description=(
            "The Ginesys organisation unit id (integer ≥ 1); the natural key (one app per unit)."
        ),
        examples=[1],
    )
    app_name: str | None = Field(
        default=None, description="A display name (text), or null.", examples=["Acme OMS"]
    )
    webhook_url: str = Field(
        description="Where Ginesys sends events to OMS (an http:// or https:// URL).",
        examples=["https://acme.omnitron.akinon.net/webhooks/ginesys/"],
    )
    webhook_secret: str = Field(
        description="HMAC-SHA256 key signing those events (write-only: use ${secret.NAME}).",
        examples=["${secret.ACME_GINESYS_WEBHOOK_SECRET}"],
    )
    encryption_key: str | None = Field(
        default=None,
        description="AES key encrypting event bodies (write-only), or null for plain bodies.",
        examples=["${secret.ACME_GINESYS_ENCRYPTION_KEY}"],
    )
    api_url: str = Field(
        description="The OMS API Ginesys calls back (an http:// or https:// URL).",
        examples=["https://acme-oms.akinon.net/api/v1/oms/"],
    )
    api_key: str = Field(
        description="The key Ginesys calls that API with (write-only: use ${secret.NAME}).",
        examples=["${secret.ACME_GINESYS_API_KEY}"],
    )
    enabled: bool = Field(
        default=True,
        description=(
            "Whether the app runs; the only field that can change after create (create "
            "enables it only when both connection tests pass)."
        ),
        examples=[True],
    )

    @field_validator("webhook_url", "api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value


IMMUTABLE_FIELDS = tuple(f for f in GinesysAppSpec.model_fields if f != "enabled")


class GinesysOmsApp(RestResource[GinesysAppSpec]):
    """Connected OMS apps: created once, then only enabled or disabled."""

    kind: ClassVar[str] = "ginesys_oms_app"
    spec_model: ClassVar[type[Spec]] = GinesysAppSpec
    key_fields: ClassVar[tuple[str, ...]] = ("organization_unit",)
    immutable: ClassVar[frozenset[str]] = frozenset(IMMUTABLE_FIELDS)
    replace_allowed: ClassVar[bool] = False
    manual_instruction: ClassVar[str] = (
        "disable the app in Ginesys (Admin > Utilities > Connected Apps > OMS) and ask Ginesys "
        "support to reset it"
    )
    write_only: ClassVar[tuple[str, ...]] = ("webhook_secret", "encryption_key", "api_key")
    endpoint: ClassVar[Endpoint] = Endpoint(
        collection=lambda: api.APPS,
        page_size=lambda: (api.PAGE_SIZE, api.PAGE_SIZE_PARAM),
        id_field=lambda: api.ID,
        detail=lambda _, app_id: api.app(app_id),
        update=None,  # only enable/disable actions (see update)
        delete=False,
    )

    def body(self, spec: GinesysAppSpec, fields: Iterable[str]) -> dict[str, Any]:
        """The create body (the app is created whole)."""
        return _body(spec)

    def spec_data(self, row: Mapping[str, Any], ctx: ReadContext) -> dict[str, Any]:
        """An app as read: secrets as the API masks them (set or not is what plan can know),
        status as ``enabled``."""
        return _spec_data(row)

    def server_fields(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The live status and the last connection tests."""
        return {api.STATUS: row.get(api.STATUS), api.LAST_TESTS: row.get(api.LAST_TESTS)}

    async def create(
        self, client: WriteClient, spec: GinesysAppSpec, ctx: WriteContext
    ) -> Remote[GinesysAppSpec]:
        """Create the app; with ``enabled: true`` also test both connections and enable it."""
        made = await super().create(client, spec, ctx)
        if not spec.enabled:
            return made
        await ctx.step("created", made.id)  # journaled: a kill from here on never creates again
        try:
            return await self._test_and_enable(client, made.id, ctx)
        except ProviderError as exc:
            # the app exists whatever happened next: apply records it and reports the failure
            raise IncompleteChangeError(
                f"the app was created (id {made.id}) but not enabled: {exc}", made
            ) from exc

    async def update(
        self,
        client: WriteClient,
        current: Remote[GinesysAppSpec],
        spec: GinesysAppSpec,
        changed: frozenset[str],
        ctx: WriteContext,
    ) -> Remote[GinesysAppSpec]:
        """Enable (after both tests passed) or disable; nothing else can change."""
        fixed = sorted(changed - {"enabled"})
        if fixed:  # the plan makes these manual; a plan that asks anyway is refused here
            raise ProviderError(
                f"{', '.join(fixed)} cannot change after creation: {self.manual_instruction}"
            )
        if spec.enabled:
            return await self._test_and_enable(client, current.id, ctx)
        return self.to_remote(await client.post(api.app_action(current.id, api.DISABLE)), ctx)

    async def _test_and_enable(
        self, client: WriteClient, app_id: int | str, ctx: WriteContext
    ) -> Remote[GinesysAppSpec]:
        """Run both connection tests; enable when both passed, else fail naming each failed one."""
        failed = []
        for target in api.TEST_TARGETS:
            result = await client.post(api.app_action(app_id, api.TEST), {api.TEST_TARGET: target})
            if not (isinstance(result, Mapping) and result.get(api.TEST_OK) is True):
                failed.append(_failure(target, result))
        if failed:
            raise ProviderError(
                "; ".join(failed) + ". The app stays not enabled: fix the connection, then plan "
                "and apply again (the plan shows enabled false → true, which tests again)"
            )
        await ctx.step("tested")
        return self.to_remote(await client.post(api.app_action(app_id, api.ENABLE)), ctx)


def _failure(target: str, result: Any) -> str:
    """One failed test in words: target, HTTP status and the test's message."""
    answer = result if isinstance(result, Mapping) else {}
    status = answer.get(api.TEST_HTTP_STATUS)
    got = f"HTTP status {status}" if status is not None else "no HTTP answer"
    message = answer.get(api.TEST_MESSAGE) or "no message"
    return f"connection test '{target}' failed ({got}): {message}"


def _body(spec: GinesysAppSpec) -> dict[str, Any]:
    """The create body."""
    return {
        api.APP_NAME: spec.app_name,
        api.ORGANIZATION_UNIT: spec.organization_unit,
        api.WEBHOOK: {
            api.WEBHOOK_URL: spec.webhook_url,
            api.WEBHOOK_SECRET: spec.webhook_secret,
            api.ENCRYPTION_KEY: spec.encryption_key,
        },
        api.GINESYS_API: {api.GINESYS_API_URL: spec.api_url, api.GINESYS_API_KEY: spec.api_key},
    }


def _spec_data(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The Spec's input from a live app: its nested wire objects flattened onto the YAML fields
    (masked secrets kept as shown: write-only, never compared)."""
    webhook = obj.get(api.WEBHOOK) or {}
    ginesys = obj.get(api.GINESYS_API) or {}
    data = dict(
        organization_unit=obj.get(api.ORGANIZATION_UNIT),
        app_name=obj.get(api.APP_NAME),
        webhook_url=webhook.get(api.WEBHOOK_URL),
        webhook_secret=webhook.get(api.WEBHOOK_SECRET) or None,
        encryption_key=webhook.get(api.ENCRYPTION_KEY) or None,
        api_url=ginesys.get(api.GINESYS_API_URL),
        api_key=ginesys.get(api.GINESYS_API_KEY) or None,
        enabled=obj.get(api.STATUS) == api.STATUS_ENABLED,
    )
    return {k: v for k, v in data.items() if v is not None}
