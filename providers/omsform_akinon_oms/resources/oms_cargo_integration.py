"""``oms_cargo_integration``: a cargo (shipping) company integration, keyed by ``erp_code``.

Fields [B] (Basic Setup guide): ``name``, ``shipping_company``, ``is_managed_by_oms``
(default true), ``is_demo_client`` (default false) and ``conf``: credentials for a real
carrier, or ``klass: oms.shipments.clients.demo_client.<Name>`` for a demo client.

Rules, checked when the brand is loaded: a demo client needs that ``conf.klass`` and no
credentials; a ``klass`` from the demo package needs ``is_demo_client: true``; a real carrier
managed by OMS needs at least one credential.

Credentials are the values under the keys in ``api.CARGO_CREDENTIAL_KEYS`` (``password``,
``api_key``, ``token``, …). The API masks them on read, so they are write-only and compared by
their ledger fingerprint. They must sit directly in ``conf`` or in ``conf.auth``, under a
lower-case key: those are the write-only paths, and a credential anywhere else would read back
masked and never compare equal, so it is refused at load time.

API [P]: ``GET/POST cargo_companies/``, ``PATCH/DELETE cargo_companies/{id}/``; a PATCH of
``conf`` replaces it whole, so every credential is sent again with any ``conf`` change. ``conf``
is therefore not an open map (:mod:`omsform.plan.openmaps`): its credentials read back masked, so a
merge with the live map would send the masks; the YAML declares the whole carrier config. The
field names are [B], the body shape and the masked credential keys [P]; the Spec's field names
are the wire names (``api.CARGO_FIELDS``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field, field_validator, model_validator

from omsform.contract.resource import ReadContext, Resource, WriteContext
from omsform.contract.spec import Remote, Spec, fingerprint_of
from omsform_akinon_oms import api

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    from omsform.http.client import ApiClient, WriteClient

CREDENTIAL_KEYS = frozenset(api.CARGO_CREDENTIAL_KEYS)
CONF, AUTH = api.CARGO_CONF, api.CARGO_CONF_AUTH
CREDENTIAL_PATHS = tuple(f"{CONF}.{k}" for k in api.CARGO_CREDENTIAL_KEYS) + tuple(
    f"{CONF}.{AUTH}.{k}" for k in api.CARGO_CREDENTIAL_KEYS
)
DEMO = api.CARGO_DEMO_KLASS_PREFIX
FIELDS = api.CARGO_FIELDS


def _credentials(value: Any, path: str = CONF) -> Iterator[tuple[str, str, Any]]:
    """``(path, key, value)`` of every key inside ``value`` that names a credential (any case,
    any depth)."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}"
            if str(key).lower() in CREDENTIAL_KEYS:
                yield here, str(key), item
            yield from _credentials(item, here)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _credentials(item, f"{path}[{i}]")


