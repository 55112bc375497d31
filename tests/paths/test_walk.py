"""Walking data along several paths at once (:func:`items_by_pattern`) and reading one value's
plain form (:func:`plain_at`) give what the one-path helpers give, on dicts, lists, models and
sets alike."""

from __future__ import annotations

from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict

from omsform.paths import (
    comparable,
    get_path,
    items_by_pattern,
    iter_items,
    plain_at,
    same_spec,
)


class Colour(Enum):
    RED = "red"


class Auth(BaseModel):
    token: str | None = None
    user: str = "u"


class Spec(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = "n"
    conf: dict[str, Any] = {}
    auths: list[Auth] = []
    tags: frozenset[str] = frozenset()
    colour: Colour = Colour.RED
    password: str | None = None


SPEC = Spec(
    conf={"api_key": "k", "auth": {"secret": "s"}, "other": 1},
    auths=[Auth(token="t1"), Auth()],
    tags=frozenset({"b", "a"}),
    unknown="extra field, not a path",  # type: ignore[call-arg]
)
PATTERNS = (
    "conf.password",
    "conf.api_key",
    "conf.auth.secret",
    "conf.auth.token",
    "auths[].token",
    "auths[].user",
    "password",
    "name",
    "unknown",
    "conf.api_key",  # twice: each gets its own answer
    "missing.deep[].x",
)


def test_items_by_pattern_matches_iter_items_for_each_path() -> None:
    found = items_by_pattern(SPEC, PATTERNS)
    each = [(p, list(iter_items(SPEC, p))) for p in PATTERNS]
    assert found == [(p, items) for p, items in each if items]
    assert dict(found)["auths[].token"] == [("auths[0].token", "t1"), ("auths[1].token", None)]
    assert dict(found)["password"] == [("password", None)] and "unknown" not in dict(found)
    assert [p for p, _ in found].count("conf.api_key") == 2


def test_plain_at_reads_the_plain_form_of_one_value() -> None:
    plain = comparable(SPEC)
    for path in ("conf.auth.secret", "auths[0].token", "auths[1]", "tags[0]", "colour", "nope.x"):
        assert plain_at(SPEC, path) == get_path(plain, path), path
    assert plain_at(SPEC, "tags[0]") == "a"  # a set is indexed in its sorted plain form
    assert plain_at(SPEC, "colour") == "red"


def test_same_spec_answers_as_pydantic_equality() -> None:
    copy = SPEC.model_copy(deep=True)
    other_extra = Spec.model_validate({**SPEC.model_dump(), "unknown": "another extra"})
    pairs = [(SPEC, copy), (SPEC, other_extra), (SPEC, Spec()), (Auth(), Auth()), (Auth(), None)]
    for a, b in pairs:
        assert same_spec(a, b) == (a == b)
    assert same_spec(SPEC, copy) and not same_spec(SPEC, other_extra)
