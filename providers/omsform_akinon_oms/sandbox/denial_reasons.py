"""Akinon OMS sandbox area: package denial reasons.

Documented [D] (apidocs.akinon.com/oms-openapis/packages/package-denial-reasons):

- ``GET /api/v1/oms/packages/package_denial_reason/``: DRF page, ``page`` and ``page_size``
  (default 20, max 100); filters ``is_active``, ``title`` (case-insensitive contains),
  ``priority`` and ``remote_id`` (exact); ``sort`` by ``id`` or ``modified_date``.
- ``POST`` the same path: ``{title (required, unique, ≤255), remote_id (string|null, ≤100),
  priority (int ≥0 | null), is_active (default true)}`` → 201 with the object.
- ``GET …/{id}/``: one reason.

Proposed [P]: ``PUT``/``PATCH …/{id}/`` (200 with the object) and ``DELETE …/{id}/`` (204).

Object (exactly the documented serializer, no timestamps):
``{"id": 1, "title": "Urun Eksik", "remote_id": null, "priority": 1, "is_active": true}``.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from omsform.sandbox import SandboxContext
from omsform.sandbox.crud import Doc, ViewSet, boolean, insert_generated, integer, text

PATH = "/api/v1/oms/packages/package_denial_reason/"
COLLECTION = "package_denial_reasons"
FIELDS = ("id", "title", "remote_id", "priority", "is_active")

SCHEMA = {
    "title": text(required=True, max_length=255, blank=False),
    "remote_id": text(default=None, nullable=True, max_length=100),
    "priority": integer(default=None, nullable=True, minimum=0),
    "is_active": boolean(default=True),
}


def _render(doc: Doc) -> Doc:
    return {name: doc.get(name) for name in FIELDS}


def viewset(ctx: SandboxContext) -> ViewSet:
    """The denial-reason view set."""
    return ViewSet(
        ctx=ctx,
        path=PATH,
        collection=COLLECTION,
        model="package denial reason",
        schema=SCHEMA,
        unique_fields=("title",),
        filters=("is_active", "priority", "remote_id", "title"),
        contains_filters=("title",),
        render=_render,
    )


def routes(ctx: SandboxContext) -> list[BaseRoute]:
    """This area's endpoints."""
    return viewset(ctx).routes()


def seed(ctx: SandboxContext, seed: str) -> None:
    """``large:N``: N // 8 generated reasons (nothing for ``demo`` or ``empty``)."""
    insert_generated(ctx, seed, COLLECTION, _large_reason)


def _large_reason(i: int) -> Doc:
    doc = {"title": f"Large reason {i:05d}", "remote_id": f"R{i}", "priority": i % 10}
    return {**doc, "is_active": True}
