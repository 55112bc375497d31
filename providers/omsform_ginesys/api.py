"""Every path and field name the ``ginesys`` provider uses, in one place.

Ginesys publishes no API for the Connected Apps > OMS screen: **everything here is a
proposal [P]** (``shared/reference/oms-settings-cargo-ginesys.md`` §2d). A real deployment that
differs needs a change in this file only.
"""

from __future__ import annotations

AUTH_HEADER = "X-Api-Key"  # [P]
APPS = "/ginesys/api/v1/connected-apps/oms"  # [P]
