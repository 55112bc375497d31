"""Every path and field name the ``ginesys`` provider uses, in one place.

Ginesys publishes no API for the Connected Apps > OMS screen: **everything here is a
proposal [P]** (``shared/reference/oms-settings-cargo-ginesys.md`` §2d); what is documented
(§2a) is the screen itself (its fields, the two connection tests, enabling only after both
passed, no delete), which ``ginesys_oms_app`` follows. A real deployment that differs needs a
one-line change in this file only: ``ginesys_oms_app`` maps every YAML field onto these names
explicitly (no Spec is sent as it is) and writes no wire name as a string literal
(``tests/providers/test_api_map.py`` fails if it does).

A constant whose value is a lower-case name is a wire field name, except the status value
``STATUS_ENABLED``, the action path segments ``TEST``, ``ENABLE``, ``DISABLE`` and the test
target values ``TARGET_*``.
"""

from __future__ import annotations

AUTH_HEADER = "X-Api-Key"  # [P]
APPS = "/ginesys/api/v1/connected-apps/oms"  # [P] GET list (DRF page), POST create → 201 draft
PAGE_SIZE = 100  # [P]
PAGE_SIZE_PARAM = "page_size"  # [P]
ID = "id"  # [P] the app's id field (the action paths below take it)

# --- the app object [P] ---------------------------------------------------------------------
APP_NAME = "app_name"  # [P] optional
ORGANIZATION_UNIT = "organization_unit_id"  # [P] one app per OU (a second → 409)
WEBHOOK = "webhook"  # [P] {url, secret, encryption_key}
WEBHOOK_URL = "url"  # [P]
WEBHOOK_SECRET = "secret"  # [P] write-only, masked on read
ENCRYPTION_KEY = "encryption_key"  # [P] write-only, masked on read, null when not set
GINESYS_API = "ginesys_api"  # [P] {url, api_key}
GINESYS_API_URL = "url"  # [P]
GINESYS_API_KEY = "api_key"  # [P] write-only, masked on read
STATUS = "status"  # [P] draft | tested | enabled | disabled
STATUS_ENABLED = "enabled"  # [P] the only status that counts as enabled
LAST_TESTS = "last_tests"  # [P] {webhook: result | null, ginesys_api: result | null}

# --- connection tests [P] ---------------------------------------------------------------------
TEST = "test"  # [P] POST {id}/test {"target": …} → 200 result (a failed test is still a 200)
TEST_TARGET = "target"  # [P]
TARGET_WEBHOOK = "webhook"  # [P] POSTs a ping event to the webhook URL
TARGET_GINESYS_API = "ginesys_api"  # [P] GETs {api url}/health with the API key
TEST_TARGETS = (TARGET_WEBHOOK, TARGET_GINESYS_API)
TEST_OK = "ok"  # [P] bool
TEST_HTTP_STATUS = "http_status"  # [P] int | null (null: no answer)
TEST_MESSAGE = "message"  # [P]

# --- status changes [P] -----------------------------------------------------------------------
ENABLE = "enable"  # [P] POST {id}/enable → app; 409 unless both tests passed
DISABLE = "disable"  # [P] POST {id}/disable → app
# no DELETE: the API answers 405 (the Ginesys UI has no delete either)


def app(app_id: int | str) -> str:
    """The path of one app."""
    return f"{APPS}/{app_id}"


def app_action(app_id: int | str, action: str) -> str:
    """The path of an action on one app (``test``, ``enable``, ``disable``)."""
    return f"{APPS}/{app_id}/{action}"
