"""Every path and field name the ``akinon_oms`` provider uses, in one place.

Each entry is tagged as in ``shared/reference``: **[D]** documented by Akinon, **[I]** inferred,
**[B]** from the brand set-up guide, **[P]** a proposal (the public docs are silent). A real
deployment whose API differs from an [I]/[B]/[P] entry needs a one-line change here and
nowhere else.
"""

from __future__ import annotations

PREFIX = "/api/v1/oms/"
PAGE_SIZE = 100  # the largest page DRF lists allow here [D: denial reasons max 100]

LOGIN = "/api/v1/auth/login/"  # [D] Akinon omnisdk: POST {username, password} → {"key"}

# --- Basic Setup copy jobs: <base>is_required/, execute/, get_async_status/ ------------------
SETUP_STEPS = {
    "addresses": PREFIX + "setup/addresses/",  # [D] address setup services
    "stock_locations": PREFIX + "stock_locations/",  # [D] Basic Setup guide
    "channels": PREFIX + "channels/",  # [B] Basic Setup guide step 6 (not in API pages)
}
STEP_IS_REQUIRED = "is_required/"  # [D] GET
STEP_EXECUTE = "execute/"  # [D] POST → 204
STEP_STATUS = "get_async_status/"  # [D] GET → {"result": READY|WORKING|FINISHED|FAILED|ABORTED}
STEP_IS_REQUIRED_FIELD = "is_required"  # [P] body shape of is_required (bare bool tolerated)
STEP_RESULT_FIELD = "result"  # [D]

# --- oms_channel: sales channels (copied in from Omnitron by the channels setup step) ----------
CHANNELS = PREFIX + "channels/"  # [D] GET list (paginated) and {id}/ GET; [P] {id}/ PATCH
CHANNELS_PAGE_SIZE_PARAM = "page_size"  # [P] the docs do not say which size parameter it takes
CHANNEL_NAME = "name"  # [D]
CHANNEL_OMNITRON_ID = "omnitron_id"  # [D]
CHANNEL_TYPE = "channel_type"  # [D] example body (the field table calls it "type")
CHANNEL_IS_ACTIVE = "is_active"  # [D] field; [P] writable by PATCH
CHANNEL_CONFIGURATION = "configuration"  # [D] field (object); [P] writable by PATCH
CHANNELS_STEP = "channels"  # the oms_setup_step that copies channels in ([B] paths, see above)

# --- oms_stock_integration: the product stock integration (one per OMS) ------------------------
STOCK_INTEGRATION = PREFIX + "setup/product-stock-integration/"  # [B] base of the two below
STOCK_ENGINES = STOCK_INTEGRATION + "available-stock-engines/"  # [B] GET
STOCK_ENGINE_VALUE = "value"  # [P] the list holds {value, label}; bare strings are tolerated
STOCK_INTEGRATION_EXECUTE = STOCK_INTEGRATION + "execute/"  # [B] POST the fields → [I] 204
STOCK_INTEGRATION_CURRENT = STOCK_INTEGRATION  # [P] GET the fields, password masked or null
STOCK_INTEGRATION_URL = "url"  # [B]
STOCK_INTEGRATION_ENGINE = "stock_engine_type"  # [B]
STOCK_INTEGRATION_USERNAME = "username"  # [B] optional
STOCK_INTEGRATION_PASSWORD = "password"  # [B] optional; [P] never returned in clear

# --- oms_denial_reason: package denial reasons -------------------------------------------------
DENIAL_REASONS = PREFIX + "packages/package_denial_reason/"  # [D] GET list, POST; {id}/ GET
# [P] {id}/ PATCH and DELETE (the docs show only list, create and retrieve)
DENIAL_REASONS_PAGE_SIZE_PARAM = "page_size"  # [D] default 20, max 100
DENIAL_REASON_FIELDS = ("title", "remote_id", "priority", "is_active")  # [D] (no timestamps)

# --- oms_cargo_integration: cargo (shipping) integrations --------------------------------------
CARGO_INTEGRATIONS = PREFIX + "cargo_companies/"  # [P] list, POST; {id}/ PATCH, DELETE
CARGO_PAGE_SIZE_PARAM = "limit"  # [P]
CARGO_FIELDS = (  # [B] names from the Basic Setup guide; body shape [P]
    "name",
    "erp_code",  # [B] unique [P]
    "shipping_company",
    "is_managed_by_oms",  # [P] default true
    "is_demo_client",  # [P] default false
    "conf",  # [B] object; [P] PATCH replaces it whole
)
CARGO_DEMO_KLASS_PREFIX = "oms.shipments.clients.demo_client."  # [B] conf.klass of a demo client
CARGO_CREDENTIAL_KEYS = (  # [P] conf keys whose values the API masks on read
    "password",
    "api_key",
    "apikey",
    "api_secret",
    "token",
    "access_token",
    "auth_token",
    "secret",
    "secret_key",
    "client_secret",
    "private_key",
)

# --- application settings ---------------------------------------------------------------------
SETTINGS = PREFIX + "settings/application_settings/"  # [D] list/create; {id}/ GET, PATCH
SETTINGS_PAGE_SIZE_PARAM = "page_size"  # [D]
SETTING_KEY = "key"  # [D]
SETTING_VALUE = "json_value"  # [D]

