"""The current objects an apply keeps as its writes land: ids of a kind read through
``ctx.ids`` (references in each write's answer) follow every create and delete of the run."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import pytest

from omsform.apply.context import RunContext
from omsform.contract.refs import Ref, decode
from omsform.contract.spec import Remote, Spec
from tests.fixtures.kinds.toy import ToyGroup, ToyGroupSpec


class Member(Spec):
    """Something that names a toy group, sent by id."""

    name: str
    group: Annotated[str, Ref("toy_group")]


def _group(name: str, remote_id: int) -> Remote[ToyGroupSpec]:
    return Remote(id=remote_id, spec=ToyGroupSpec(name=name), fingerprint="")


def _decoded_group(ctx: RunContext, remote_id: int) -> Any:
    [row] = asyncio.run(decode(Member, [{"name": "m", "group": remote_id}], None, ctx))  # type: ignore[arg-type]
    return row["group"]


def test_ids_and_decoded_references_follow_the_objects_the_run_creates_and_deletes() -> None:
    ctx = RunContext({"toy_group": [_group("a", 1)]}, {"toy_group": ToyGroup()}, {})
    ids = asyncio.run(ctx.ids("toy_group"))
    assert dict(ids) == {"a": 1}
    assert _decoded_group(ctx, 1) == "a"

    ctx.objects("toy_group")["b"] = _group("b", 2)  # a create landed
    assert dict(ids) == {"a": 1, "b": 2}
    assert _decoded_group(ctx, 2) == "b"

    ctx.objects("toy_group").pop("b", None)  # a delete landed
    assert dict(asyncio.run(ctx.ids("toy_group"))) == {"a": 1}
    assert _decoded_group(ctx, 2).startswith("<unknown")


def test_the_current_objects_change_one_key_at_a_time_only() -> None:
    objects = RunContext({}, {"toy_group": ToyGroup()}, {}).objects("toy_group")
    with pytest.raises(TypeError):
        objects.update({"c": _group("c", 3)})
