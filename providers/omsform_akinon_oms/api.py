"""Every path and field name the ``akinon_oms`` provider uses, in one place.

Each entry is tagged as in ``shared/reference``: **[D]** documented by Akinon (matched
exactly), **[I]** inferred, **[B]** from the brand set-up guide, **[P]** a proposal (the public
docs are silent). A real deployment whose API differs from an [I]/[B]/[P] entry needs a one-line
change here and nowhere else: the kinds in ``resources/`` never write a wire name as a string
literal (``tests/providers/test_api_map.py`` fails if one does). A brand can also override an
entry for its own runs, by name, in its block's ``api:`` map (:mod:`omsform.contract.apimap` says
which entries can be: those the kinds read at call time); ``omsform doctor`` finds which need it.

Conventions. A constant whose value is a lower-case name (or a tuple of them) is a wire field
or query parameter name, except ``CHANNELS_STEP`` (a setup step). Paths end in ``/``. Enum
values are written as the API sends them. Where a kind sends its Spec as a model dump, the
Spec's field names ARE the wire names: a comment here says so (with each name's tag) and keeps
no copy, since code that needs the list derives it with :func:`omsform.contract.rest.wire_fields`;
a deployment that renames one maps it in the kind (``Endpoint.renames``) or gives the Spec field
an alias.

What is documented, kind by kind (details on each entry):

- ``oms_setup_step``: paths [D] (addresses, stock_locations, and channels: the same guide
  page documents all three); the ``is_required`` body [P].
- ``oms_setting``: paths and fields [D]; PATCH of ``{id}/`` [I].
- ``oms_stock_location``: field names [D] (``max_quota`` [I]); CRUD paths [P], the documented
  ``list-simple`` read cannot show address drift.
- ``oms_channel``: list and fields [D]; PATCH [P].
- ``oms_stock_integration``: paths [D] (the set-up guide); fields [B]; the read [P].
- ``oms_denial_reason``: list, create and fields [D]; PATCH and DELETE [P].
- ``oms_cargo_integration``: field names [B]; paths and body shape [P].
- ``oms_transition``: the UI fields [D], ``config`` keys [D]; paths and field names [P].
- ``oms_scenario``: the UI fields [D], ``SELECT_BY_QUOTA`` [D]; paths, field names and body
  shape [P].
- ``oms_webhook``: whisperer create and delete, and most fields [D]; list and update [P].
"""

from __future__ import annotations

PREFIX = "/api/v1/oms/"
PAGE_SIZE = 100  # the largest page DRF lists allow here [D: denial reasons max 100]

LOGIN = "/api/v1/auth/login/"  # [D] Akinon omnisdk: POST {username, password} → {"key"}

ID = "id"  # [D] every object's primary key (reference §1.6)
RESULTS = "results"  # [D] the list in a DRF page {count, next, previous, results} (§1.3)

# --- Basic Setup copy jobs: <base>is_required/, execute/, get_async_status/ ------------------
SETUP_STEPS = {
    "addresses": PREFIX + "setup/addresses/",  # [D] address setup services
    "stock_locations": PREFIX + "stock_locations/",  # [D] Basic Setup guide
    "channels": PREFIX + "channels/",  # [D] Basic Setup guide step 6, beside the two above
}
STEP_IS_REQUIRED = "is_required/"  # [D] GET
STEP_EXECUTE = "execute/"  # [D] POST → 204
STEP_STATUS = "get_async_status/"  # [D] GET → {"result": READY|WORKING|FINISHED|FAILED|ABORTED}
STEP_IS_REQUIRED_FIELD = "is_required"  # [P] body shape of is_required (bare bool tolerated)
STEP_RESULT_FIELD = "result"  # [D] of get_async_status; [P] also read from is_required

# --- oms_channel: sales channels (copied in from Omnitron by the channels setup step) ----------
# ChannelSpec's fields name, omnitron_id, is_active and configuration ARE these wire names.
CHANNELS = PREFIX + "channels/"  # [D] GET list (paginated) and {id}/ GET; [P] {id}/ PATCH
CHANNELS_PAGE_SIZE_PARAM = "page_size"  # [P] the docs do not say which size parameter it takes
CHANNEL_NAME = "name"  # [D]
CHANNEL_OMNITRON_ID = "omnitron_id"  # [D]
CHANNEL_TYPE = "channel_type"  # [D] example body (the field table calls it "type")
CHANNEL_IS_ACTIVE = "is_active"  # [D] field; [P] writable by PATCH
CHANNEL_CONFIGURATION = "configuration"  # [D] field (object); [P] writable by PATCH
CHANNELS_STEP = "channels"  # the oms_setup_step that copies channels in ([D] paths, see above)
STOCK_LOCATIONS_STEP = "stock_locations"  # copies Omnitron retail stores in [D]
ADDRESSES_STEP = "addresses"  # copies countries, cities, townships, districts in [D]

