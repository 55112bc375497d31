"""The reference codec (:mod:`omsform.contract.refs`): fields declared with ``Ref`` are mapped
natural key ↔ server id both ways, nested models and sets included, and derive ``references()``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, TypeVar

import pytest
from pydantic import Field, ValidationError

from omsform.contract.refs import Lookup, Ref, check_declared, decode, encode
from omsform.contract.resource import Resource
from omsform.contract.spec import READ, Desired, Spec
from omsform.errors import Location, PlanError, ProviderError

T = TypeVar("T")
loads: list[str] = []


async def _colours(client: Any) -> Mapping[str, int]:
    loads.append("colour")
    return {"red": 1, "green": 2}


COLOURS = Lookup(label="colour", system="the shop", load=_colours)
Colour = Annotated[str, Field(pattern=r"^[a-z]+$"), Ref(COLOURS)]
Shelf = Annotated[str, Ref("test_shelf")]


class Slot(Spec):
    """A nested model holding references."""

    shelves: frozenset[Shelf] = frozenset()


class Item(Spec):
    """A toy kind's spec: a single, a set, an optional lookup and nested references."""

    name: str
    home: Shelf
    also: frozenset[Shelf] = frozenset()
    colour: Colour | None = None
    slots: tuple[Slot, ...] = ()
    tags: frozenset[str] = frozenset()


class Items(Resource[Item]):
    """A kind whose ``references()`` is the derived default."""

    kind = "test_item"
    spec_model = Item
    key_fields = ("name",)


SHELVES = {"A": 10, "B": 20, "C": 30}
CLIENT: Any = None  # the lookup's loader ignores it; the codec only passes it on


class Context:
    """The run's context as the codec uses it (typed ``Any``: only the methods it calls):
    shelves by key, shared lookups made once."""

    def __init__(self) -> None:
        self._shared: dict[str, Any] = {}

    async def ids(self, kind: str) -> Mapping[str, int | str]:
        assert kind == "test_shelf"
        return SHELVES

    def id_of(self, kind: str, key: str) -> int | str:
        if key not in SHELVES:
            raise ProviderError(f"no {kind} with key {key!r} exists")
        return SHELVES[key]

    async def shared(self, name: str, load: Callable[[], Awaitable[T]]) -> T:
        if name not in self._shared:
            self._shared[name] = await load()
        found: T = self._shared[name]
        return found


def _ctx() -> Any:
    return Context()


ITEM = Item(
    name="x",
    home="B",
    also=frozenset({"C", "A"}),
    colour="green",
    slots=(Slot(shelves=frozenset({"C"})),),
    tags=frozenset({"z", "y"}),
)


def _run(coro: Awaitable[T]) -> T:
    async def main() -> T:
        return await coro

    return asyncio.run(main())


def test_references_are_derived_from_the_declared_fields() -> None:
    assert Items.references(ITEM) == [("test_shelf", "A"), ("test_shelf", "B"), ("test_shelf", "C")]


def test_references_read_from_the_spec_are_those_of_its_dump() -> None:
    # planning reads them from the attributes; the codec from dumped rows: the same pairs, paths
    from omsform.contract.refs import _found, _found_in

    assert _found_in(ITEM) == _found(Item, ITEM.model_dump())
    assert {p for _, _, p in _found_in(ITEM)} >= {"home", "also", "colour", "slots[0].shelves"}


def test_encode_sends_ids_sets_in_key_order_and_a_lookup_by_name() -> None:
    body = _run(encode(ITEM, CLIENT, _ctx()))
    assert body == {
        "name": "x",
        "home": 20,
        "also": [10, 30],  # A, C
        "colour": 2,
        "slots": [{"shelves": [30]}],
        "tags": ["y", "z"],
    }
    only = _run(encode(ITEM, CLIENT, _ctx(), include={"name", "also"}))
    assert only == {"name": "x", "also": [10, 30]}


def test_decode_turns_ids_back_into_the_same_spec() -> None:
    loads.clear()
    row = {"name": "x", "home": 20, "also": [30, 10], "colour": 2, "slots": [{"shelves": [30]}]}
    row["tags"] = ["z", "y"]
    [data] = _run(decode(Item, [row], CLIENT, _ctx()))
    assert Item.model_validate(data, context=READ) == ITEM
    assert loads == ["colour"]
    loads.clear()
    [plain] = _run(decode(Item, [{"name": "x", "home": 10}], CLIENT, _ctx()))
    assert plain == {"name": "x", "home": "A"}
    assert loads == []  # no row names a colour: the lookup is not listed


def test_an_unknown_id_is_shown_and_passes_the_field_rules_only_on_read() -> None:
    row = {"name": "x", "home": 99, "colour": 7}
    [data] = _run(decode(Item, [row], CLIENT, _ctx()))
    assert data["home"] == "<unknown shelf id 99>"
    assert data["colour"] == "<unknown colour id 7>"
    assert Item.model_validate(data, context=READ).colour == "<unknown colour id 7>"
    with pytest.raises(ValidationError, match="pattern"):
        Item.model_validate(data)  # from YAML the pattern holds


def test_a_declared_value_the_lookup_lacks_is_a_plan_error_naming_address_and_field() -> None:
    def declared(name: str, colour: str) -> Desired[Item]:
        spec = Item(name=name, home="A", colour=colour)
        location = Location(file="items.yaml", line=3)
        return Desired(f"test_item.{name}", "test_item", name, spec, location=location)

    ctx = _ctx()
    _run(check_declared([declared("ok", "red")], CLIENT, ctx))
    with pytest.raises(PlanError) as one:
        _run(check_declared([declared("a", "gren")], CLIENT, ctx))
    assert str(one.value) == (
        "items.yaml:3: test_item.a: colour 'gren' is not a colour of this the shop "
        "(did you mean 'green'?); known: green, red"
    )
    with pytest.raises(PlanError) as two:
        _run(check_declared([declared("a", "gren"), declared("b", "blue")], CLIENT, ctx))
    assert str(two.value).startswith("2 unknown colours:\n  - items.yaml:3: test_item.a: colour")


def test_encoding_a_name_the_lookup_lacks_says_what_is_known() -> None:
    spec = Item(name="x", home="A", colour="gren")
    with pytest.raises(ProviderError) as err:
        _run(encode(spec, CLIENT, _ctx()))
    assert (
        str(err.value) == "no colour 'gren' in the shop (did you mean 'green'?); known: green, red"
    )
