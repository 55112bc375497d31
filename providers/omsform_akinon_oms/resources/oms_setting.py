"""``oms_setting``: one OMS application setting, keyed by ``key`` (defaults to the local name).

[D] ``GET/POST settings/application_settings/``, ``PATCH …/{id}/`` with ``{json_value}`` (200,
empty body); no delete, so a setting removed from the YAML is reported, never deleted. The
API masks secrets on read; those paths are write-only here. Known keys have typed values; each
value model says whether its shape is documented. Wire names: ``api.SETTING_*``.
``value`` is not an open map (:mod:`omsform.plan.openmaps`): the value is the setting itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from omsform.contract.rest import Endpoint, RestResource
from omsform.contract.spec import Desired, Spec, reading
from omsform.errors import Location, Problem
from omsform.lang.suggest import did_you_mean
from omsform_akinon_oms import api

if TYPE_CHECKING:  # httpx is imported when a client is made, not to validate
    pass


class _Value(BaseModel):
    """A typed setting value: unknown keys are kept (OMS may know more) but warned about."""

    model_config = ConfigDict(extra="allow", frozen=True)


class _OmnitronAuth(_Value):
    username: str
    password: str


class _OmnitronUrls(_Value):
    base_url: str
    oms_url: str | None = None


class _OmnitronTimeouts(_Value):
    read: int | None = None
    connect: int | None = None


class _EndpointAuth(_Value):
    token: str | None = None


class _Endpoint(_Value):
    endpoint: str
    base_url: str | None = None
    auth: _EndpointAuth | None = None


class OmnitronClientSettings(_Value):
    """``OMNITRON_CLIENT_SETTINGS``: how OMS reaches Omnitron [D]."""

    auth: _OmnitronAuth
    urls: _OmnitronUrls
    timeouts: _OmnitronTimeouts | None = None
    endpoint_conf: tuple[_Endpoint, ...] = ()


class GeolocationDiscovery(_Value):
    """``GEOLOCATION_DISCOVERY``: the maps key for distance scoring [B; shape P]."""

    provider: Literal["google", "yandex"]
    api_key: str


class _GeocodeRequired(_Value):
    """The keys a geocode value needs, at its top level or inside ``conf``."""

    provider: str | None = None
    api_key: str | None = None


class _GeocodeConf(_GeocodeRequired):
    url: str | None = None


class GeocodeProviderSettings(_Value):
    """``GEOCODE_PROVIDER_SETTINGS``: ``{provider, api_key, url?}`` [D], or the same keys nested
    under ``conf`` [I] (a documented list example is cut off at ``{"con…``)."""

    provider: str | None = None
    api_key: str | None = None
    url: str | None = None
    conf: _GeocodeConf | None = None

    @model_validator(mode="after")
    def _provider_and_key(self) -> GeocodeProviderSettings:
        for name in _GeocodeRequired.model_fields:
            if getattr(self, name) is None and getattr(self.conf, name, None) is None:
                raise ValueError(f"{name} is required (at the top level or inside conf)")
        return self


class OrderFiltering(_Value):
    """``ORDER_FILTERING``: brand specific [B; shape P]: Omnitron channel ids and whether they
    are excluded (true) or the only ones imported."""

    channels: tuple[int, ...] = ()
    exclude: StrictBool = False


VALUE_MODELS: dict[str, type[BaseModel]] = {
    "OMNITRON_CLIENT_SETTINGS": OmnitronClientSettings,
    "GEOLOCATION_DISCOVERY": GeolocationDiscovery,
    "GEOCODE_PROVIDER_SETTINGS": GeocodeProviderSettings,
    "ORDER_FILTERING": OrderFiltering,
}
TRADEIN = "IS_TRADEIN_ENABLED"
KNOWN_KEYS = (*VALUE_MODELS, TRADEIN)


class SettingSpec(Spec):
    """A setting's key and JSON value."""

    key: str = Field(
        description=(
            "The setting's key (upper-case text; defaults to the local name). Typed keys: "
            "OMNITRON_CLIENT_SETTINGS, ORDER_FILTERING, GEOLOCATION_DISCOVERY, "
            "GEOCODE_PROVIDER_SETTINGS, IS_TRADEIN_ENABLED."
        ),
        examples=["GEOLOCATION_DISCOVERY"],
    )
    value: Any = Field(
        default=None,
        description=(
            "The setting's value: any JSON (sent as json_value). Typed keys are checked; "
            "masked paths (passwords, tokens, api_key) are write-only."
        ),
        examples=[{"provider": "google", "api_key": "${secret.ACME_MAPS_API_KEY}"}],
    )

    @field_validator("value")
    @classmethod
    def _typed_value(cls, value: Any, info: ValidationInfo) -> Any:
        # a field validator (not a model one), so a bad nested value is reported at its path
        if reading(info):  # a live value may not pass the typed check (masked secrets)
            return value
        key = info.data.get("key")
        model = VALUE_MODELS.get(str(key))
        if model is not None and value is not None:
            model.model_validate(value)
        if key == TRADEIN and not isinstance(value, bool):
            raise ValueError(f"{TRADEIN} takes true or false")
        return value


def unknown_value_keys(key: str, value: Any) -> list[tuple[str, str]]:
    """``(dotted path, did-you-mean hint)`` of each key inside a typed setting's value that
    omsform does not know (``value.timeouts.raed``); empty for untyped or invalid values."""
    model = VALUE_MODELS.get(key)
    if model is None or value is None:
        return []
    try:
        typed = model.model_validate(value)
    except ValidationError:
        return []
    return list(_extras(typed, "value"))


def _extras(obj: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(obj, (tuple, list)):
        for i, item in enumerate(obj):
            yield from _extras(item, f"{path}[{i}]")
    if not isinstance(obj, BaseModel):
        return
    known = type(obj).model_fields
    for name in sorted(obj.model_extra or {}):
        yield f"{path}.{name}", did_you_mean(name, known)
    for name in known:
        yield from _extras(getattr(obj, name), f"{path}.{name}")


class OmsSetting(RestResource[SettingSpec]):
    """Application settings (upsert by key; never deleted). A PATCH answers 200 with an empty
    body, so an update gives the spec as written."""

    kind: ClassVar[str] = "oms_setting"
    spec_model: ClassVar[type[Spec]] = SettingSpec
    key_fields: ClassVar[tuple[str, ...]] = ("key",)
    name_field: ClassVar[str | None] = "key"
    write_only: ClassVar[tuple[str, ...]] = (
        "value.auth.password",
        "value.endpoint_conf[].auth.token",
        "value.api_key",
        "value.conf.api_key",
    )
    endpoint: ClassVar[Endpoint] = Endpoint(
        collection=lambda: api.SETTINGS,
        page_size=lambda: (api.PAGE_SIZE, api.SETTINGS_PAGE_SIZE_PARAM),
        id_field=lambda: api.ID,
        detail=api.detail,
        delete=False,
        renames=lambda: dict(key=api.SETTING_KEY, value=api.SETTING_VALUE),
    )

    @classmethod
    def check(cls, desired: Mapping[str, Desired[SettingSpec]]) -> list[Problem]:
        """Warn about keys omsform has no value model for (allowed, but unchecked), and about
        unknown keys inside a typed value (kept and sent, but likely a typo)."""
        inside = [
            Problem(
                Location(address=address),
                f"{path}: '{path.rsplit('.', 1)[-1]}' is not a key omsform knows in "
                f"{d.spec.key}; it is sent as written",
                hint=hint,
                severity="warning",
            )
            for address, d in desired.items()
            for path, hint in unknown_value_keys(d.spec.key, d.spec.value)
        ]
        return inside + [
            Problem(
                Location(address=address),
                f"setting key '{d.spec.key}' is not one omsform knows; its value is not checked",
                hint="known keys: " + ", ".join(KNOWN_KEYS),
                severity="warning",
            )
            for address, d in desired.items()
            if d.spec.key not in KNOWN_KEYS
        ]