# --- oms_stock_integration: the product stock integration (one per OMS) ------------------------
STOCK_INTEGRATION = PREFIX + "setup/product-stock-integration/"  # [D] guide: base of the two below
STOCK_ENGINES = STOCK_INTEGRATION + "available-stock-engines/"  # [D] guide: GET
STOCK_ENGINE_VALUE = "value"  # [P] the list holds {value, label}; bare strings are tolerated
STOCK_INTEGRATION_EXECUTE = STOCK_INTEGRATION + "execute/"  # [D] guide: POST → [I] 204
STOCK_INTEGRATION_CURRENT = STOCK_INTEGRATION  # [P] GET the fields, password masked or null
STOCK_INTEGRATION_URL = "url"  # [B]
# StockIntegrationSpec's field names ARE the wire names [B]: url, stock_engine_type, and the
# optional username and password ([P] never returned in clear)

# --- oms_denial_reason: package denial reasons -------------------------------------------------
DENIAL_REASONS = PREFIX + "packages/package_denial_reason/"  # [D] GET list, POST; {id}/ GET
# [P] {id}/ PATCH and DELETE (the docs show only list, create and retrieve)
DENIAL_REASONS_PAGE_SIZE_PARAM = "page_size"  # [D] default 20, max 100
# DenialReasonSpec's field names ARE the wire names [D]: title (unique), remote_id (nullable),
# priority (nullable), is_active; no timestamps

# --- oms_cargo_integration: cargo (shipping) integrations --------------------------------------
CARGO_INTEGRATIONS = PREFIX + "cargo_companies/"  # [P] list, POST; {id}/ PATCH, DELETE
CARGO_PAGE_SIZE_PARAM = "limit"  # [P]
CARGO_CONF = "conf"  # [B] object; [P] PATCH replaces it whole
CARGO_CONF_KLASS = "klass"  # [B] the client class inside conf ([D] klass/conf convention)
CARGO_CONF_AUTH = "auth"  # [P] conf may hold the credentials in a nested auth object
# CargoIntegrationSpec's field names ARE the wire names [B] (the Basic Setup guide; body shape
# [P]): name, erp_code (unique [P]), shipping_company, is_managed_by_oms (default true [P]),
# is_demo_client (default false [P]), conf
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

# --- oms_setting: application settings ---------------------------------------------------------
# SettingSpec.key is sent as SETTING_KEY, SettingSpec.value as SETTING_VALUE.
SETTINGS = PREFIX + "settings/application_settings/"  # [D] list/create, {id}/ GET; [I] PATCH
SETTINGS_PAGE_SIZE_PARAM = "page_size"  # [D]
SETTING_KEY = "key"  # [D]
SETTING_VALUE = "json_value"  # [D]

# --- oms_stock_location: stores and warehouses ------------------------------------------------
# [P] CRUD; the [D] read, stocklocations/list-simple/, gives the address only as an id
STOCK_LOCATIONS = PREFIX + "stocklocations/"
STOCK_LOCATIONS_PAGE_SIZE_PARAM = "limit"  # [P]
STOCK_LOCATION_OMNITRON_ID = "omnitron_id"  # [D] read-only; set on stores copied from Omnitron
STOCK_LOCATION_TAGS = "tags"  # [D] field; [P] a list of tag names (sent sorted)
# StockLocationSpec's field names ARE the wire names [D] (§2.2): erp_code (natural key [I]),
# name, stock_location_type (store | warehouse [I]), is_active, priority, max_quota ([D] in the
# UI; name [I]), address ([D] a nested object in webhooks, an id in list-simple; [P] written as
# a nested object), email, daytime_phone, evening_phone, fax_number, tags, and the flags
# is_fulfillment_center, is_pickup_location, is_delivery_location, is_fast_delivery_available,
# is_return_available. Address's are too [D] (webhook payloads): line, title, postcode, notes,
# latitude, longitude, and the four below.
# [D] nested objects on read; [P] written and read as OMS address ids (the addresses step's rows)
ADDRESS_IDS = ("country", "city", "township", "district")

