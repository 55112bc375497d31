"""Reading whole collections: DRF pagination, checks that a listing is complete, and running
requests concurrently so that the first failure stops the rest."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httpx

from omsform.errors import ApiError, OmsformError, ProviderError

T = TypeVar("T")
GetJson = Callable[[str, Mapping[str, Any] | None], Coroutine[Any, Any, Any]]
"""``get(path, params)`` returning the decoded JSON answer (what ``ApiClient.get`` does)."""


async def gather_all(aws: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run ``aws`` concurrently; the first failure cancels the others and is raised as itself."""
    tasks: list[asyncio.Task[T]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(aw) for aw in aws]
    except BaseExceptionGroup as failed:
        raise _first_error(failed) from None
    return [task.result() for task in tasks]


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    leaves: list[BaseException] = []
    pending: list[BaseException] = [group]
    while pending:
        exc = pending.pop(0)
        if isinstance(exc, BaseExceptionGroup):
            pending.extend(exc.exceptions)
        else:
            leaves.append(exc)
    ours = [e for e in leaves if isinstance(e, OmsformError)]
    return (ours or leaves)[0]


async def list_collection(
    get: GetJson,
    path: str,
    params: Mapping[str, Any],
    page_size: int,
    *,
    provider: str,
    log: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Every object listed at ``path`` (``params`` already ask for ``page_size``), or
    ProviderError after two inconsistent passes: a plan is never built from a partial listing."""
    problem = ""
    for _ in range(2):
        items, problem = await _list_once(get, path, params, page_size, provider)
        if not problem:
            return items
        log(f"re-listing {path}: {problem}")
    raise ProviderError(
        f"{provider}: the listing of {path} was inconsistent twice ({problem}); objects "
        "were probably being added or removed meanwhile. Nothing was planned from it: "
        "run again."
    )


async def _list_once(
    get: GetJson, path: str, base: Mapping[str, Any], page_size: int, provider: str
) -> tuple[list[dict[str, Any]], str]:
    """One listing pass: the objects and, when it is not consistent, why."""
    first = await get(path, base)
    if isinstance(first, list):
        return first, ""
    if not isinstance(first, dict) or not isinstance(first.get("results"), list):
        raise ProviderError(f"{provider}: GET {path} did not answer with a list")
    count, results = first.get("count"), list(first["results"])
    if not isinstance(count, int):
        return results, ("" if first.get("next") is None else "no count in a paged answer")
    per_page = len(results) or page_size
    pages = math.ceil(count / per_page) if first.get("next") else 1
    offsets = "offset" in parse_qs(httpx.URL(str(first.get("next") or "")).query.decode())

    def page_params(n: int) -> dict[str, Any]:
        return {**base, "offset": (n - 1) * per_page} if offsets else {**base, "page": n}

    try:
        rest = await gather_all(get(path, page_params(n)) for n in range(2, pages + 1))
    except ApiError as exc:
        if exc.status == 404:  # DRF "Invalid page.": the list shrank while paging
            return [], "a page disappeared while paging"
        raise
    counts: set[int | None] = {count}
    for page in rest:
        counts.add(page.get("count") if isinstance(page, dict) else None)
        results.extend(page.get("results", []) if isinstance(page, dict) else [])
    if len(counts) > 1:
        other = next(c for c in counts if c != count)
        return [], f"count changed from {count} to {other} while paging"
    return _unique(results, count)


def _unique(results: list[Any], count: int) -> tuple[list[dict[str, Any]], str]:
    """De-duplicated by ``id``, and whether that matches ``count``."""
    if not all(isinstance(item, dict) and "id" in item for item in results):
        ok = len(results) == count
        return results, "" if ok else f"count {count} but {len(results)} objects"
    seen: dict[Any, dict[str, Any]] = {}
    for item in results:
        seen.setdefault(item["id"], item)
    if len(seen) != count:
        return [], f"count {count} but {len(seen)} unique ids"
    return list(seen.values()), ""
