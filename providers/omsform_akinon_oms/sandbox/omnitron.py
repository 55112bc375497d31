"""Akinon OMS sandbox area: the fake Omnitron the setup steps copy from, and the login.

Omnitron owns sales channels, retail stores and address records; OMS only copies them in
through the Basic Setup steps (reference §5). The ``demo`` and ``large:N`` seeds fill three
collections with records "waiting to be copied":

- ``omnitron_channels``: ``acme-web`` (``channel_type`` web, omnitron_id 1) and
  ``acme-trendyol`` (trendyol, omnitron_id 2);
- ``omnitron_stores``: ``STORE-IST-01`` (omnitron_id 101) and ``STORE-ANK-01`` (102), with
  names, e-mail, phone and an address pointing at the Omnitron address records;
- ``omnitron_addresses``: Türkiye, the cities Istanbul and Ankara, three townships and four
  districts (``level`` is ``country|city|township|district``; parents by Omnitron id).

Login [D, Akinon omnisdk; reference §1.2]: ``POST /api/v1/auth/login/`` and
``POST /api/i1/auth/login/`` take ``{"username": "admin", "password": "sandbox-admin"}`` and
answer ``{"key": <the sandbox token>}``; wrong credentials → 400
``{"non_field_errors": ["Unable to log in with provided credentials."]}`` (DRF's login view).

Omnitron's ``GET /api/v1/active_user/`` [D, Akinon omnisdk validates a given token with it]
answers the token's user (:data:`ACTIVE_USER`) with a valid token, DRF's 401 otherwise.

Changing the fake Omnitron (so a setup step becomes required again), no auth needed:
``POST /_sandbox/omnitron/{channels|stores|addresses}`` with one record upserts it by
``omnitron_id`` (for addresses: by ``level`` and ``omnitron_id``; a missing ``omnitron_id`` gets
the next free one) → 201 when added, 200 when changed, with the record.
``GET`` on the same path lists the records.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.drf import Field, field_errors, json_body, not_found, validate

USERNAME = "admin"
PASSWORD = "sandbox-admin"  # a fixed, documented sandbox credential, never a real one
ACTIVE_USER: dict[str, Any] = {
    "pk": 1,
    "username": USERNAME,
    "email": "admin@sandbox.example",
    "first_name": "Sandbox",
    "last_name": "Admin",
    "is_staff": True,
    "is_superuser": True,
}
"""What ``GET /api/v1/active_user/`` answers for the sandbox token (the token's user)."""

CHANNELS = "omnitron_channels"
STORES = "omnitron_stores"
ADDRESSES = "omnitron_addresses"
SOURCES = {"channels": CHANNELS, "stores": STORES, "addresses": ADDRESSES}

GEO_LEVELS = ("country", "city", "township", "district")
GEO_COLLECTIONS = {
    "country": "countries",
    "city": "cities",
    "township": "townships",
    "district": "districts",
}
"""Where the addresses step puts each level of Omnitron address record inside OMS."""

_DEMO_CHANNELS: list[dict[str, Any]] = [
    {"omnitron_id": 1, "name": "acme-web", "channel_type": "web"},
    {"omnitron_id": 2, "name": "acme-trendyol", "channel_type": "trendyol"},
]

_DEMO_ADDRESSES: list[dict[str, Any]] = [
    {"level": "country", "omnitron_id": 1, "name": "Türkiye", "code": "tr"},
    {"level": "city", "omnitron_id": 34, "name": "Istanbul", "country": 1},
    {"level": "city", "omnitron_id": 6, "name": "Ankara", "country": 1},
    {"level": "township", "omnitron_id": 341, "name": "Kadıköy", "city": 34},
    {"level": "township", "omnitron_id": 342, "name": "Beşiktaş", "city": 34},
    {"level": "township", "omnitron_id": 61, "name": "Çankaya", "city": 6},
    {"level": "district", "omnitron_id": 3411, "name": "Caferağa", "city": 34, "township": 341},
    {"level": "district", "omnitron_id": 3412, "name": "Moda", "city": 34, "township": 341},
    {"level": "district", "omnitron_id": 3421, "name": "Levent", "city": 34, "township": 342},
    {"level": "district", "omnitron_id": 611, "name": "Kızılay", "city": 6, "township": 61},
]

_DEMO_STORES: list[dict[str, Any]] = [
    {
        "omnitron_id": 101,
        "name": "Acme Istanbul Kadıköy",
        "erp_code": "STORE-IST-01",
        "email": "kadikoy@acme.example",
        "phone": "+90 216 000 00 01",
        "address": {
            "line": "Bahariye Cad. No:12",
            "postcode": "34710",
            "country": 1,
            "city": 34,
            "township": 341,
            "district": 3411,
        },
    },
    {
        "omnitron_id": 102,
        "name": "Acme Ankara Kızılay",
        "erp_code": "STORE-ANK-01",
        "email": "kizilay@acme.example",
        "phone": "+90 312 000 00 02",
        "address": {
            "line": "Atatürk Bulvarı No:100",
            "postcode": "06420",
            "country": 1,
            "city": 6,
            "township": 61,
            "district": 611,
        },
    },
]

_ADMIN_SCHEMAS: dict[str, dict[str, Field]] = {
    "channels": {
        "omnitron_id": Field(int),
        "name": Field(str, required=True),
        "channel_type": Field(str, required=True),
    },
    "stores": {
        "omnitron_id": Field(int),
        "name": Field(str, required=True),
        "erp_code": Field(str, required=True),
        "email": Field(str, default=""),
        "phone": Field(str, default=""),
        "address": Field(dict, nullable=True),
    },
    "addresses": {
        "omnitron_id": Field(int),
        "level": Field(str, required=True, choices=GEO_LEVELS),
        "name": Field(str, required=True),
        "code": Field(str, nullable=True),
        "country": Field(int, nullable=True),
        "city": Field(int, nullable=True),
        "township": Field(int, nullable=True),
    },
}


def seed(ctx: SandboxContext, seed: str) -> None:
    """Fill the fake Omnitron for ``demo`` and ``large:N`` (``empty`` leaves it empty)."""
    if seed == "empty":
        return
    for collection, records in (
        (CHANNELS, _DEMO_CHANNELS),
        (ADDRESSES, _DEMO_ADDRESSES),
        (STORES, _DEMO_STORES),
    ):
        for record in records:
            ctx.store.insert(collection, dict(record))


def records(ctx: SandboxContext, collection: str) -> list[dict[str, Any]]:
    """The fake Omnitron's records of ``collection`` without the sandbox's bookkeeping."""
    skip = ("id", "created_date", "modified_date")
    return [{k: v for k, v in d.items() if k not in skip} for d in ctx.store.list(collection)]


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """The login endpoints and the fake Omnitron's admin endpoint."""

    async def login(request: Request) -> Response:
        body = await json_body(request)
        missing = {
            f: ["This field is required."] for f in ("username", "password") if not body.get(f)
        }
        if missing:
            raise field_errors(missing)
        if body["username"] != USERNAME or body["password"] != PASSWORD:
            raise field_errors(
                {"non_field_errors": ["Unable to log in with provided credentials."]}
            )
        return JSONResponse({"key": ctx.token})

    async def active_user(request: Request) -> Response:
        return JSONResponse(ACTIVE_USER)

    async def admin(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in SOURCES:
            raise not_found()
        if request.method == "GET":
            return JSONResponse(ctx.store.list(SOURCES[kind]))
        return _upsert(ctx, kind, await json_body(request))

    return [
        *route("/api/v1/auth/login/", login, ["POST"]),
        *route("/api/i1/auth/login/", login, ["POST"]),
        *route("/api/v1/active_user/", active_user, ["GET"], auth=ctx.require_token),
        *route("/_sandbox/omnitron/{kind}/", admin, ["GET", "POST"]),
    ]


def _upsert(ctx: SandboxContext, kind: str, body: dict[str, Any]) -> Response:
    """Add or change one fake Omnitron record, as an Omnitron user would."""
    clean = {k: v for k, v in validate(body, _ADMIN_SCHEMAS[kind]).items() if v is not None}
    collection = SOURCES[kind]
    with ctx.store.transaction():
        same_level = [
            d
            for d in ctx.store.list(collection)
            if kind != "addresses" or d.get("level") == clean["level"]
        ]
        if "omnitron_id" not in clean:
            clean["omnitron_id"] = max((d["omnitron_id"] for d in same_level), default=0) + 1
        existing = next((d for d in same_level if d["omnitron_id"] == clean["omnitron_id"]), None)
        if existing is None:
            return JSONResponse(ctx.store.insert(collection, clean), status_code=201)
        return JSONResponse(ctx.store.update(collection, existing["id"], clean))