# --- package states (read-only lookup for oms_transition and oms_scenario) ---------------------
STATES = PREFIX + "states/"  # [P] path; objects [D] {id, name, enum_class, enum_value, ...}
STATES_PAGE_SIZE_PARAM = "limit"  # [I] state-transition-logs use limit (max 100)
STATE_NAME = "name"  # [D] display name; users write it lower-cased with _ ("waiting_cargo_label")
STATE_ENUM_CLASS = "enum_class"  # [D]
PACKAGE_STATUS = "PackageStatus"  # [D] enum_class of package states

# --- oms_transition: package commands ----------------------------------------------------------
TRANSITIONS = PREFIX + "transitions/"  # [P] ModelViewSet (docs: UI only)
TRANSITIONS_PAGE_SIZE_PARAM = "limit"  # [P]
TRANSITION_SOURCE_STATE = "source_state"  # [D] UI "Source State"; [P] name, sent as a state id
TRANSITION_TARGET_STATE = "target_state"  # [D] UI "Destination State"; [P] name, a state id
TRANSITION_CONFIG = "config"  # [D] command parameters; [P] name
TRANSITION_COMMAND_CLASS = "command_class"  # [D] UI "Command Code"; [P] name; values below
# TransitionSpec's field names ARE the wire names [P] (states sent as ids): slug ([D] UI
# "Slug", the natural key: "unique value"), name ([D] "Command Name"), the four above, and
# is_visible ([D] "Visibility")
TRANSITION_COMMAND_CLASSES = (  # [D] every documented "Command Code" (reference §7.4): others
    # (Unblock, Refuse with Denial Reason, Manual Planning, ... whose class names the docs do not
    # show) are accepted with a did-you-mean warning; `validate --strict` refuses them
    "CompletePackingCommand",
    "CompletePackingWithoutShipmentCommand",
    "ChannelBasedCompletePackingCommand",
    "CompletePackagingCommand",  # [D] spelling of the settings reference (remote_invoice_call)
    "CompletePackagingWithoutShipmentCommand",  # [D] same page; and §7.4's source/target rules
    "ChannelBasedCompletePackagingCommand",  # [D] same page
    "DeAllocatePackageReservationsCommand",
    "PackagePackedForRefundCommand",
    "PackageStateTransitionCommand",
    "ReadyForPickupCommand",
    "SelfServicePackageDeliveryCommand",
    "ShipThePackageAdvancedCommand",
    "ShipThePackageBasicCommand",
    "ShipThePackageCommand",
    "UpdatePackageShipmentStatusCommand",
    "UpdateShipmentInfoOfThePackageCommand",
    "UpdateInvoiceOfThePackageCommand",
    "UpdateShipmentLabelOfThePackageCommand",
    "BlockThePackageCommand",
)
INVOICE_CALL = "remote_invoice_call"  # [D] a key of config (state-transition config)
INVOICE_AUTH = "auth"  # [D] {request_type, username, password, token, token_prefix}
INVOICE_AUTH_USERNAME = "username"  # [D]
INVOICE_AUTH_PASSWORD = "password"  # [D]
INVOICE_AUTH_TOKEN = "token"  # [D]
INVOICE_AUTH_SECRETS = (INVOICE_AUTH_USERNAME, INVOICE_AUTH_PASSWORD, INVOICE_AUTH_TOKEN)  # [P]
# (masked on read, so write-only)

