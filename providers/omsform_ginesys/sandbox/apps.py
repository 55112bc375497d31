"""Ginesys "Connected Apps > OMS" apps: the proposed REST shape (reference Part 2 §2d) [P].

Base ``/ginesys/api/v1/connected-apps/oms`` (no trailing slash needed, both accepted); every
call needs ``X-Api-Key`` (401 ``{"detail": …}`` otherwise). Errors use the DRF shapes.

- ``GET    …/oms`` DRF page (``page``, ``page_size``/``limit``), filter ``organization_unit_id``.
- ``POST   …/oms`` → 201 with status ``"draft"``; a second app for an OU → 409.
- ``GET    …/oms/{id}``.
- ``PATCH  …/oms/{id}``: only ``status`` may change, to ``"enabled"`` (as ``enable``) or
  ``"disabled"`` (as ``disable``); any other field → 400 naming it, whatever its value
  (``{"organization_unit_id": ["This field cannot be changed after creation."]}``, nested for
  ``{"webhook": {"url": [...]}}``). Even a value equal to the stored one is refused: otherwise
  the answer would tell whether a guessed secret is the stored one.
- ``POST   …/oms/{id}/test`` ``{"target": "webhook" | "ginesys_api"}`` → 200 with the result
  ``{"target", "ok", "http_status", "message", "simulated", "at"}`` (a failed test is still a
  200; see :mod:`.probe`). The result is kept in ``last_tests``.
- ``POST   …/oms/{id}/enable`` → 200 with the app, or 409 unless both tests passed.
- ``POST   …/oms/{id}/disable`` → 200 with the app.
- ``DELETE`` anywhere → 405.

Create body: ``{"app_name"?: str|null, "organization_unit_id": int ≥ 1, "webhook": {"url",
"secret", "encryption_key"?: str|null}, "ginesys_api": {"url", "api_key"}}`` (urls http(s)).
Read::

    {"id": 1, "app_name": "Browntape OMS" | null, "organization_unit_id": 1,
     "webhook": {"url": "…", "secret": "********", "encryption_key": "********" | null},
     "ginesys_api": {"url": "…", "api_key": "********"},
     "status": "draft" | "tested" | "enabled" | "disabled",
     "last_tests": {"webhook": <result> | null, "ginesys_api": <result> | null},
     "created_at": "…Z", "updated_at": "…Z"}

A draft becomes ``tested`` when both last results passed (and back to draft when one fails);
tests never change an enabled or disabled app's status. Enabling needs both last results to
have passed; since no field can change, "since the last change" means "since creation".
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.crud import MASK, Doc, get_object_or_404, integer, mask, nested_errors, text
from omsform.sandbox.drf import Field, HttpError, detail, field_errors, json_body, validate
from omsform.sandbox.paging import filter_items, paginate
from omsform_ginesys.sandbox import probe

BASE = "/ginesys/api/v1/connected-apps/oms"
COLLECTION = "ginesys_oms_apps"
IMMUTABLE = "This field cannot be changed after creation."


def _url(value: str) -> str | None:
    return None if value.startswith(("http://", "https://")) else "Enter a valid URL."


SCHEMA = {
    "app_name": text(default=None, nullable=True, max_length=255),
    "organization_unit_id": integer(required=True, minimum=1),
    "webhook": Field(dict, required=True),
    "ginesys_api": Field(dict, required=True),
}
NESTED = {
    "webhook": {
        "url": Field(str, required=True, check=_url),
        "secret": text(required=True, blank=False),
        "encryption_key": text(default=None, nullable=True),
    },
    "ginesys_api": {
        "url": Field(str, required=True, check=_url),
        "api_key": text(required=True, blank=False),
    },
}


def render(doc: Doc) -> Doc:
    """An app as read: secrets masked, timestamps named as Ginesys would."""
    webhook, api = doc["webhook"], doc["ginesys_api"]
    return {
        "id": doc["id"],
        "app_name": doc["app_name"],
        "organization_unit_id": doc["organization_unit_id"],
        "webhook": {
            "url": webhook["url"],
            "secret": MASK,
            "encryption_key": mask(webhook.get("encryption_key")),
        },
        "ginesys_api": {"url": api["url"], "api_key": MASK},
        "status": doc["status"],
        "last_tests": doc["last_tests"],
        "created_at": doc["created_date"],
        "updated_at": doc["modified_date"],
    }


def create(ctx: SandboxContext, body: Doc) -> Doc:
    """Validate and store a new draft app (409 when its OU already has one)."""
    clean = validate(body, SCHEMA)
    errors = {}
    for name, schema in NESTED.items():
        clean[name], errors[name] = nested_errors(clean[name], schema)
    if any(errors.values()):
        raise HttpError(400, {k: v for k, v in errors.items() if v})
    ou = clean["organization_unit_id"]
    with ctx.store.transaction():
        if ctx.store.find(COLLECTION, organization_unit_id=ou):
            raise detail(409, f"An OMS app already exists for organization unit {ou}.")
        last_tests = {"webhook": None, "ginesys_api": None}
        return ctx.store.insert(COLLECTION, {**clean, "status": "draft", "last_tests": last_tests})


def _changed_fields(body: Doc) -> dict[str, Any]:
    """400-style errors for every field of ``body`` other than ``status``: none can be set
    after creation. The stored values are deliberately not consulted (see the module doc)."""
    errors: dict[str, Any] = {}
    for name, value in body.items():
        if name == "status":
            continue
        if name not in SCHEMA:
            errors[name] = ["Unknown field."]
        elif name in NESTED and isinstance(value, dict) and value:
            errors[name] = {
                k: ["Unknown field."] if k not in NESTED[name] else [IMMUTABLE] for k in value
            }
        else:
            errors[name] = [IMMUTABLE]
    return errors


def _passed(doc: Doc) -> list[str]:
    return [t for t in probe.TARGETS if (doc["last_tests"].get(t) or {}).get("ok")]


def set_status(ctx: SandboxContext, doc: Doc, status: str) -> Doc:
    """Enable (409 unless both tests passed) or disable an app."""
    if status == "enabled":
        missing = [t for t in probe.TARGETS if t not in _passed(doc)]
        if missing:
            names = ", ".join(missing)
            raise detail(409, f"Both connection tests must pass before enabling: {names}.")
    if doc["status"] == status:
        return doc
    return ctx.store.update(COLLECTION, doc["id"], {"status": status}) or doc


def _patch(ctx: SandboxContext, doc: Doc, body: Doc) -> Doc:
    """PATCH of an app: only ``status`` may change, to enabled or disabled."""
    errors = _changed_fields(body)
    if errors:
        raise HttpError(400, errors)
    if "status" in body:
        if body["status"] not in ("enabled", "disabled"):
            raise field_errors({"status": ['Only "enabled" or "disabled" can be set.']})
        doc = set_status(ctx, doc, body["status"])
    return doc


async def run_test(ctx: SandboxContext, doc: Doc, body: Doc) -> Doc:
    """POST ``…/test``: probe one target of the app and record the result; a draft or tested
    app becomes tested when every target passed, else draft."""
    target = validate(body, {"target": text(required=True, choices=probe.TARGETS)})["target"]
    outcome = ctx.store.meta_get(probe.OUTCOME_KEY) or {}
    result = await probe.run(doc, target, bool(outcome.get(target, True)))
    doc = ctx.store.get(COLLECTION, doc["id"]) or doc  # re-read: the call awaited
    tests = {**doc["last_tests"], target: result}
    changes: Doc = {"last_tests": tests}
    if doc["status"] in ("draft", "tested"):
        both = all((tests.get(t) or {}).get("ok") for t in probe.TARGETS)
        changes["status"] = "tested" if both else "draft"
    ctx.store.update(COLLECTION, doc["id"], changes)
    return {"target": target, **result}


def probe_outcomes(ctx: SandboxContext, body: Doc | None) -> Doc:
    """The test outcome per target the sandbox's probe reports (all pass unless set); a
    ``body`` sets it first."""
    current = {
        **dict.fromkeys(probe.TARGETS, True),
        **(ctx.store.meta_get(probe.OUTCOME_KEY) or {}),
    }
    if body is not None:
        schema = {t: Field(bool, default=current[t]) for t in probe.TARGETS}
        current = validate(body, schema)
        ctx.store.meta_set(probe.OUTCOME_KEY, current)
    return current


def _load(ctx: SandboxContext, request: Request) -> Doc:
    """The app the request's path names (404 when there is none)."""
    return get_object_or_404(ctx, COLLECTION, int(request.path_params["id"]))


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """The connected-app endpoints."""

    async def collection(request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(render(create(ctx, await json_body(request))), status_code=201)
        items = filter_items(ctx.store.list(COLLECTION), request, ("organization_unit_id",))
        return paginate(request, [render(d) for d in items])

    async def one(request: Request) -> Response:
        if request.method == "PATCH":
            return JSONResponse(render(_patch(ctx, _load(ctx, request), await json_body(request))))
        return JSONResponse(render(_load(ctx, request)))

    async def test(request: Request) -> Response:
        return JSONResponse(await run_test(ctx, _load(ctx, request), await json_body(request)))

    async def enable(request: Request) -> Response:
        return JSONResponse(render(set_status(ctx, _load(ctx, request), "enabled")))

    async def disable(request: Request) -> Response:
        return JSONResponse(render(set_status(ctx, _load(ctx, request), "disabled")))

    async def outcome(request: Request) -> Response:
        body = await json_body(request) if request.method == "POST" else None
        return JSONResponse(probe_outcomes(ctx, body))

    def api_key(request: Request) -> None:
        ctx.require_header(request, "X-Api-Key")

    return [
        *route(BASE, collection, ["GET", "POST"], auth=api_key),
        *route(BASE + "/{id:int}", one, ["GET", "PATCH"], auth=api_key),
        *route(BASE + "/{id:int}/test", test, ["POST"], auth=api_key),
        *route(BASE + "/{id:int}/enable", enable, ["POST"], auth=api_key),
        *route(BASE + "/{id:int}/disable", disable, ["POST"], auth=api_key),
        *route("/_sandbox/ginesys/test-outcome", outcome, ["GET", "POST"]),
    ]
