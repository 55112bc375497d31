"""DRF pagination and list filters for the sandbox: ``{"count", "next", "previous",
"results"}`` pages with absolute links, as the real Akinon OMS (a DRF application) answers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse

from omsform.sandbox.drf import detail


def page_params(request: Request, default_size: int = 20, max_size: int = 100) -> tuple[int, int]:
    """``(page, size)`` from ``page`` and ``limit`` or ``page_size`` (capped at ``max_size``).

    As DRF's ``PageNumberPagination``: a page size that is not a positive integer is ignored
    (the default applies); a page that is not a positive integer is 404 ``Invalid page.``."""
    q = request.query_params
    try:
        page = int(q.get("page", "1"))
    except ValueError:
        raise detail(404, "Invalid page.") from None
    if page < 1:
        raise detail(404, "Invalid page.")
    try:
        size = int(q.get("page_size") or q.get("limit") or default_size)
    except ValueError:
        size = default_size
    if size < 1:
        size = default_size
    return page, min(size, max_size)


def paginate(
    request: Request,
    items: Sequence[Any],
    *,
    default_size: int = 20,
    max_size: int = 100,
    render: Callable[[Any], Any] | None = None,
) -> JSONResponse:
    """One DRF page of ``items`` with absolute ``next``/``previous`` links; ``render`` turns a
    stored document into its API form (applied to the page's items only)."""
    page, size = page_params(request, default_size, max_size)
    count = len(items)
    last = max(1, -(-count // size))
    if page > last:
        raise detail(404, "Invalid page.")

    def link(number: int) -> str | None:
        if number < 1 or number > last:
            return None
        query = dict(request.query_params)
        query["page"] = str(number)
        return str(request.url.replace(query=urlencode(query)))

    return JSONResponse(
        {
            "count": count,
            "next": link(page + 1),
            "previous": link(page - 1),
            "results": [render(i) if render else i for i in items[(page - 1) * size : page * size]],
        }
    )


def filter_items(
    items: Sequence[dict[str, Any]], request: Request, fields: Iterable[str]
) -> Sequence[dict[str, Any]]:
    """Apply exact-match query filters on ``fields`` (and ``__in`` comma lists), then ``sort``.
    Without any of them ``items`` comes back as it is, so a lazy store view stays lazy."""
    q = request.query_params
    fields = list(fields)
    if "sort" not in q and not any(n in q or f"{n}__in" in q for n in fields):
        return items
    result = list(items)
    for name in fields:
        if name in q:
            wanted = q[name]
            result = [i for i in result if str(_scalar(i.get(name))) == wanted]
        if f"{name}__in" in q:
            allowed = set(q[f"{name}__in"].split(","))
            result = [i for i in result if str(_scalar(i.get(name))) in allowed]
    sort = q.get("sort")
    if sort:
        key = sort.lstrip("-")
        result.sort(key=lambda i: _sort_key(i.get(key)), reverse=sort.startswith("-"))
    return result


def _sort_key(value: Any) -> tuple[int, Any]:
    """An order over any JSON values: numbers, then strings, then booleans, then objects and
    lists (by their JSON text), then nulls — so sorting on a JSON field never fails."""
    if value is None:
        return (4, 0)
    if isinstance(value, bool):
        return (2, int(value))
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (3, json.dumps(value, sort_keys=True))


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    return value