# --- oms_scenario: distribution and transfer scenarios -----------------------------------------
# Field names [P]; the UI labels they stand for [D]. oms_scenario maps each YAML field to these
# explicitly (its YAML differs: `channel_condition: static`, locations by erp_code, ...).
SCENARIOS = PREFIX + "scenarios/"  # [P] ModelViewSet, both kinds told apart by "type"
SCENARIOS_PAGE_SIZE_PARAM = "limit"  # [P]
SCENARIO_NAME = "name"  # [D] "Scenario Name", unique
SCENARIO_TYPE = "type"  # [P] distribution | transfer
SCENARIO_DESCRIPTION = "description"  # [D]
SCENARIO_IS_ACTIVE = "is_active"  # [D] "Status"
SCENARIO_PRIORITY = "priority"  # [I] name (the docs say only that order matters)
SCENARIO_CHANNEL_CONDITION_TYPE = "channel_condition_type"  # [D] static | dynamic
SCENARIO_CHANNELS = "channels"  # [P] channel ids (static) or null (dynamic)
SCENARIO_SHIPPING_CONDITION_TYPE = "shipping_condition_type"  # [D] static | dynamic
SCENARIO_SHIPPING_COMPANIES = "shipping_companies"  # [P] strings or null
SCENARIO_PAYMENT_CONDITION_TYPE = "payment_condition_type"  # [D] static | dynamic
SCENARIO_PAYMENT_TYPES = "payment_types"  # [P] strings or null
SCENARIO_CUSTOMER_TYPE = "customer_type"  # [D] "Customer Type"
SCENARIO_DEFAULT_STOCK_LOCATION = "default_stock_location"  # [D] mandatory; [P] a location id
SCENARIO_INITIAL_STATUS = "initial_status"  # [D] "Initial Status"; [P] a state id or null
SCENARIO_RULES = "rules"  # [D] package rules; [P] nested, ordered, replaced as a whole
SCENARIO_FIELDS = (
    SCENARIO_NAME,
    SCENARIO_TYPE,
    SCENARIO_DESCRIPTION,
    SCENARIO_IS_ACTIVE,
    SCENARIO_PRIORITY,
    SCENARIO_CHANNEL_CONDITION_TYPE,
    SCENARIO_CHANNELS,
    SCENARIO_SHIPPING_CONDITION_TYPE,
    SCENARIO_SHIPPING_COMPANIES,
    SCENARIO_PAYMENT_CONDITION_TYPE,
    SCENARIO_PAYMENT_TYPES,
    SCENARIO_CUSTOMER_TYPE,
    SCENARIO_DEFAULT_STOCK_LOCATION,
    SCENARIO_INITIAL_STATUS,
    SCENARIO_RULES,
)
RULE_NAME = "name"  # [D]
RULE_IS_TRANSFERABLE = "is_transferable"  # [D] "Transferable"
RULE_LOCATION_PREREQUISITES = "location_prerequisites"  # [D] "if the package's location is X"
# ([P] location ids)
RULE_PRODUCT_PREREQUISITE = "product_prerequisite"  # [D] "All Products"; [P] ALL_PRODUCTS below
RULE_STOCK_LOCATION_CONDITIONS = "stock_location_conditions"  # [P] [{type, value}]
RULE_SORTING = "sorting"  # [D] by priority|stock|package_density|distance; [P] [{field, direction}]
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
WEBHOOK_EVENT_TYPE = "event_type"  # [D]
# [D] every documented event type (API reference §8.3; settings §1d). The docs' list "continues
# past the visible text" and the marketplace split flow uses its own format, so other values are
# accepted with a did-you-mean warning (`validate --strict` refuses them); the whisperer curl
# example's `package-created` is one of those.
WEBHOOK_EVENT_TYPES = (
    "package.created",
    "package.status.transitioned",
    "package.status.preparing",  # settings reference §1d (Seller Center targets)
    "package.status.packed",
    "package.status.cancelled",
    "package.status.shipped",
    "package.status.delivered",  # settings reference §1d
    "package.status.packed_for_refund",
    "package.status.out_of_stock",  # settings reference §1d
    "package.shipment.awb_number",
    "shipment.created",
    "shipment.status.updated",
    "shipment.cancelled",
    "transfer.status.created",
    "transfer.status.transitioned",
    "transfer.status.in_transit",
    "transfer.status.transferred",
    "transfer.status.cancelled",
    "transfer.status.ready_to_shipment",
    "stock_location.created",
    "stock_location.updated",
    "order.fulfillment.multiple_packages",
)
WEBHOOK_TARGET_URL = "target_url"  # [D]
WEBHOOK_ADDITIONAL_HEADERS = "additional_headers"  # [D] object; values masked on read [P]
WEBHOOK_RETRY = "retry_countdown_config"  # [D] name; keys: RetryCountdown's fields
WEBHOOK_CONFIG = "config"  # [I] name
# WebhookSpec's field names ARE the wire names: the above, is_active [I], secret_key [D] (masked
# on read [P]) and callback [I] (headers sent as a mapping); so are RetryCountdown's: type [D]
# (fixed | linear | exponential | random), countdown, max_retries, max_countdown [P]


def detail(collection: str, obj_id: int | str) -> str:
    """The detail path of an object in a collection path."""
    return f"{collection}{obj_id}/"
