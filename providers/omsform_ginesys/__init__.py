"""Provider ``ginesys``: the Ginesys ERP "Connected Apps > OMS" app (paths are proposals)."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omsform.contract.apimap import override_model
from omsform.contract.provider import Provider
from omsform.contract.resource import Resource
from omsform_ginesys import api
from omsform_ginesys.resources import KINDS

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate a brand
    from omsform.http.client import ClientOptions, WriteClient

ApiOverrides = override_model(api)


class GinesysConfig(BaseModel):
    """The ``providers.ginesys`` block. A block without ``url`` serves ``--sandbox`` runs
    only (and then needs no ``api_key``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(
        default=None,
        description=(
            "The Ginesys admin API base URL (https://). Leave it out for a brand used only "
            "with --sandbox."
        ),
        examples=["${env.ACME_GINESYS_URL}"],
    )
    api_key: str | None = Field(
        default=None,
        description="The admin API key, sent in the X-Api-Key header (a secret).",
        examples=["${secret.ACME_GINESYS_ADMIN_KEY}"],
    )
    api: ApiOverrides | None = Field(  # type: ignore[valid-type]  # a model built from api.py
        default=None,
        description="Overrides of api.py entries by constant name (see omsform doctor --show-api).",
        examples=[{"APPS": "/ginesys/api/v1/connected-apps/oms"}],
    )

    @model_validator(mode="after")
    def _key_with_url(self) -> GinesysConfig:
        if self.url and not self.api_key:
            raise ValueError("give `api_key` with `url`")
        return self


class GinesysProvider(Provider):
    """Ginesys ERP admin API, reached with the admin key header."""

    name: ClassVar[str] = "ginesys"
    config_model: ClassVar[type[BaseModel]] = GinesysConfig
    secret_fields: ClassVar[tuple[str, ...]] = ("api_key",)
    resources: ClassVar[tuple[type[Resource[Any]], ...]] = KINDS
    api: ClassVar[ModuleType | None] = api

    def doctor_probes(self, kinds: set[str], declared: dict[str, set[str]]) -> list[Any]:
        """The app list, with the fields ``ginesys_oms_app`` reads."""
        from omsform.doctor.probes import Collection

        if "ginesys_oms_app" not in kinds:
            return []
        fields = {api.ID: "id", api.ORGANIZATION_UNIT: "any", api.STATUS: "string"}
        entries = {api.ORGANIZATION_UNIT: "ORGANIZATION_UNIT", api.STATUS: "STATUS"}
        return [
            Collection(("ginesys_oms_app",), "OMS apps", "APPS", "PAGE_SIZE_PARAM", fields, entries)
        ]

    async def open(self, config: BaseModel, options: ClientOptions) -> WriteClient:
        """A client sending the admin key."""
        from omsform.http.client import WriteClient

        assert isinstance(config, GinesysConfig)
        headers = {api.AUTH_HEADER: config.api_key or ""}
        return WriteClient(self.live_url(config), headers, options, provider=self.name)

    def sandbox_config(self, base_url: str, token: str) -> dict[str, Any]:
        """The block that points this provider at the sandbox."""
        return {"url": base_url, "api_key": token}

    def kind_docs(self) -> dict[str, Any]:
        """What ``omsform docs`` adds to the fields (imported only for docs and init)."""
        from omsform_ginesys import docs

        return dict(docs.kind_docs())


provider = GinesysProvider()
