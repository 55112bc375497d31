"""What ``omsform docs`` and ``omsform init`` say about this provider's kinds beyond their Spec
fields: file family, references, API status (from ``api.py``'s tags), rules, valid values, what
the sandbox seeds, and an example per kind.

Value lists come from where they are enforced (``api.py``, the resources' enums) and the seeds
from the sandbox's own seed data, so the generated pages cannot drift from the code.
"""

from __future__ import annotations

import re

from omsform.contract.kinddoc import KindDoc
from omsform_akinon_oms import api
from omsform_akinon_oms.resources import oms_transition
from omsform_akinon_oms.sandbox import omnitron, stock_integration, transitions

_BULLET = re.compile(r"^- ``([a-z_]+)``: (.*)$")


def api_status(kind: str) -> str:
    """The kind's bullet of ``api.py``'s "What is documented" list ([D] documented by Akinon,
    [I] inferred, [B] from the set-up guide, [P] proposed)."""
    found: list[str] = []
    for line in (api.__doc__ or "").splitlines():
        match = _BULLET.match(line)
        if match:
            if found:
                break
            if match.group(1) == kind:
                found.append(match.group(2))
        elif found and line.startswith("  "):
            found.append(line.strip())
        elif found:
            break
    return " ".join(found)


def _package_states() -> tuple[str, ...]:
    return tuple(
        f"`{oms_transition.state_word(name)}` ({name}, enum value {value})"
        for name, value in transitions.PACKAGE_STATES
    )


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


_LOCATION = "oms_stock_location (an erp_code or ${oms_stock_location.NAME})"
_LOGIN = f"`{omnitron.USERNAME}` / `{omnitron.PASSWORD}`"

_CARGO_RULES = (
    "A demo client: `is_demo_client: true`, `shipping_company: demo` by convention, and "
    f"`conf.klass: {api.CARGO_DEMO_KLASS_PREFIX}<Name>`; it takes no credentials.",
    "A `conf.klass` from the demo package without `is_demo_client: true` is refused.",
    "A real carrier managed by OMS (`is_managed_by_oms: true`, the default) needs at least one "
    "credential in `conf` (e.g. `password: ${secret.NAME}`); one not managed by OMS needs none.",
    "Credentials sit directly in `conf` or in `conf.auth`, under a lower-case credential key; "
    "anywhere else they are refused (they would read back masked and never compare equal).",
    "`conf` is sent whole on every change (credentials included): it is not an open map.",
)

DOCS: dict[str, KindDoc] = {
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
    "oms_scenario": KindDoc(
        family="scenarios",
        references={
            "channels": "oms_channel (a name or ${oms_channel.NAME})",
            "default_stock_location": _LOCATION,
            "rules[].location_prerequisites": _LOCATION,
            "rules[].conditions.select_by_location": _LOCATION,
            "rules[].conditions.exclude_location": _LOCATION,
            "initial_status": "a package state word (see oms_transition)",
        },
        sections=(
            (
                "Conditions",
                (
                    "`select_by_location`, `exclude_location` (location sets), "
                    "`select_by_type` (store | warehouse), `select_by_geo` (country, city, "
                    "township, district), `select_by_quota` (bool).",
                    "Sorting fields: priority, stock, package_density, distance; asc | desc.",
                    "Geo rules and distance sorting warn without a GEOLOCATION_DISCOVERY setting.",
                ),
            ),
        ),
        example="""oms_scenario:
  web-orders:
    description: Web orders ship from the warehouse, then from the closest store.
    priority: 10
    channel_condition: static
    channels: ['${oms_channel.web}']
    default_stock_location: ${oms_stock_location.istanbul_wh}
    rules:
      - name: warehouse-first
        conditions:
          select_by_location: ['${oms_stock_location.istanbul_wh}']
        sorting: [{stock: desc}]
      - name: then-stores
        conditions: {select_by_type: store}
        sorting: [{field: priority, direction: asc}]
""",
    ),
    "oms_transition": KindDoc(
        family="package_flow",
        references={
            "source_state": "a package state word",
            "target_state": "a package state word",
        },
        sections=(
            ("Package states (the sandbox seeds these)", _package_states()),
            (
                "Command classes (documented; others are accepted with a warning)",
                tuple(f"`{c}`" for c in api.TRANSITION_COMMAND_CLASSES),
            ),
            (
                "Write-only",
                (
                    "`config.remote_invoice_call.auth` username, password and token: "
                    "request_type `basic_auth` needs username and password, `token` a token.",
                ),
            ),
        ),
        example="""oms_transition:
  start_preparing:
    name: Start preparing
    source_state: waiting
    target_state: preparing
    command_class: PackageStateTransitionCommand
  pack:
    name: Pack
    source_state: preparing
    target_state: packed
    command_class: CompletePackingCommand
""",
    ),
    "oms_denial_reason": KindDoc(
        family="package_flow",
        example="""oms_denial_reason:
  damaged:
    title: Damaged product
    priority: 1
""",
    ),
    "oms_webhook": KindDoc(
        family="webhooks",
        sections=(
            ("Event types", tuple(f"`{e}`" for e in api.WEBHOOK_EVENT_TYPES)),
            (
                "Key",
                (
                    "(`event_type`, `target_url`): a changed URL is a new subscription, the "
                    "old one is deleted only when `oms_webhook` is in `manage.prune`.",
                ),
            ),
        ),
        example="""oms_webhook:
  package_packed:
    event_type: package.status.packed
    target_url: https://erp.acme.example.com/hooks/package-packed
    secret_key: ${secret.ACME_WEBHOOK_SECRET}
    retry_countdown_config: {type: exponential, countdown: 30, max_retries: 5}
""",
    ),
    "oms_cargo_integration": KindDoc(
        family="cargo",
        sections=(
            (
                "Credential keys (write-only, in `conf` or `conf.auth`)",
                tuple(f"`{k}`" for k in api.CARGO_CREDENTIAL_KEYS),
            ),
            ("Demo versus real carriers", _CARGO_RULES),
            (
                "shipping_company",
                (
                    "A carrier slug as the OMS knows it (`demo` for demo clients, e.g. "
                    "`yurtici`, `aras`, `mng` for real ones); the API documents no fixed list "
                    "and the sandbox accepts any non-empty text.",
                ),
            ),
        ),
        example="""oms_cargo_integration:
  demo:
    erp_code: DEMO-CARGO
    name: Demo Cargo
    shipping_company: demo
    is_demo_client: true
    conf: {klass: oms.shipments.clients.demo_client.FastDemo}
  yurtici:
    erp_code: YK
    name: Yurtiçi Kargo
    shipping_company: yurtici
    conf:
      username: acme
      password: ${secret.ACME_CARRIER_PASSWORD}
""",
    ),
}


def kind_docs() -> dict[str, KindDoc]:
    """Every kind's notes, with its API status read from ``api.py``."""
    return {
        kind: KindDoc(
            family=doc.family,
            api=api_status(kind),
            references=doc.references,
            sections=doc.sections,
            example=doc.example,
        )
        for kind, doc in DOCS.items()
    }
