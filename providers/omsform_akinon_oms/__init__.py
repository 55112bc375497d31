"""Provider ``akinon_oms``: Akinon OMS application settings, setup steps, locations and more.

Every path and field name the client uses lives in :mod:`omsform_akinon_oms.api`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omsform.errors import ApiError, AuthError
from omsform.http import ClientOptions, WriteClient
from omsform.provider import Provider
from omsform.resource import Resource
from omsform_akinon_oms import api
from omsform_akinon_oms.resources import KINDS


class AkinonOmsConfig(BaseModel):
    """The ``providers.akinon_oms`` block: ``url`` plus ``token``, or ``username``/``password``.
    A block without ``url`` serves ``--sandbox`` runs only (and then needs no credentials)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(
        default=None,
        description=(
            "The OMS base URL (https://; http:// only for loopback). Leave it out for a brand "
            "used only with --sandbox."
        ),
        examples=["${env.ACME_OMS_URL}"],
    )
    token: str | None = Field(
        default=None,
        description='API token, sent as "Authorization: Token <token>" (a secret).',
        examples=["${secret.ACME_OMS_TOKEN}"],
    )
    username: str | None = Field(
        default=None,
        description="Instead of a token: the user omsform logs in as once per run.",
        examples=["${env.ACME_OMS_USERNAME}"],
    )
    password: str | None = Field(
        default=None,
        description="That user's password (a secret).",
        examples=["${secret.ACME_OMS_PASSWORD}"],
    )

    @model_validator(mode="after")
    def _one_way_to_log_in(self) -> AkinonOmsConfig:
        if self.url and not self.token and not (self.username and self.password):
            raise ValueError("give `token`, or `username` and `password`")
        return self


class AkinonOmsProvider(Provider):
    """Akinon OMS, reached with ``Authorization: Token <key>``."""

    name: ClassVar[str] = "akinon_oms"
    config_model: ClassVar[type[BaseModel]] = AkinonOmsConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("token", "password")
    resources: ClassVar[tuple[type[Resource[Any]], ...]] = KINDS

    async def open(self, config: BaseModel, options: ClientOptions) -> WriteClient:
        """A client with the token, logging in first when only credentials are given."""
        assert isinstance(config, AkinonOmsConfig)
        token = config.token
        if not token:
            token = await self._login(config, options)
        headers = {"Authorization": f"Token {token}"}
        return WriteClient(self.live_url(config), headers, options, provider=self.name)

    async def _login(self, config: AkinonOmsConfig, options: ClientOptions) -> str:
        client = WriteClient(self.live_url(config), {}, options, provider=self.name)
        body = {"username": config.username, "password": config.password}
        try:
            answer = await client.post(api.LOGIN, body)
        except ApiError as exc:
            # DRF's login view answers bad credentials with 400, not 401
            raise AuthError(
                f"{self.name}: login as {config.username!r} at {api.LOGIN} failed "
                f"({exc.status}): check `username` and `password` in the "
                f"`providers.{self.name}` block of omsform.yaml and the variables they read"
            ) from None
        finally:
            await client.aclose()
        if not isinstance(answer, dict) or not answer.get("key"):
            raise AuthError(f"{self.name}: login at {api.LOGIN} returned no key")
        return str(answer["key"])

    def sandbox_config(self, base_url: str, token: str) -> dict[str, Any]:
        """The block that points this provider at the sandbox."""
        return {"url": base_url, "token": token}

    def kind_docs(self) -> dict[str, Any]:
        """What ``omsform docs`` adds to the fields (imported only for docs and init)."""
        from omsform_akinon_oms import docs

        return dict(docs.kind_docs())


provider = AkinonOmsProvider()
