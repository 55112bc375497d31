"""Every path and field name the ``akinon_oms`` provider uses, in one place.

Each entry is tagged as in ``shared/reference``: **[D]** documented by Akinon, **[B]** from the
brand set-up guide, **[P]** a proposal (the public docs are silent). A real deployment whose
API differs from a [P] entry needs a one-line change here and nowhere else.
"""

from __future__ import annotations

PREFIX = "/api/v1/oms/"

LOGIN = "/api/v1/auth/login/"  # [D] Akinon omnisdk: POST {username, password} → {"key"}
