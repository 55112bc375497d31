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


MAX_PAGES = 10_000  # a cursor listing longer than this is refused (a link loop, most likely)


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
    ProviderError: a plan is never built from a partial listing.

    A set of pages is complete only when the last page's ``next`` is null, the rows equal
    ``count`` (when the API sends one), and no ``id`` repeats. A page with neither ``count``
    nor ``next`` says nothing about further pages and is refused at once, as is a ``count``
    lower than the rows of one page. Other mismatches can come from objects added or removed
    while paging: the listing is read once more, then refused.
    """
    problem = ""
    for _ in range(2):
        items, problem = await _list_once(get, path, params, page_size, provider)
        if not problem:
            return items
        log(f"re-listing {path}: {problem}")
    raise ProviderError(
        f"{provider}: the listing of {path} was incomplete or inconsistent twice ({problem}). "
        "Nothing was planned from it. If objects were being added or removed meanwhile, run "
        "again; if it keeps failing, the API's pagination is broken."
    )


def _refuse(provider: str, path: str, what: str) -> ProviderError:
    return ProviderError(
        f"{provider}: the listing of {path} cannot be read completely: {what}. Nothing was "
        "planned from it (a partial listing would plan creates of objects that exist)."
    )


async def _list_once(
    get: GetJson, path: str, base: Mapping[str, Any], page_size: int, provider: str
) -> tuple[list[dict[str, Any]], str]:
    """One listing pass: the objects and, when it is not consistent, why."""
    first = await get(path, base)
    if isinstance(first, list):
        return first, ""
    _check_page(first, path, provider, 1)
    if "count" not in first:
        return await _follow(get, path, first, provider)
    count, results = first["count"], list(first["results"])
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise _refuse(provider, path, f"`count` is {count!r}, not a number of objects")
    if len(results) > count:
        raise _refuse(provider, path, f"`count` is {count} but page 1 alone has {len(results)}")
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
    for n, page in enumerate(rest, start=2):
        _check_page(page, path, provider, n)
        if page.get("count") != count:
            return [], f"count changed from {count} to {page.get('count')!r} while paging"
        results.extend(page["results"])
    last = rest[-1] if rest else first
    if last.get("next") is not None:
        return [], f"page {pages} of {count} objects still links a next page"
    return _complete(results, count)


def _check_page(page: Any, path: str, provider: str, number: int) -> None:
    """Refuse a page that is not a DRF page or that cannot tell whether more pages follow."""
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise ProviderError(f"{provider}: GET {path} (page {number}) did not answer with a list")
    if "count" not in page and "next" not in page:
        raise _refuse(
            provider,
            path,
            f"page {number} has neither `count` nor `next`, so nothing says "
            "whether more objects exist",
        )


async def _follow(
    get: GetJson, path: str, first: dict[str, Any], provider: str
) -> tuple[list[dict[str, Any]], str]:
    """A listing without ``count`` (cursor style): follow ``next`` until it is null. The
    links' query is sent to ``path`` itself, so a link naming another host is never followed
    with the token."""
    results, page, seen = list(first["results"]), first, set[str]()
    for number in range(2, MAX_PAGES + 1):
        link = page.get("next")
        if link is None:
            return _complete(results, None)
        if not isinstance(link, str) or link in seen:
            raise _refuse(provider, path, f"page {number - 1} links {link!r} again")
        seen.add(link)
        page = await get(path, dict(httpx.URL(link).params))
        _check_page(page, path, provider, number)
        if "count" in page:
            return [], "`count` appeared while following `next` links"
        results.extend(page["results"])
    raise _refuse(provider, path, f"more than {MAX_PAGES} pages")


def _complete(results: list[Any], count: int | None) -> tuple[list[dict[str, Any]], str]:
    """``results`` when they are as many as ``count`` (if known) and no ``id`` repeats."""
    if count is not None and len(results) != count:
        return [], f"count {count} but {len(results)} objects"
    seen: set[Any] = set()
    for item in results:
        if isinstance(item, dict) and "id" in item:
            key = repr(item["id"])
            if key in seen:
                return [], f"id {item['id']!r} listed twice"
            seen.add(key)
    return results, ""
