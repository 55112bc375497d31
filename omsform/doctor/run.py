"""``omsform doctor``: read-only checks that a live API has what the brand's kinds need.

One row per check (``ok`` / ``differs`` / ``missing``), and for a failure the ``api:`` override
or provider-block key that fixes it when one can be inferred. Checks, per provider the brand
uses: each host answers (TLS, redirects); the credentials are accepted; every list endpoint the
declared kinds read answers a DRF page, honours the page size and has followable ``next`` links;
the first page's field names and types match what the kinds read; single answers (setup steps'
``is_required``, the stock-engine list) have a shape the kinds understand.

It never writes (only GETs, plus the login a ``username``/``password`` block needs) and makes at
most one request per endpoint, plus one per ``next`` link it follows and, after a 404, one per
variant of the path it tries (hyphens for underscores, the entry's own words).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from contextlib import nullcontext
from types import ModuleType
from typing import Any

import httpx
from pydantic import BaseModel

from omsform.contract import apimap
from omsform.contract.provider import Provider
from omsform.doctor.probes import Answer, Collection, Probe, matches, type_name
from omsform.doctor.report import Report, Row, Status
from omsform.errors import ApiError, AuthError, OmsformError
from omsform.http.client import ApiClient, ClientOptions
from omsform.http.pool import check_base_url
from omsform.lang.load import Brand


async def diagnose(
    brand: Brand,
    providers: Mapping[str, Provider],
    blocks: Mapping[str, BaseModel],
    kinds: list[str],
    options: ClientOptions,
) -> Report:
    """Run every check for the providers serving ``kinds``, with their validated ``blocks``."""
    report = Report()
    declared: dict[str, set[str]] = {}
    for desired in brand.desired.values():
        declared.setdefault(desired.kind, set()).add(desired.name)
    for name in sorted(blocks):
        provider, block = providers[name], blocks[name]
        overrides = provider.api_overrides(block) if provider.api is not None else {}
        if provider.api is not None:
            report.api[name] = apimap.effective(provider.api, overrides)
        probes = provider.doctor_probes(set(kinds), declared)
        with apimap.overridden(provider.api, overrides) if provider.api else nullcontext():
            report.rows += await _check_provider(provider, block, probes, options)
    return report


async def _check_provider(
    provider: Provider, block: BaseModel, probes: list[Probe], options: ClientOptions
) -> list[Row]:
    rows = [await _check_host(provider.name, key, url, options) for key, url in _hosts(block)]
    if any(r.status != "ok" for r in rows):
        return rows
    try:
        client = await provider.open(block, options)
    except OmsformError as exc:
        return [*rows, Row(provider.name, "auth", "login", "missing", str(exc), "")]
    found: list[Row] = []
    async with client:
        checker = _Checker(provider, client.read_only())
        for probe in probes:
            found += await checker.run(probe)
            if checker.auth_failed:
                break
    return [*rows, checker.auth_row(block), *found]


def _hosts(block: BaseModel) -> list[tuple[str, str]]:
    hosts = getattr(block, "hosts", None)
    found = hosts() if callable(hosts) else {"url": str(getattr(block, "url", ""))}
    return sorted(found.items())


async def _check_host(provider: str, key: str, url: str, options: ClientOptions) -> Row:
    """One GET of the host's root, without credentials and without following redirects."""
    try:
        check_base_url(url, options, provider)
        async with httpx.AsyncClient(
            transport=options.transport, verify=not options.insecure, timeout=options.timeout_s
        ) as http:
            response = await http.get(url.rstrip("/") + "/", follow_redirects=False)
    except OmsformError as exc:
        return Row(provider, "host", key, "missing", str(exc), f"providers.{provider}.{key}")
    except httpx.HTTPError as exc:
        detail = f"{url} is not reachable: {type(exc).__name__}: {exc}"
        return Row(provider, "host", key, "missing", detail, f"providers.{provider}.{key}")
    if response.is_redirect:
        target = httpx.URL(url).join(response.headers.get("location", ""))
        origin = f"{target.scheme}://{target.netloc.decode()}"
        detail = f"{url} redirects to {target} ({response.status_code}): requests would not follow"
        return Row(
            provider, "host", key, "differs", detail, f"providers.{provider}.{key}: {origin}"
        )
    if response.status_code >= 500:
        detail = f"{url} answers {response.status_code}"
        return Row(provider, "host", key, "differs", detail, "")
    return Row(provider, "host", key, "ok", f"{url} answers ({response.status_code})")


