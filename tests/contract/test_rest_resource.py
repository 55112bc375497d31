"""``omsform.contract.rest``: what a kind declared as a ``RestResource`` gets without code —
reads validated in the lenient read context, clear errors for objects the model cannot hold,
the plan's permissions taken from the declared verbs, and declared references read as keys and
written as ids."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from pydantic import Field, ValidationInfo, field_validator

from omsform.contract.rest import Endpoint, RestResource, read_spec, wire_fields
from omsform.contract.spec import Spec, reading
from omsform.errors import ProviderError
from tests.contract.test_refs import CLIENT, ITEM, Item, _ctx, _run


class Thing(Spec):
    """A toy kind: a key, a bounded number and a token the API masks."""

    code: str = Field(min_length=1)
    size: int = Field(default=1, ge=1)
    token: str | None = Field(default=None, alias="api_token")

    @field_validator("token")
    @classmethod
    def _looks_like_a_token(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not reading(info) and not value.startswith("tok-"):
            raise ValueError("a token starts with tok-")
        return value


def _endpoint(**verbs: Any) -> Endpoint:
    return Endpoint(
        collection=lambda: "/things/",
        page_size=lambda: (100, "limit"),
        id_field=lambda: "id",
        detail=lambda c, i: f"{c}{i}/",
        **verbs,
    )


def test_a_read_runs_the_validators_leniently_and_ignores_server_keys() -> None:
    row = {"code": "a", "size": 2, "token": "****", "modified_date": "2026-01-01", "id": 7}
    thing = read_spec(Thing, row, kind="test_thing", ident=7)
    assert (thing.code, thing.size, thing.token) == ("a", 2, "****")  # a mask is no YAML token
    with pytest.raises(ValueError, match="tok-"):
        Thing.model_validate({"code": "a", "token": "****"})  # the YAML rule still holds


def test_an_object_the_model_cannot_hold_is_a_provider_error_without_its_values() -> None:
    with pytest.raises(ProviderError) as err:
        read_spec(Thing, {"code": "a", "size": -5, "token": "canary"}, kind="test_thing", ident=9)
    message = str(err.value)
    assert message.startswith("test_thing '9': ")
    assert "size: Input should be greater than or equal to 1" in message
    assert "-5" not in message and "canary" not in message


def test_an_object_missing_only_its_key_is_kept_for_the_plan_to_report() -> None:
    thing = read_spec(Thing, {"code": "", "size": 3}, kind="test_thing", ident=4, keys=("code",))
    assert (thing.code, thing.size) == ("", 3)
    with pytest.raises(ProviderError, match="size"):  # any other fault still stops the read
        read_spec(Thing, {"code": "", "size": 0}, kind="test_thing", ident=4, keys=("code",))


def test_wire_names_come_from_the_spec_and_the_verbs_set_the_permissions() -> None:
    assert wire_fields(Thing) == ("code", "size", "api_token")

    class ReadOnly(RestResource[Thing]):
        kind: ClassVar[str] = "test_read_only"
        spec_model: ClassVar[type[Spec]] = Thing
        key_fields: ClassVar[tuple[str, ...]] = ("code",)
        endpoint: ClassVar[Endpoint] = _endpoint(create=None, delete=False)

    class Crud(ReadOnly):
        endpoint: ClassVar[Endpoint] = _endpoint()

    assert (ReadOnly.can_create, ReadOnly.can_delete) == (False, False)
    assert (Crud.can_create, Crud.can_delete) == (True, True)
    body = Crud().body(Thing(code="a", api_token="tok-1"), {"code", "token"})
    assert body == {"code": "a", "api_token": "tok-1"}


def test_a_spec_that_declares_references_reads_keys_and_writes_ids_without_hooks() -> None:
    class Stock(RestResource[Item]):
        kind: ClassVar[str] = "test_stock"
        spec_model: ClassVar[type[Spec]] = Item
        key_fields: ClassVar[tuple[str, ...]] = ("name",)
        endpoint: ClassVar[Endpoint] = _endpoint()

    body = _run(Stock().write_body(ITEM, {"name", "home", "also", "slots", "tags"}, CLIENT, _ctx()))
    # reference fields as ids (a set of them in key order), the rest as the Spec dumps them
    assert sorted(body.pop("tags")) == ["y", "z"]
    assert body == {"name": "x", "home": 20, "also": [10, 30], "slots": [{"shelves": [30]}]}
    row = {**body, "id": 4, "colour": 2, "tags": ["z", "y"]}
    [remote] = _run(Stock().remotes([row], CLIENT, _ctx()))
    assert (remote.id, remote.spec) == (4, ITEM)
