"""Akinon OMS sandbox area: cargo (shipping) integrations.

**Everything here is proposed [P]**: the Basic Setup guide names the fields, but no public page
shows the endpoint (reference ``oms-settings-cargo-ginesys.md`` §1c, "Proposed simulator
resource"). Path: ``/api/v1/oms/cargo_companies/`` (list, create) and ``…/{id}/`` (get, PUT,
PATCH, DELETE), with and without the trailing slash, ``Authorization: Token``.

Object::

    {"id": 3, "name": "Yurtiçi Kargo", "erp_code": "YK" (unique),
     "shipping_company": "yurtici" (string, required),
     "is_managed_by_oms": true (default true), "is_demo_client": false (default false),
     "conf": {...} (object, default {}),
     "created_date": "…Z", "modified_date": "…Z"}

Rules (400 ``{"conf": ["…"]}``):

- a demo client (``is_demo_client: true``) needs ``conf.klass`` starting with
  ``oms.shipments.clients.demo_client.`` and no credentials in ``conf``;
- a ``conf.klass`` in that package needs ``is_demo_client: true``;
- a real carrier managed by OMS (``is_managed_by_oms: true``, not a demo) needs at least one
  credential in ``conf``.

Credentials are the values under any of :data:`CREDENTIAL_KEYS` (compared in lower case, at
any depth of ``conf``); they read back as ``"********"`` (an empty or null value reads back as
it is). Writing ``conf`` replaces the whole object, so a client must send every credential
again when it changes ``conf``. ``erp_code`` is filterable (``?erp_code=``), as are ``name``,
``shipping_company``, ``is_demo_client`` and ``is_managed_by_oms``.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext
from omsform.sandbox.crud import (
    Doc,
    ViewSet,
    boolean,
    insert_generated,
    json_object,
    mask_keys,
    text,
)
from omsform.sandbox.drf import field_errors

PATH = "/api/v1/oms/cargo_companies/"
COLLECTION = "cargo_companies"
DEMO_PREFIX = "oms.shipments.clients.demo_client."
CREDENTIAL_KEYS = frozenset(
    {
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
    }
)

SCHEMA = {
    "name": text(required=True, max_length=255, blank=False),
    "erp_code": text(required=True, max_length=255, blank=False),
    "shipping_company": text(required=True, max_length=255, blank=False),
    "is_managed_by_oms": boolean(default=True),
    "is_demo_client": boolean(default=False),
    "conf": json_object(),
}


def _credentials(value: Any) -> list[str]:
    """The credential keys set anywhere inside ``value``."""
    if isinstance(value, dict):
        found = [k for k, v in value.items() if k.lower() in CREDENTIAL_KEYS and v]
        return found + [k for v in value.values() for k in _credentials(v)]
    if isinstance(value, list):
        return [k for v in value for k in _credentials(v)]
    return []


def check(doc: Doc, before: Doc | None) -> None:
    """The demo-client and credential rules (module docstring)."""
    conf = doc.get("conf") or {}
    klass = conf.get("klass")
    demo_klass = isinstance(klass, str) and klass.startswith(DEMO_PREFIX)
    if doc.get("is_demo_client"):
        if not demo_klass:
            raise field_errors({"conf": [f"A demo client needs conf.klass = {DEMO_PREFIX}<Name>."]})
        if _credentials(conf):
            raise field_errors({"conf": ["A demo client takes no credentials."]})
    elif demo_klass:
        raise field_errors({"conf": ["conf.klass names a demo client: set is_demo_client."]})
    elif doc.get("is_managed_by_oms") and not _credentials(conf):
        keys = ", ".join(sorted(CREDENTIAL_KEYS))
        raise field_errors({"conf": [f"A carrier managed by OMS needs credentials ({keys})."]})


def render(doc: Doc) -> Doc:
    """The object as read: credentials in ``conf`` masked."""
    return {**doc, "conf": mask_keys(doc.get("conf") or {}, CREDENTIAL_KEYS)}


def viewset(ctx: SandboxContext) -> ViewSet:
    """The cargo-integration view set."""
    return ViewSet(
        ctx=ctx,
        path=PATH,
        collection=COLLECTION,
        model="cargo company",
        schema=SCHEMA,
        unique_fields=("erp_code",),
        filters=("erp_code", "name", "shipping_company", "is_demo_client", "is_managed_by_oms"),
        check=check,
        render=render,
    )


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """This area's endpoints."""
    return viewset(ctx).routes()


def seed(ctx: SandboxContext, seed: str) -> None:
    """``large:N``: N // 8 generated demo-client integrations."""
    insert_generated(ctx, seed, COLLECTION, _large_cargo)


def _large_cargo(i: int) -> Doc:
    return {
        "name": f"Large cargo {i:05d}",
        "erp_code": f"LARGE-CARGO-{i:05d}",
        "shipping_company": "demo",
        "is_managed_by_oms": True,
        "is_demo_client": True,
        "conf": {"klass": f"{DEMO_PREFIX}DemoClient"},
    }
