"""Provider ``akinon_oms``: Akinon OMS application settings, setup steps, locations and more.

Every path and field name the client uses lives in :mod:`omsform_akinon_oms.api`; a brand may
override them in its block's ``api:`` map (:mod:`omsform.contract.apimap`).

Hosts. The Basic Setup guide reaches the OMS API through the Omnitron host
(``https://xxx-omnitron.akinon.net/api/v1/oms/``), logs in at Omnitron, and the whisperer hooks
sit at the OMS application root; the package-command pages use a separate ``{x}-oms`` host. So
``url`` is the host serving ``/api/v1/oms/``, ``omnitron_url`` the host that logs in (default:
``url``) and ``hooks_url`` the root serving ``/whisperer/hooks/`` (default: ``url``).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omsform.contract.apimap import override_model, overrides_of
from omsform.contract.provider import Provider
from omsform.contract.resource import Resource
from omsform.errors import ApiError, AuthError
from omsform_akinon_oms import api
from omsform_akinon_oms.resources import KINDS

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate a brand
    from omsform.http.client import ClientOptions, WriteClient

ApiOverrides = override_model(api)


class AkinonOmsConfig(BaseModel):
    """The ``providers.akinon_oms`` block: ``url`` plus ``token``, or ``username``/``password``;
    optional ``omnitron_url`` and ``hooks_url`` (see the module doc) and ``api`` overrides.
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
    omnitron_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="The Omnitron host that logs in (POST /api/v1/auth/login/); default: url.",
        examples=["https://acme-omnitron.akinon.net"],
    )
    hooks_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="The OMS application root serving /whisperer/hooks/; default: url.",
        examples=["https://acme-oms.akinon.net"],
    )
    api: ApiOverrides | None = Field(  # type: ignore[valid-type]  # a model built from api.py
        default=None,
        description="Overrides of api.py entries by constant name (see omsform doctor --show-api).",
        examples=[{"STOCK_LOCATIONS": "/api/v1/oms/stock-locations/"}],
    )

    @property
    def login_url(self) -> str | None:
        """The host that logs in (Omnitron); ``None`` in a sandbox-only block."""
        return self.omnitron_url or self.url

    def hosts(self) -> dict[str, str]:
        """Block key → URL of every distinct host this block reaches."""
        found = {"url": self.url} if self.url else {}
        if self.omnitron_url and self.omnitron_url != self.url and not self.token:
            found["omnitron_url"] = self.omnitron_url
        if self.hooks_url and self.hooks_url != self.url:
            found["hooks_url"] = self.hooks_url
        return found

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
    api: ClassVar[ModuleType | None] = api

    def api_overrides(self, config: BaseModel) -> dict[str, Any]:
        """The block's ``api:`` map, plus the whisperer path on ``hooks_url`` when it is set."""
        assert isinstance(config, AkinonOmsConfig)
        found = overrides_of(config)
        if config.hooks_url:
            path = str(found.get("WHISPERER_HOOKS", api.WHISPERER_HOOKS))
            if path.startswith("/"):
                found["WHISPERER_HOOKS"] = config.hooks_url.rstrip("/") + path
        return found

    def doctor_probes(self, kinds: set[str], declared: dict[str, set[str]]) -> list[Any]:
        """What ``omsform doctor`` checks (:mod:`omsform_akinon_oms.doctor`)."""
        from omsform_akinon_oms.doctor import probes

        return list(probes(kinds, declared))

    async def open(self, config: BaseModel, options: ClientOptions) -> WriteClient:
        """A client with the token, logging in first when only credentials are given."""
        from omsform.http.client import WriteClient
        from omsform.http.pool import check_base_url

        assert isinstance(config, AkinonOmsConfig)
        token = config.token
        if config.hooks_url:
            check_base_url(config.hooks_url, options, f"{self.name} hooks_url")
        if not token:
            token = await self._login(config, options)
        headers = {"Authorization": f"Token {token}"}
        return WriteClient(self.live_url(config), headers, options, provider=self.name)

    async def _login(self, config: AkinonOmsConfig, options: ClientOptions) -> str:
        from omsform.http.client import WriteClient

        login_url = config.omnitron_url or self.live_url(config)
        client = WriteClient(login_url, {}, options, provider=self.name)
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
