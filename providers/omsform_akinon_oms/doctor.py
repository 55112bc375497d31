"""What ``omsform doctor`` checks for each ``akinon_oms`` kind (run by :mod:`omsform.doctor.run`).

Built on each call, from the current ``api`` values, so ``api:`` overrides apply; the field
tables list what each kind reads from a listed object, with the JSON type it expects.
"""

from __future__ import annotations

from typing import Any

from omsform.contract.rest import wire_fields
from omsform.doctor.probes import Answer, Collection, Probe
from omsform_akinon_oms import api
from omsform_akinon_oms.resources.oms_cargo_integration import CargoIntegrationSpec
from omsform_akinon_oms.resources.oms_denial_reason import DenialReasonSpec
from omsform_akinon_oms.resources.oms_stock_location import StockLocationSpec
from omsform_akinon_oms.resources.oms_transition import TransitionSpec
from omsform_akinon_oms.resources.oms_webhook import WebhookSpec

STEP_KIND, ENGINE_KIND = "oms_setup_step", "oms_stock_integration"
STATUSES = ("READY", "WORKING", "FINISHED", "FAILED", "ABORTED")
# the yes/no fields of a location: the Spec's field names are the wire names (api.py keeps no copy)
LOCATION_FLAGS = tuple(n for n, f in StockLocationSpec.model_fields.items() if f.annotation is bool)


def probes(kinds: set[str], declared: dict[str, set[str]]) -> list[Probe]:
    """The checks the kinds in ``kinds`` need; setup steps only for the declared ones."""
    found: list[Probe] = [c for c in collections() if set(c.kinds) & kinds]
    if STEP_KIND in kinds:
        for step in sorted(declared.get(STEP_KIND, ())):
            if step in api.SETUP_STEPS:
                found += step_answers(step)
    if ENGINE_KIND in kinds:
        found.append(
            Answer((ENGINE_KIND,), "stock engines", "STOCK_ENGINES", _engines, _engine_list)
        )
        found.append(
            Answer(
                (ENGINE_KIND,),
                "stock integration",
                "STOCK_INTEGRATION_CURRENT",
                _current_integration,
                _object_or_empty,
            )
        )
    return found


def _engines() -> str:
    return str(api.STOCK_ENGINES)


def _current_integration() -> str:
    return str(api.STOCK_INTEGRATION_CURRENT)


