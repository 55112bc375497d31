"""Akinon OMS sandbox area: application settings (settings reference §1a, OpenAPI S1-S3).

[D] ``GET /api/v1/oms/settings/application_settings/``: DRF pages of ``{id, key, json_value}``;
``key`` filters by case-insensitive substring, ``page``, ``page_size`` (default 10, max 100;
``limit`` works too).
[D] ``POST`` the same path with ``{key, json_value}`` → 201 with the object. ``key`` must be one
of :data:`KEYS` (rows seeded outside the API may have other keys) and not exist yet, else
400 ``{"key": [...]}``; a value the key's validator refuses is 400 ``{"json_value": ...}``
(nested field errors, or a list).
[D] ``GET …/{id}/``; ``PATCH`` or ``PUT …/{id}/`` with ``{json_value}`` → **200 with an empty
body**. ``key`` cannot change: a ``key`` in the body is ignored, as DRF ignores read-only fields
(400 "This field is read-only." under the ``strict_writes`` knob). No ``DELETE`` (405).
``GEOCODE_PROVIDER_SETTINGS`` takes ``provider`` and ``api_key`` at the top level or inside a
nested ``conf`` object.

Secrets are masked as ``"********"`` on every read [D for the Omnitron password, I for the
rest]: ``OMNITRON_CLIENT_SETTINGS`` ``auth.password`` and ``endpoint_conf[].auth.token``, and
``api_key`` (top level or under ``conf``) of ``GEOCODE_PROVIDER_SETTINGS`` and
``GEOLOCATION_DISCOVERY``. Writes store exactly what is sent.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext, route
from omsform.sandbox.crud import get_object_or_404
from omsform.sandbox.drf import Field, HttpError, field_errors, json_body
from omsform.sandbox.drf import validate as validate_body
from omsform.sandbox.paging import paginate

COLLECTION = "application_settings"
PATH = "/api/v1/oms/settings/application_settings/"
MASK = "********"
KEYS = (
    "OMNITRON_CLIENT_SETTINGS",
    "ORDER_FILTERING",
    "GEOLOCATION_DISCOVERY",
    "GEOCODE_PROVIDER_SETTINGS",
    "IS_TRADEIN_ENABLED",
    "OMNITRON_WEBHOOKS",
)

Errors = dict[str, Any] | list[str] | None


def _strings(value: Any, names: tuple[str, ...]) -> Errors:
    """Errors for an object that must carry non-blank strings ``names``."""
    if not isinstance(value, dict):
        return ["Expected a dictionary of items."]
    errors: dict[str, list[str]] = {}
    for name in names:
        item = value.get(name)
        if item is None:
            errors[name] = ["This field is required."]
        elif not isinstance(item, str):
            errors[name] = ["Not a valid string."]
        elif not item.strip():
            errors[name] = ["This field may not be blank."]
    return errors or None


def _omnitron_client(value: Any) -> Errors:
    if not isinstance(value, dict):
        return ["Expected a dictionary of items."]
    errors: dict[str, Any] = {}
    for part, names in (("auth", ("username", "password")), ("urls", ("base_url",))):
        if part not in value:
            errors[part] = ["This field is required."]
        elif problems := _strings(value[part], names):
            errors[part] = problems
    return errors or None


def _geocode(value: Any) -> Errors:
    """``{provider, api_key, url?}`` [D], each of them also accepted inside ``conf`` [I]."""
    if not isinstance(value, dict):
        return ["Expected a dictionary of items."]
    conf = value.get("conf")
    if conf is not None and not isinstance(conf, dict):
        return {"conf": ["Expected a dictionary of items."]}
    merged = {**(conf or {}), **{k: v for k, v in value.items() if k != "conf"}}
    errors = _strings(merged, ("provider", "api_key"))
    if errors is None and not isinstance(merged.get("url", ""), str):
        errors = {"url": ["Not a valid string."]}
    return errors


def _an_object(value: Any) -> Errors:
    return None if isinstance(value, dict) else ["Expected a dictionary of items."]


def _a_boolean(value: Any) -> Errors:
    return None if isinstance(value, bool) else ["Must be a valid boolean."]


VALIDATORS: Mapping[str, Callable[[Any], Errors]] = {
    "OMNITRON_CLIENT_SETTINGS": _omnitron_client,
    "GEOCODE_PROVIDER_SETTINGS": _geocode,
    "GEOLOCATION_DISCOVERY": _an_object,
    "IS_TRADEIN_ENABLED": _a_boolean,
}

_CREATE = {"key": Field(str, required=True), "json_value": Field((object, bool), required=True)}
_UPDATE = {
    "json_value": Field((object, bool), required=True),
    "key": Field(str, read_only=True),
    "id": Field(int, read_only=True),
}


def mask(key: str, value: Any) -> Any:
    """``value`` as the API shows it: secrets replaced by :data:`MASK`."""
    shown = copy.deepcopy(value)
    if not isinstance(shown, dict):
        return shown
    if key == "OMNITRON_CLIENT_SETTINGS":
        _mask_at(shown.get("auth"), "password")
        for conf in shown.get("endpoint_conf") or []:
            if isinstance(conf, dict):
                _mask_at(conf.get("auth"), "token")
    elif key in ("GEOCODE_PROVIDER_SETTINGS", "GEOLOCATION_DISCOVERY"):
        _mask_at(shown, "api_key")
        _mask_at(shown.get("conf"), "api_key")
    return shown


def _mask_at(parent: Any, name: str) -> None:
    if isinstance(parent, dict) and parent.get(name) is not None:
        parent[name] = MASK


def _present(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["id"], "key": doc["key"], "json_value": mask(doc["key"], doc["json_value"])}


def _check_value(key: str, value: Any) -> None:
    validator = VALIDATORS.get(key)
    problems = validator(value) if validator else None
    if problems:
        raise HttpError(400, {"json_value": problems})


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """The application settings endpoints."""

    async def collection(request: Request) -> Response:
        if request.method == "POST":
            return JSONResponse(_create(ctx, await json_body(request)), status_code=201)
        needle = request.query_params.get("key", "").casefold()
        items = [_present(d) for d in ctx.store.list(COLLECTION) if needle in d["key"].casefold()]
        return paginate(request, items, default_size=10, max_size=100)

    async def detail(request: Request) -> Response:
        doc = get_object_or_404(ctx, COLLECTION, request.path_params["id"])
        if request.method == "GET":
            return JSONResponse(_present(doc))
        clean = validate_body(await json_body(request), _UPDATE)
        _check_value(doc["key"], clean["json_value"])
        ctx.store.update(COLLECTION, doc["id"], {"json_value": clean["json_value"]})
        return Response(status_code=200)

    return [
        *route(PATH, collection, ["GET", "POST"], auth=ctx.require_token),
        *route(PATH + "{id:int}/", detail, ["GET", "PATCH", "PUT"], auth=ctx.require_token),
    ]


def _create(ctx: SandboxContext, body: dict[str, Any]) -> dict[str, Any]:
    clean = validate_body(body, _CREATE)
    key = clean["key"]
    if key not in KEYS:
        raise field_errors({"key": [f'"{key}" is not a valid choice.']})
    _check_value(key, clean["json_value"])
    with ctx.store.transaction():
        if ctx.store.find(COLLECTION, key=key):
            raise field_errors({"key": ["application settings with this key already exists."]})
        doc = ctx.store.insert(COLLECTION, {"key": key, "json_value": clean["json_value"]})
    return _present(doc)