class _Checker:
    """Runs probes through one read-only client and remembers whether auth failed."""

    def __init__(self, provider: Provider, client: ApiClient) -> None:
        self.provider, self.client = provider, client
        self.api: ModuleType | None = provider.api
        self.auth_failed: str | None = None
        self.seen: set[str] = set()

    def auth_row(self, block: BaseModel) -> Row:
        name = self.provider.name
        if self.auth_failed:
            fields = ", ".join(f"`{f}`" for f in self.provider.secret_fields)
            fix = f"providers.{name}: {fields}"
            return Row(name, "auth", "credentials", "missing", self.auth_failed, fix)
        return Row(name, "auth", "credentials", "ok", "accepted")

    def entry(self, name: str) -> Any:
        return getattr(self.api, name)

    async def run(self, probe: Probe) -> list[Row]:
        path = probe.path() if isinstance(probe, Answer) else str(self.entry(probe.path_entry))
        if path in self.seen:
            return []
        self.seen.add(path)
        if isinstance(probe, Answer):
            return [await self._answer(probe, path)]
        return await self._collection(probe, path)

    async def _get(self, path: str, params: Mapping[str, Any] | None = None) -> tuple[int, Any]:
        """``(status, body)``; 0 and the message when no answer came; auth failures noted."""
        try:
            return 200, await self.client.get(path, params)
        except AuthError as exc:
            self.auth_failed = str(exc)
            return 401, str(exc)
        except ApiError as exc:
            return exc.status, exc.detail
        except OmsformError as exc:
            return 0, str(exc)

    def _row(self, probe: Probe, status: Status, detail: str, fix: str = "") -> Row:
        target = f"{probe.label} ({'/'.join(probe.kinds)})"
        return Row(self.provider.name, "answer", target, status, detail, fix)

    async def _answer(self, probe: Answer, path: str) -> Row:
        status, body = await self._get(path)
        if status != 200:
            return self._row(probe, "missing", f"GET {path} → {status or 'no answer'}: {body}")
        wrong = probe.check(body)
        if wrong:
            return self._row(probe, "differs", f"GET {path}: {wrong}")
        return self._row(probe, "ok", f"GET {path}")

    async def _collection(self, probe: Collection, path: str) -> list[Row]:
        rows: list[Row] = []
        page_param = str(self.entry(probe.page_size_entry)) if probe.page_size_entry else None
        size = int(getattr(self.api, "PAGE_SIZE", 100))
        params = {**probe.params, **({page_param: size} if page_param else {})}
        status, body = await self._get(path, params)
        target = f"{probe.label} ({'/'.join(probe.kinds)})"
        name = self.provider.name

        def row(check: str, state: Status, detail: str, fix: str = "") -> None:
            rows.append(Row(name, check, target, state, detail, fix))

        if status != 200:
            row("list", "missing", f"GET {path} → {status or 'no answer'}", "")
            if status == 404:
                rows[-1] = await self._after_404(probe, path, params, rows[-1])
            return rows
        results = body.get("results") if isinstance(body, dict) else body
        if not isinstance(results, list) or (
            isinstance(body, dict) and "count" not in body and "next" not in body
        ):
            row("list", "differs", f"GET {path}: not a DRF page {{count, next, results}}")
            return rows
        row("list", "ok", f"GET {path} → {len(results)} rows")
        if isinstance(body, dict):
            rows += [r for r in await self._paging(probe, path, body, size, page_param, target)]
        rows.append(self._fields(probe, results, target))
        return rows

    async def _paging(
        self,
        probe: Collection,
        path: str,
        body: dict[str, Any],
        size: int,
        param: str | None,
        target: str,
    ) -> list[Row]:
        name, rows = self.provider.name, []
        count, got, link = body.get("count"), len(body.get("results") or []), body.get("next")
        if isinstance(count, int) and count > got and got < size:
            other = {"limit": "page_size", "page_size": "limit"}.get(param or "", "page_size")
            fix = f"api: {{{probe.page_size_entry}: {other}}}" if probe.page_size_entry else ""
            detail = (
                f"asked for {size} rows with `{param}`, got {got} of {count}: the server "
                f"ignores `{param}` or caps pages lower"
            )
            rows.append(Row(name, "page size", target, "differs", detail, fix))
        else:
            rows.append(Row(name, "page size", target, "ok", f"`{param}={size}` honoured"))
        if link:
            rows.append(await self._follow(path, str(link), target))
        return rows

    async def _follow(self, path: str, link: str, target: str) -> Row:
        name = self.provider.name
        base = self.client._core.base_url  # the link must stay on the API's host
        url = base.join(link)
        if url.host != base.host:
            detail = f"`next` of GET {path} points at another host: {link}"
            return Row(name, "next link", target, "differs", detail, "")
        status, page = await self._get(str(url))
        if status != 200 or not isinstance(page, dict) or "results" not in page:
            detail = f"GET {link} → {status}: not a page"
            return Row(name, "next link", target, "differs", detail, "")
        return Row(name, "next link", target, "ok", f"GET {link}")

    async def _after_404(
        self, probe: Collection, path: str, params: Mapping[str, Any], row: Row
    ) -> Row:
        for variant in variants(path, probe.path_entry):
            status, body = await self._get(variant, params)
            if status == 200 and isinstance(body, dict | list):
                fix = f"api: {{{probe.path_entry}: {variant}}}"
                detail = f"GET {path} → 404; {variant} answers a list"
                return Row(row.provider, row.check, row.target, "missing", detail, fix)
            if self.auth_failed:
                break
        detail = f"{row.detail}; no variant answered: find the path and set api.{probe.path_entry}"
        return Row(row.provider, row.check, row.target, "missing", detail, "")

    def _fields(self, probe: Collection, results: list[Any], target: str) -> Row:
        name = self.provider.name
        first = next((r for r in results if isinstance(r, dict)), None)
        if first is None:
            return Row(name, "fields", target, "ok", "empty list: field names not checked")
        missing = [f for f in probe.fields if f not in first]
        extra = sorted(set(first) - set(probe.fields))
        wrong = [
            f"{f} is {type_name(first[f])}, expected {t}"
            for f, t in probe.fields.items()
            if f in first and not matches(first[f], t)
        ]
        fixes = [self._field_fix(probe, f, extra) for f in missing]
        fix = "; ".join(f for f in fixes if f)
        notes = [f"missing {', '.join(missing)}"] if missing else []
        notes += wrong
        if notes:
            more = f" (extra: {', '.join(extra)})" if extra else ""
            return Row(name, "fields", target, "differs", "; ".join(notes) + more, fix)
        detail = f"{len(probe.fields)} read" + (f"; extra: {', '.join(extra)}" if extra else "")
        return Row(name, "fields", target, "ok", detail)

    def _field_fix(self, probe: Collection, wire: str, extra: list[str]) -> str:
        entry = probe.field_entries.get(wire)
        close = difflib.get_close_matches(wire, extra, n=1, cutoff=0.6)
        if not entry or not close or self.api is None:
            return ""
        if entry in apimap.overridable(self.api):
            return f"api: {{{entry}: {close[0]}}}"
        return f"{entry} = {close[0]!r} in api.py (read at start-up, not overridable)"


def variants(path: str, entry: str) -> list[str]:
    """Other spellings of a collection path's last segment: hyphens ↔ underscores, and the
    words of the ``api.py`` entry's name joined each way (``STOCK_LOCATIONS`` →
    ``stock-locations/``, ``stock_locations/``, ``stocklocations/``)."""
    head, _, last = path.rstrip("/").rpartition("/")
    words = [w for w in entry.lower().split("_") if w]
    spellings = [
        last.replace("_", "-"),
        last.replace("-", "_"),
        "-".join(words),
        "_".join(words),
        "".join(words),
        re.sub(r"[-_]", "", last),
    ]
    seen: list[str] = []
    for spelling in spellings:
        candidate = f"{head}/{spelling}/"
        if spelling and candidate != path and candidate not in seen:
            seen.append(candidate)
    return seen
