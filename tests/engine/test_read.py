"""Reading current objects: kinds concurrently, each listed once, any failure fails the read."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import httpx
import pytest

from omsform.contract.resource import ReadContext, Resource
from omsform.contract.spec import Remote, Spec
from omsform.engine.read import Reader, read_current
from omsform.errors import ProviderError, UnreachableError
from omsform.http.client import ApiClient, ClientOptions
from tests.fixtures.kinds import TOY_PROVIDER_OF, TOY_RESOURCES
from tests.fixtures.toy_api import TOKEN, ToyApi


def client(api: ToyApi, **options: Any) -> ApiClient:
    async def no_wait(seconds: float) -> None:
        return None

    transport = httpx.ASGITransport(app=api)
    return ApiClient(
        "http://toy",
        {"Authorization": f"Token {TOKEN}"},
        ClientOptions(transport=transport, **options),
        provider="toy",
        sleep=no_wait,
    )


def seeded() -> ToyApi:
    api = ToyApi()
    groups = [api.add("groups", name=f"g{i}") for i in range(3)]
    for i in range(130):
        api.add("items", name=f"i{i:03d}", group_id=groups[i % 3]["id"], size=i, password="pw")
    return api


def test_every_kind_is_read_and_a_kind_another_needs_is_listed_only_once() -> None:
    api = seeded()

    async def body() -> dict[str, list[Remote[Any]]]:
        async with client(api) as c:
            return await read_current(
                ["toy_item", "toy_group"], TOY_RESOURCES, {"toy": c}, TOY_PROVIDER_OF
            )

    current = asyncio.run(body())
    assert sorted(current) == ["toy_group", "toy_item"]
    assert len(current["toy_group"]) == 3 and len(current["toy_item"]) == 130
    item = next(r for r in current["toy_item"] if r.spec.name == "i004")
    assert item.spec.group == "g1" and item.spec.password is None
    assert api.count("GET", "/api/groups/") == 1  # items awaited the same listing
    assert api.count("GET", "/api/items/") == 2


def test_a_failing_kind_fails_the_whole_read() -> None:
    api = seeded()
    api.faults.path_prefix, api.faults.unavailable = "/api/items/", 100

    async def body() -> None:
        async with client(api, retry_budget=2) as c:
            await read_current(
                ["toy_group", "toy_item"], TOY_RESOURCES, {"toy": c}, TOY_PROVIDER_OF
            )

    with pytest.raises(UnreachableError, match="/api/items/"):
        asyncio.run(body())


class _Spec(Spec):
    name: str


class _Needs(Resource[_Spec]):
    """A kind whose listing awaits another kind's (to build a cycle)."""

    kind: ClassVar[str] = "a"
    spec_model = _Spec
    key_fields = ("name",)
    other: ClassVar[str] = "b"

    async def list(self, client: ApiClient, ctx: ReadContext) -> list[Remote[_Spec]]:
        await ctx.current(self.other)
        return []


class _NeedsA(_Needs):
    kind = "b"
    other = "a"


def test_kinds_whose_listings_need_each_other_fail_instead_of_hanging() -> None:
    resources: dict[str, Resource[Any]] = {"a": _Needs(), "b": _NeedsA()}

    async def body() -> None:
        async with client(ToyApi()) as c:
            read = read_current(["a", "b"], resources, {"toy": c}, {"a": "toy", "b": "toy"})
            await asyncio.wait_for(read, timeout=5)

    with pytest.raises(ProviderError, match="cycle"):
        asyncio.run(body())


def test_declared_keys_reach_the_kinds_and_relist_reads_again() -> None:
    api = seeded()

    async def body() -> tuple[frozenset[str], int]:
        async with client(api) as c:
            reader = Reader(TOY_RESOURCES, {"toy": c}, TOY_PROVIDER_OF, {"toy_group": ["g1"]})
            await read_current(
                ["toy_group"], TOY_RESOURCES, {"toy": c}, TOY_PROVIDER_OF, reader=reader
            )
            api.add("groups", name="late")
            again = await reader.relist("toy_group")
            return reader.declared_keys("toy_group"), len(again)

    declared, count = asyncio.run(body())
    assert declared == frozenset({"g1"})
    assert count == 4