def collections() -> list[Collection]:
    """Every list endpoint a kind reads, with the fields it reads from a row.

    Long because it is a table: one entry per list endpoint, kept together for review."""
    identity = {api.ID: "id"}
    return [
        Collection(
            ("oms_setting",),
            "application settings",
            "SETTINGS",
            "SETTINGS_PAGE_SIZE_PARAM",
            {**identity, api.SETTING_KEY: "string", api.SETTING_VALUE: "any"},
            {api.SETTING_KEY: "SETTING_KEY", api.SETTING_VALUE: "SETTING_VALUE"},
        ),
        Collection(
            ("oms_channel", "oms_scenario"),
            "channels",
            "CHANNELS",
            "CHANNELS_PAGE_SIZE_PARAM",
            {
                **identity,
                api.CHANNEL_NAME: "string",
                api.CHANNEL_OMNITRON_ID: "integer",
                api.CHANNEL_IS_ACTIVE: "boolean",
                api.CHANNEL_CONFIGURATION: "object",
            },
            {api.CHANNEL_NAME: "CHANNEL_NAME", api.CHANNEL_OMNITRON_ID: "CHANNEL_OMNITRON_ID"},
        ),
        Collection(
            ("oms_stock_location", "oms_scenario"),
            "stock locations",
            "STOCK_LOCATIONS",
            "STOCK_LOCATIONS_PAGE_SIZE_PARAM",
            {
                **identity,
                **dict.fromkeys(wire_fields(StockLocationSpec), "any"),
                "erp_code": "string",
                "name": "string",
                api.STOCK_LOCATION_TAGS: "array",
                **dict.fromkeys(LOCATION_FLAGS, "boolean"),
            },
        ),
        Collection(
            ("oms_denial_reason",),
            "denial reasons",
            "DENIAL_REASONS",
            "DENIAL_REASONS_PAGE_SIZE_PARAM",
            {**identity, **dict.fromkeys(wire_fields(DenialReasonSpec), "any"), "title": "string"},
        ),
        Collection(
            ("oms_cargo_integration",),
            "cargo integrations",
            "CARGO_INTEGRATIONS",
            "CARGO_PAGE_SIZE_PARAM",
            {
                **identity,
                **dict.fromkeys(wire_fields(CargoIntegrationSpec), "any"),
                api.CARGO_CONF: "object",
            },
        ),
        Collection(
            ("oms_scenario",),
            "scenarios",
            "SCENARIOS",
            "SCENARIOS_PAGE_SIZE_PARAM",
            {**identity, **dict.fromkeys(api.SCENARIO_FIELDS, "any"), api.SCENARIO_RULES: "array"},
        ),
        Collection(
            ("oms_transition", "oms_scenario"),
            "package states",
            "STATES",
            "STATES_PAGE_SIZE_PARAM",
            {**identity, api.STATE_NAME: "string", api.STATE_ENUM_CLASS: "string"},
            {api.STATE_NAME: "STATE_NAME", api.STATE_ENUM_CLASS: "STATE_ENUM_CLASS"},
            params={api.STATE_ENUM_CLASS: api.PACKAGE_STATUS},
        ),
        Collection(
            ("oms_transition",),
            "transitions",
            "TRANSITIONS",
            "TRANSITIONS_PAGE_SIZE_PARAM",
            {**identity, **dict.fromkeys(wire_fields(TransitionSpec), "any"), "slug": "string"},
        ),
        Collection(
            ("oms_webhook",),
            "webhooks",
            "OMS_HOOKS",
            "OMS_HOOKS_PAGE_SIZE_PARAM",
            {
                **identity,
                **dict.fromkeys(wire_fields(WebhookSpec), "any"),
                api.WEBHOOK_EVENT_TYPE: "string",
                api.WEBHOOK_TARGET_URL: "string",
            },
        ),
    ]


def step_answers(step: str) -> list[Answer]:
    """``is_required`` and ``get_async_status`` of one setup step."""
    kinds = (STEP_KIND,)
    return [
        Answer(
            kinds,
            f"setup step {step}: is_required",
            "SETUP_STEPS",
            lambda: str(api.SETUP_STEPS[step]) + str(api.STEP_IS_REQUIRED),
            _is_required_shape,
        ),
        Answer(
            kinds,
            f"setup step {step}: status",
            "SETUP_STEPS",
            lambda: str(api.SETUP_STEPS[step]) + str(api.STEP_STATUS),
            _status_shape,
        ),
    ]


def _is_required_shape(body: Any) -> str | None:
    """``{"result": bool}``, ``{"is_required": bool}`` or a JSON bool (the shapes the kind
    understands); anything else is named."""
    if isinstance(body, bool):
        return None
    if isinstance(body, dict):
        for name in (api.STEP_RESULT_FIELD, api.STEP_IS_REQUIRED_FIELD):
            if isinstance(body.get(name), bool):
                return None
    return f"expected {{'result': bool}}, {{'is_required': bool}} or a bool, got {body!r:.120}"


def _status_shape(body: Any) -> str | None:
    value = body.get(api.STEP_RESULT_FIELD) if isinstance(body, dict) else body
    if value in STATUSES:
        return None
    return f"expected {{'result': {'|'.join(STATUSES)}}}, got {body!r:.120}"


def _engine_list(body: Any) -> str | None:
    rows = body.get(api.RESULTS) if isinstance(body, dict) else body
    if isinstance(rows, list) and all(
        isinstance(e, str) or (isinstance(e, dict) and api.STOCK_ENGINE_VALUE in e) for e in rows
    ):
        return None if rows else "the list of engines is empty"
    return f"expected a list of {{'{api.STOCK_ENGINE_VALUE}': …}} or strings, got {body!r:.120}"


def _object_or_empty(body: Any) -> str | None:
    if body is None or isinstance(body, dict):
        return None
    return f"expected an object with the integration's fields, got {body!r:.120}"