class CargoIntegrationSpec(Spec):
    """A cargo integration; defaults are the server's."""

    erp_code: str = Field(
        min_length=1,
        max_length=255,
        description="The integration's code in the ERP, unique; the natural key (text, 1-255).",
        examples=["YK"],
    )
    name: str = Field(
        min_length=1,
        max_length=255,
        description="Display name (text, 1-255).",
        examples=["Yurtiçi Kargo"],
    )
    shipping_company: str = Field(
        min_length=1,
        max_length=255,
        description=(
            "The carrier's slug as OMS knows it (lower-case text, 1-255): `demo` for a demo "
            "client, else the company the client class serves (`yurtici`, `aras`, `mng`, …)."
        ),
        examples=["yurtici"],
    )
    is_managed_by_oms: bool = Field(
        default=True,
        description="OMS books shipments with this carrier itself (then it needs credentials).",
        examples=[True],
    )
    is_demo_client: bool = Field(
        default=False,
        description=(
            "A demo client: needs `conf.klass: oms.shipments.clients.demo_client.<Name>` and no "
            "credentials."
        ),
        examples=[False],
    )
    conf: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "The client's configuration, sent whole (not an open map). Credentials sit directly "
            "in `conf` or in `conf.auth` under a lower-case credential key (password, api_key, "
            "token, …) and are write-only; a demo client takes `klass` instead."
        ),
        examples=[{"username": "acme", "password": "${secret.ACME_CARRIER_PASSWORD}"}],
    )

    @field_validator("conf", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="after")
    def _rules(self) -> CargoIntegrationSpec:
        found = list(_credentials(self.conf))
        misplaced = [p for p, k, _ in found if p not in CREDENTIAL_PATHS]
        if misplaced:
            raise ValueError(
                f"credential {', '.join(misplaced)} must sit directly in `conf` or `conf.auth` "
                f"under a lower-case key ({', '.join(sorted(CREDENTIAL_KEYS))}): only there is "
                "it write-only and compared safely"
            )
        given = [p for p, _, v in found if v not in (None, "")]
        klass = self.conf.get(api.CARGO_CONF_KLASS)
        demo_klass = isinstance(klass, str) and klass.startswith(DEMO)
        if self.is_demo_client:
            if not demo_klass or klass == DEMO:
                raise ValueError(f"a demo client needs `conf.klass: {DEMO}<Name>`")
            if given:
                raise ValueError(f"a demo client takes no credentials: remove {', '.join(given)}")
        elif demo_klass:
            raise ValueError(f"`conf.klass` names a demo client ({klass}): set is_demo_client")
        elif self.is_managed_by_oms and not given:
            raise ValueError(
                "a real carrier managed by OMS needs credentials in `conf` (one of "
                f"{', '.join(api.CARGO_CREDENTIAL_KEYS)}, e.g. `password: ${{secret.NAME}}`)"
            )
        return self


class OmsCargoIntegration(Resource[CargoIntegrationSpec]):
    """Cargo integrations (full CRUD)."""

    kind: ClassVar[str] = "oms_cargo_integration"
    spec_model: ClassVar[type[Spec]] = CargoIntegrationSpec
    key_fields: ClassVar[tuple[str, ...]] = ("erp_code",)
    write_only: ClassVar[tuple[str, ...]] = CREDENTIAL_PATHS

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[CargoIntegrationSpec]]:
        """Every cargo integration (credentials as the API masks them)."""
        rows = await client.list_all(
            api.CARGO_INTEGRATIONS,
            page_size=api.PAGE_SIZE,
            page_size_param=api.CARGO_PAGE_SIZE_PARAM,
        )
        return [_remote(row) for row in rows]

    async def create(
        self, client: WriteClient, spec: CargoIntegrationSpec, ctx: WriteContext
    ) -> Remote[CargoIntegrationSpec]:
        """POST every field."""
        answer = await client.post(api.CARGO_INTEGRATIONS, _body(spec, FIELDS))
        return await self.created(client, spec, ctx, answer, _remote)

    async def update(
        self,
        client: WriteClient,
        current: Remote[CargoIntegrationSpec],
        spec: CargoIntegrationSpec,
        changed: frozenset[str],
        ctx: WriteContext,
    ) -> Remote[CargoIntegrationSpec]:
        """PATCH the changed fields (``conf`` whole, credentials included)."""
        path = api.detail(api.CARGO_INTEGRATIONS, current.id)
        return _remote(await client.patch(path, _body(spec, changed)))

    async def delete(
        self, client: WriteClient, current: Remote[CargoIntegrationSpec], ctx: WriteContext
    ) -> None:
        """DELETE the integration."""
        await client.delete(api.detail(api.CARGO_INTEGRATIONS, current.id))


def _body(spec: CargoIntegrationSpec, fields: tuple[str, ...] | frozenset[str]) -> dict[str, Any]:
    return spec.model_dump(mode="json", include=set(fields) & set(FIELDS))


def _remote(row: Mapping[str, Any]) -> Remote[CargoIntegrationSpec]:
    # model_construct: a live object need not pass the YAML rules. Masked credentials stay as
    # the API shows them, as for settings: the plan never compares write-only paths, and
    # `omsform import` turns them into ${secret.…} references.
    fields = {k: row[k] for k in FIELDS if k in row and row[k] is not None}
    spec = CargoIntegrationSpec.model_construct(**{**fields, CONF: row.get(CONF) or {}})
    return Remote(id=row[api.ID], spec=spec, fingerprint=fingerprint_of(row))
