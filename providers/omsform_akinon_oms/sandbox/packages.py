"""Akinon OMS sandbox: packages and package commands (served by the ``transitions`` area).

- ``GET /api/v1/oms/packages/`` [D]: DRF page; filters ``state`` (state id),
  ``state__enum_value`` and ``number``.
- ``GET /api/v1/oms/packages/{id}/`` [D]: one package::

      {"id": 1, "number": "PKG-000001", "stock_location": 4 | null,
       "state": {<the full state object>},
       "commands": [{"id": 7, "name": "Ship", "slug": "SHIP_PACKAGE",
                     "command_class": "ShipThePackageCommand", "target_state": 8}],
       "created_date": "…Z", "modified_date": "…Z"}

  ``commands`` lists the transitions whose ``source_state`` is the package's state.
- ``POST /api/v1/oms/packages/{id}/command/`` (also without the trailing slash) [D]: body
  ``{"transition": <id>}`` or ``{"slug": "<slug>"}`` ("one is enough"; both must agree), other
  documented command parameters (``package``, ``sync_remote_order_status``, …) are accepted
  and ignored → **204**, the package moves to the transition's target state. Errors (400):
  ``{"non_field_errors": ["Transition is not allowed for current state."]}`` from another
  state, ``{"transition": ['Invalid pk "9" - object does not exist.']}``,
  ``{"slug": ["Object with slug=X does not exist."]}``,
  ``{"non_field_errors": ["Either transition or slug is required."]}``.
- ``POST /_sandbox/packages`` (test helper, no auth): ``{"number"?: str, "stock_location"?:
  <erp_code>}`` → 201 with a package in Waiting (``PackageStatus`` 100).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.crud import Doc, get_object_or_404, pk_exists_message
from omsform.sandbox.drf import field_errors, json_body
from omsform.sandbox.paging import filter_items, paginate

PACKAGES, STATES, TRANSITIONS = "packages", "states", "transitions"
NOT_ALLOWED = "Transition is not allowed for current state."
COMMAND_FIELDS = ("id", "name", "slug", "command_class", "target_state")


def render(ctx: SandboxContext, doc: Doc) -> Doc:
    """A package as read: the state object and the commands allowed in it."""
    leaving = ctx.store.find(TRANSITIONS, source_state=doc["state"])
    commands = [{k: t[k] for k in COMMAND_FIELDS} for t in leaving]
    return {**doc, "state": ctx.store.get(STATES, doc["state"]), "commands": commands}


def pick_transition(ctx: SandboxContext, body: Doc) -> Doc:
    """The transition a command body names by ``transition`` (id) or ``slug``; 400 otherwise."""
    if body.get("transition") is not None:
        pk = body["transition"]
        found = ctx.store.get(TRANSITIONS, pk) if isinstance(pk, int) else None
        if found is None:
            raise field_errors({"transition": [pk_exists_message(pk)]})
        if body.get("slug") not in (None, found["slug"]):
            raise field_errors(
                {"non_field_errors": ["transition and slug refer to different transitions."]}
            )
        return found
    if body.get("slug") is not None:
        matches = ctx.store.find(TRANSITIONS, slug=body["slug"])
        if not matches:
            raise field_errors({"slug": [f"Object with slug={body['slug']} does not exist."]})
        return matches[0]
    raise field_errors({"non_field_errors": ["Either transition or slug is required."]})


def create_package(ctx: SandboxContext, body: Doc) -> Doc:
    """Store a package in Waiting (the test helper behind ``POST /_sandbox/packages``)."""
    waiting = ctx.store.find(STATES, enum_class="PackageStatus", enum_value="100")
    if not waiting:
        raise field_errors({"non_field_errors": ["The states are not seeded."]})
    location = None
    if body.get("stock_location") is not None:
        found = ctx.store.find("stock_locations", erp_code=body["stock_location"])
        if not found:
            raise field_errors({"stock_location": ["No stock location with this erp_code."]})
        location = found[0]["id"]
    number = str(body.get("number") or f"PKG-{ctx.store.count(PACKAGES) + 1:06d}")
    doc = {"number": number, "state": waiting[0]["id"], "stock_location": location}
    return ctx.store.insert(PACKAGES, doc)


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """The package endpoints and the test helper."""

    async def packages(request: Request) -> Response:
        if "id" in request.path_params:
            doc = get_object_or_404(ctx, PACKAGES, int(request.path_params["id"]))
            return JSONResponse(render(ctx, doc))
        items = filter_items(ctx.store.list(PACKAGES), request, ("state", "number"))
        enum_value = request.query_params.get("state__enum_value")
        if enum_value is not None:
            wanted = {s["id"] for s in ctx.store.find(STATES, enum_value=enum_value)}
            items = [i for i in items if i["state"] in wanted]
        return paginate(request, [render(ctx, d) for d in items])

    async def command(request: Request) -> Response:
        body = await json_body(request)
        with ctx.store.transaction():
            package = get_object_or_404(ctx, PACKAGES, int(request.path_params["id"]))
            transition = pick_transition(ctx, body)
            if transition["source_state"] != package["state"]:
                raise field_errors({"non_field_errors": [NOT_ALLOWED]})
            ctx.store.update(PACKAGES, package["id"], {"state": transition["target_state"]})
        return Response(status_code=204)

    async def new_package(request: Request) -> Response:
        body = await json_body(request)
        return JSONResponse(render(ctx, create_package(ctx, body)), status_code=201)

    return [
        *route("/api/v1/oms/packages/", packages, ["GET"], auth=ctx.require_token),
        *route("/api/v1/oms/packages/{id:int}/", packages, ["GET"], auth=ctx.require_token),
        *route("/api/v1/oms/packages/{id:int}/command/", command, ["POST"], auth=ctx.require_token),
        *route("/_sandbox/packages", new_package, ["POST"]),
    ]
