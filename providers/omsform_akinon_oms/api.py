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

# --- application settings ---------------------------------------------------------------------
SETTINGS = PREFIX + "settings/application_settings/"  # [D] list/create; {id}/ GET, PATCH
SETTINGS_PAGE_SIZE_PARAM = "page_size"  # [D]
SETTING_KEY = "key"  # [D]
SETTING_VALUE = "json_value"  # [D]

# --- stock locations --------------------------------------------------------------------------
STOCK_LOCATIONS = PREFIX + "stocklocations/"  # [P] CRUD; list-simple/ below is the [D] read
STOCK_LOCATIONS_LIST = PREFIX + "stocklocations/list-simple/"  # [D]
STOCK_LOCATIONS_PAGE_SIZE_PARAM = "limit"  # [P]


def detail(collection: str, obj_id: int | str) -> str:
    """The detail path of an object in a collection path."""
    return f"{collection}{obj_id}/"