# --- stock locations --------------------------------------------------------------------------
STOCK_LOCATIONS = PREFIX + "stocklocations/"  # [P] CRUD; list-simple/ below is the [D] read
STOCK_LOCATIONS_LIST = PREFIX + "stocklocations/list-simple/"  # [D]
STOCK_LOCATIONS_PAGE_SIZE_PARAM = "limit"  # [P]

# --- package states (read-only lookup for oms_transition and oms_scenario) ---------------------
STATES = PREFIX + "states/"  # [P] path; objects [D] {id, name, enum_class, enum_value, ...}
STATES_PAGE_SIZE_PARAM = "limit"  # [I] state-transition-logs use limit (max 100)
STATE_NAME = "name"  # [D] display name; users write it lower-cased with _ ("waiting_cargo_label")
STATE_ENUM_CLASS = "enum_class"  # [D]
PACKAGE_STATUS = "PackageStatus"  # [D] enum_class of package states

# --- oms_transition: package commands ----------------------------------------------------------
TRANSITIONS = PREFIX + "transitions/"  # [P] ModelViewSet (docs: UI only)
TRANSITIONS_PAGE_SIZE_PARAM = "limit"  # [P]
TRANSITION_FIELDS = (  # [P] body; slug is the natural key [D: "unique value" in the UI]
    "name",  # [D] UI "Command Name"
    "slug",  # [D] UI "Slug"
    "source_state",  # [D] UI "Source State"; [P] sent as a state id
    "target_state",  # [D] UI "Destination State"; [P] sent as a state id
    "command_class",  # [D] UI "Command Code"; values [D] command pages
    "is_visible",  # [D] UI "Visibility"
    "config",  # [D] command parameters (remote_invoice_call.auth masked on read [P])
)
PACKAGE_COMMAND = PREFIX + "packages/{id}/command/"  # [D] POST {transition|slug} → 204

# --- oms_scenario: distribution and transfer scenarios -----------------------------------------
SCENARIOS = PREFIX + "scenarios/"  # [P] ModelViewSet, both kinds told apart by "type"
SCENARIOS_PAGE_SIZE_PARAM = "limit"  # [P]
SCENARIO_FIELDS = (  # [P] names; the UI labels they stand for are [D]
    "name",  # [D] "Scenario Name", unique
    "type",  # [P] distribution | transfer
    "description",  # [D]
    "is_active",  # [D] "Status"
    "priority",  # [D] scenarios are tried in priority order
    "channel_condition_type",  # [D] static | dynamic; field name [P]
    "channels",  # [P] channel ids (static) or null (dynamic)
    "shipping_condition_type",  # [D] static | dynamic; field name [P]
    "shipping_companies",  # [P] strings or null
    "payment_condition_type",  # [D] static | dynamic; field name [P]
    "payment_types",  # [P] strings or null
    "customer_type",  # [D] "Customer Type"; field name [P]
    "default_stock_location",  # [D] mandatory; [P] a stock location id
    "initial_status",  # [D] "Initial Status"; [P] a PackageStatus state id or null
    "rules",  # [D] package rules; [P] nested, ordered, replaced as a whole
)
RULE_FIELDS = (  # [P] one package rule
    "name",  # [D]
    "is_transferable",  # [D] "Transferable"
    "location_prerequisites",  # [D] "if the package's location is X"; [P] location ids
    "product_prerequisite",  # [D] "All Products"; [P] {"type": "all_products"}
    "stock_location_conditions",  # [P] [{type, value}]; type names [P] except SELECT_BY_QUOTA [D]
    "sorting",  # [D] by priority|stock|package_density|distance; [P] [{field, direction}]
)
CONDITION_TYPE, CONDITION_VALUE = "type", "value"  # [P]
SORT_FIELD, SORT_DIRECTION = "field", "direction"  # [P]
SELECT_BY_LOCATION = "SELECT_BY_LOCATION"  # [P] value: location ids
EXCLUDE_LOCATION = "EXCLUDE_LOCATION"  # [P] value: location ids
SELECT_BY_TYPE = "SELECT_BY_TYPE"  # [P] value: "store" | "warehouse"
SELECT_BY_GEO = "SELECT_BY_GEO_"  # [P] + COUNTRY | CITY | TOWNSHIP | DISTRICT; value null
SELECT_BY_QUOTA = "SELECT_BY_QUOTA"  # [D] literal (capacity feature); value null
ALL_PRODUCTS = {"type": "all_products"}  # [P]

# --- oms_webhook: webhook subscriptions --------------------------------------------------------
WHISPERER_HOOKS = "/whisperer/hooks/"  # [D] POST create; {id}/ DELETE
# [I] the whisperer create takes every field below, not only the three of the docs' example
OMS_HOOKS = PREFIX + "oms_hooks/"  # [P] GET list; {id}/ PATCH update
OMS_HOOKS_PAGE_SIZE_PARAM = "limit"  # [P]
WEBHOOK_FIELDS = (
    "event_type",  # [D]
    "target_url",  # [D]
    "secret_key",  # [D] masked on read [P]
    "additional_headers",  # [D] object; values masked on read [P]
    "retry_countdown_config",  # [D] name; keys type [D], countdown/max_retries/max_countdown [P]
    "callback",  # [I] name
    "config",  # [I] name
    "is_active",  # [I] name
)


def detail(collection: str, obj_id: int | str) -> str:
    """The detail path of an object in a collection path."""
    return f"{collection}{obj_id}/"
