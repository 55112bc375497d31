"""Akinon OMS sandbox area: package states and transitions (plus packages, via ``packages``).

**States** [P path, D object]: ``GET /api/v1/oms/states/`` (DRF page; filters ``enum_class``,
``enum_value``, ``name``) and ``…/{id}/``; read-only (other methods 405). Objects as the
webhook payloads document them::

    {"id": 1, "name": "Waiting", "config": {}, "enum_class": "PackageStatus",
     "enum_value": "100", "content_type": 26, "created_date": "…Z", "modified_date": "…Z"}

Seeded in every seed (they are the server's fixed enums, not configuration): the 16
``PackageStatus`` values of reference §7.2 (ids 1 to 16 in enum order) and 5 ``TransferStatus``
values (string enum values). ``name`` is a display name; a client maps the words users write
(``waiting``, ``packed``, ``waiting_cargo_label``) by lower-casing ``name`` and turning every run
of non-letters into ``_``, within ``enum_class=PackageStatus``. The documented name of 920 is
"Contains out of stock products".

**Transitions** [P]: ``/api/v1/oms/transitions/`` and ``…/{id}/``, full CRUD::

    {"id": 7, "name": "Ship", "slug": "SHIP_PACKAGE" (unique; letters, digits, _ or -),
     "source_state": 9, "target_state": 10 (state ids of one enum_class),
     "command_class": "ShipThePackageCommand" (any class name; only one of
     COMMAND_CLASSES under the strict_writes knob: the documented list is not closed),
     "is_visible": true (default), "config": {} (default),
     "created_date": "…Z", "modified_date": "…Z"}

Filters: ``slug``, ``source_state``, ``target_state``, ``command_class``. In
``config.remote_invoice_call.auth`` every value except ``request_type`` and ``token_prefix``
reads back as ``"********"``; ``request_type`` must be ``anonymous|basic_auth|token``.

**Packages and commands**: see :mod:`.packages` (served from this area's ``routes``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.crud import (
    Check,
    Doc,
    ViewSet,
    boolean,
    get_object_or_404,
    json_object,
    large_size,
    mask,
    pk_exists_message,
    text,
)
from omsform.sandbox.drf import Field, field_errors
from omsform.sandbox.paging import filter_items, paginate
from omsform_akinon_oms.sandbox import packages

STATES, TRANSITIONS = "states", "transitions"
PACKAGE_STATES = (
    ("Waiting", "100"),
    ("Waiting Remote Action", "150"),
    ("Preparing", "200"),
    ("Waiting for Transfer", "300"),
    ("Ready for Packaging", "400"),
    ("Waiting Cargo Label", "450"),
    ("Packed", "500"),
    ("Shipped", "600"),
    ("Delivered", "700"),
    ("Attempted Delivery", "750"),
    ("Delivery Failed", "800"),
    ("Cancellation Waiting", "850"),
    ("Cancelled", "900"),
    ("Contains out of stock products", "920"),
    ("Blocked", "950"),
    ("Packed for Refund", "1100"),
)
TRANSFER_STATES = (
    ("Waiting", "waiting"),
    ("In Transit", "in_transit"),
    ("Ready for Shipment", "ready_to_shipment"),
    ("Transferred", "transferred"),
    ("Cancelled", "cancelled"),
)
COMMAND_CLASSES = (
    "CompletePackingCommand",
    "CompletePackingWithoutShipmentCommand",
    "ChannelBasedCompletePackingCommand",
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
AUTH_TYPES = ("anonymous", "basic_auth", "token")

SCHEMA = {
    "name": text(required=True, max_length=255, blank=False),
    "slug": text(
        required=True,
        blank=False,
        max_length=255,
        pattern=r"[-a-zA-Z0-9_]+",
        pattern_message='Enter a valid "slug" consisting of letters, numbers, underscores or '
        "hyphens.",
    ),
    "source_state": Field(int, required=True),
    "target_state": Field(int, required=True),
    "command_class": text(
        required=True, blank=False, max_length=255, choices=COMMAND_CLASSES, open_choices=True
    ),
    "is_visible": boolean(default=True),
    "config": json_object(),
}


def _store_check(ctx: SandboxContext) -> Check:
    def check(doc: Doc, before: Doc | None) -> None:
        errors: dict[str, list[str]] = {}
        states = {}
        for name in ("source_state", "target_state"):
            state = ctx.store.get(STATES, doc[name])
            if state is None:
                errors[name] = [pk_exists_message(doc[name])]
            states[name] = state
        if errors:
            raise field_errors(errors)
        source, target = states["source_state"], states["target_state"]
        assert source is not None and target is not None
        if source["enum_class"] != target["enum_class"]:
            raise field_errors({"non_field_errors": ["Source and target states differ in kind."]})
        auth = ((doc.get("config") or {}).get("remote_invoice_call") or {}).get("auth")
        kind = auth.get("request_type") if isinstance(auth, dict) else None
        if auth is not None and kind not in AUTH_TYPES:
            raise field_errors(
                {"config": [f"remote_invoice_call.auth.request_type must be one of {AUTH_TYPES}."]}
            )

    return check


def render_transition(doc: Doc) -> Doc:
    """A transition as read: ``remote_invoice_call.auth`` secrets masked."""
    config = doc.get("config") or {}
    call = config.get("remote_invoice_call")
    if isinstance(call, dict) and isinstance(call.get("auth"), dict):
        auth = {
            k: v if k in ("request_type", "token_prefix") else mask(v)
            for k, v in call["auth"].items()
        }
        config = {**config, "remote_invoice_call": {**call, "auth": auth}}
    return {**doc, "config": config}


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """This area's endpoints."""
    transitions = ViewSet(
        ctx=ctx,
        path="/api/v1/oms/transitions/",
        collection=TRANSITIONS,
        model="transition",
        schema=SCHEMA,
        unique_fields=("slug",),
        filters=("slug", "source_state", "target_state", "command_class"),
        check=_store_check(ctx),
        render=render_transition,
    )

    async def states(request: Request) -> Response:
        if "id" in request.path_params:
            return JSONResponse(get_object_or_404(ctx, STATES, int(request.path_params["id"])))
        items = filter_items(ctx.store.list(STATES), request, ("enum_class", "enum_value", "name"))
        return paginate(request, items)

    return [
        *transitions.routes(),
        *route("/api/v1/oms/states/", states, ["GET"], auth=ctx.require_token),
        *route("/api/v1/oms/states/{id:int}/", states, ["GET"], auth=ctx.require_token),
        *packages.routes(ctx),
    ]


def seed(ctx: SandboxContext, seed: str) -> None:
    """Seed the states (every seed); ``large:N`` adds N // 8 transitions."""
    with ctx.store.transaction():
        for enum_class, content_type, values in (
            ("PackageStatus", 26, PACKAGE_STATES),
            ("TransferStatus", 31, TRANSFER_STATES),
        ):
            for name, value in values:
                doc = {"name": name, "config": {}, "enum_class": enum_class, "enum_value": value}
                ctx.store.insert(STATES, {**doc, "content_type": content_type})
        size = large_size(seed)
        if size is not None:
            _seed_large(ctx, size // 8)


def _seed_large(ctx: SandboxContext, count: int) -> None:
    ids = [s["id"] for s in ctx.store.find(STATES, enum_class="PackageStatus")]
    for i in range(count):
        source, target = ids[i % len(ids)], ids[(i * 7 + 1) % len(ids)]
        ctx.store.insert(
            TRANSITIONS,
            {
                "name": f"Large command {i:05d}",
                "slug": f"LARGE_{i:05d}",
                "source_state": source,
                "target_state": target,
                "command_class": COMMAND_CLASSES[i % len(COMMAND_CLASSES)],
                "is_visible": True,
                "config": {},
            },
        )
