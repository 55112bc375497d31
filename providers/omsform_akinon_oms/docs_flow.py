"""The notes ``omsform docs`` shows for the order-flow kinds (scenarios, transitions, denial
reasons, webhooks, cargo integrations); see :mod:`omsform_akinon_oms.docs`."""

from __future__ import annotations

from omsform.contract.kinddoc import KindDoc
from omsform_akinon_oms import api
from omsform_akinon_oms.docs_setup import LOCATION as _LOCATION
from omsform_akinon_oms.resources import oms_transition
from omsform_akinon_oms.sandbox import transitions


def _package_states() -> tuple[str, ...]:
    return tuple(
        f"`{oms_transition.state_word(name)}` ({name}, enum value {value})"
        for name, value in transitions.PACKAGE_STATES
    )


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

FLOW_DOCS: dict[str, KindDoc] = {
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
