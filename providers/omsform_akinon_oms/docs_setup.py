"""The notes ``omsform docs`` shows for the setup and location kinds (setup steps, settings,
stock locations, channels, stock integration); see :mod:`omsform_akinon_oms.docs`."""

from __future__ import annotations

from omsform.contract.kinddoc import KindDoc
from omsform_akinon_oms.sandbox import omnitron, stock_integration

LOCATION = "oms_stock_location (an erp_code or ${oms_stock_location.NAME})"
_LOGIN = f"`{omnitron.USERNAME}` / `{omnitron.PASSWORD}`"


def _seeded_channels() -> tuple[str, ...]:
    return tuple(
        f"`{c['name']}` (omnitron_id {c['omnitron_id']}, {c['channel_type']})"
        for c in omnitron._DEMO_CHANNELS
    )


def _seeded_stores() -> tuple[str, ...]:
    return tuple(
        f"`{s['erp_code']}` {s['name']} (omnitron_id {s['omnitron_id']})"
        for s in omnitron._DEMO_STORES
    )


def _engines() -> tuple[str, ...]:
    return tuple(f"`{e['value']}`: {e['label']}" for e in stock_integration.ENGINES)


SETUP_DOCS: dict[str, KindDoc] = {
    "oms_setup_step": KindDoc(
        family="setup",
        sections=(
            ("Steps", ("`addresses`", "`stock_locations`", "`channels`")),
            (
                "Behaviour",
                (
                    "Plans a run (`»`) when the OMS says the copy is required or a job is still "
                    "WORKING; steps run in the order addresses → stock_locations → channels.",
                    "No fields: write `addresses: {}`.",
                ),
            ),
            (
                "Sandbox seeds (`demo`)",
                (
                    "A fake Omnitron waiting to be copied: channels "
                    + ", ".join(_seeded_channels()),
                    "Retail stores " + ", ".join(_seeded_stores()),
                    "Turkish address records (Türkiye; Istanbul and Ankara with townships and "
                    f"districts). Omnitron login: {_LOGIN}.",
                ),
            ),
        ),
        example="""oms_setup_step:
  addresses: {}
  stock_locations: {}
  channels: {}
""",
    ),
    "oms_setting": KindDoc(
        family="settings",
        sections=(
            (
                "Typed keys",
                (
                    "`OMNITRON_CLIENT_SETTINGS`: `auth` {username, password (write-only)}, "
                    "`urls` {base_url, oms_url}, `timeouts` {read, connect} (ms), "
                    "`endpoint_conf` [{endpoint, base_url, auth {token (write-only)}}].",
                    "`ORDER_FILTERING`: `channels` (Omnitron channel ids), `exclude` (bool).",
                    "`GEOLOCATION_DISCOVERY`: `provider` (google | yandex), `api_key` "
                    "(write-only); needed by scenario geo rules and distance sorting.",
                    "`GEOCODE_PROVIDER_SETTINGS`: `provider`, `api_key` (write-only), `url`.",
                    "`IS_TRADEIN_ENABLED`: true or false.",
                    "Other keys take any JSON value; unknown keys inside a typed value are "
                    "warned about.",
                ),
            ),
            ("Deletion", ("Never deleted: a setting removed from the YAML is left as it is.",)),
        ),
        example="""oms_setting:
  ORDER_FILTERING:
    value: {channels: [1, 2], exclude: false}
  GEOLOCATION_DISCOVERY:
    value:
      provider: google
      api_key: ${secret.ACME_MAPS_API_KEY}
""",
    ),
    "oms_stock_location": KindDoc(
        family="stock_locations",
        references={"address.country … address.district": "OMS address ids (addresses step)"},
        sections=(
            (
                "Stores from Omnitron",
                (
                    "Stores copied in by the `stock_locations` setup step are never deleted; "
                    "declare one by its erp_code to manage its fields.",
                    "Sandbox seeds (`demo`): " + ", ".join(_seeded_stores()) + ".",
                ),
            ),
        ),
        example="""oms_stock_location:
  istanbul_wh:
    erp_code: IST-WH
    name: Istanbul Warehouse
    stock_location_type: warehouse
    priority: 10
    is_fulfillment_center: true
    tags: [warehouse, istanbul]
""",
    ),
    "oms_channel": KindDoc(
        family="channels",
        sections=(
            (
                "Where channels come from",
                (
                    "Created in Omnitron and copied in by the `channels` setup step; never "
                    "created or deleted by omsform. Only `is_active` and `configuration` are "
                    "managed.",
                    "Sandbox seeds (`demo`): " + ", ".join(_seeded_channels()) + ".",
                ),
            ),
        ),
        example="""oms_channel:
  web:
    name: acme-web
    configuration: {order_prefix: WEB}
""",
    ),
    "oms_stock_integration": KindDoc(
        family="stock_integration",
        sections=(
            ("Singleton", ("One per OMS: any local name, the key is always `default`.",)),
            ("Stock engines the sandbox offers", _engines()),
        ),
        example="""oms_stock_integration:
  default:
    url: https://stock.acme.example.com/api/query/
    stock_engine_type: basic_auth
    username: oms
    password: ${secret.ACME_STOCK_PASSWORD}
""",
    ),
}
