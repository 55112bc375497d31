"""Plausible field values for any kind, synthesised from its Spec model (no per-kind code).

Values are chosen from the field's type and name (``*url*`` gets a URL, ``*email*`` an address,
key fields a unique code) so that one generator serves every kind others add. Whether the live
API (the sandbox) accepts them is checked separately by a probe (:mod:`tests.bench.kinds`).

Levels, from richest to plainest (the probe falls back along them):

- ``full``: every field;
- ``no_ids``: optional ``int | None`` fields are left out (they are often server ids, such as an
  address's ``city``, which a sandbox without that record would refuse);
- ``scalars``: besides required fields, only optional plain ``str``/``int``/``float``/``bool``
  fields (no collections, nested objects or choices, which often carry cross-field rules);
- ``required``: only required fields.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

LEVELS = ("full", "no_ids", "scalars", "required")


class Unsupported(Exception):
    """The field's type has no synthesised value (the kind is left out of the workload)."""


def synth_fields(
    model: type[BaseModel], i: int, *, level: str, unique: tuple[str, ...] = (), tag: str = "x"
) -> dict[str, Any]:
    """Field values for object number ``i`` of ``model``; ``unique`` fields differ per ``i``
    (where their type allows: a ``Literal`` key field just cycles through its values)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if not _wanted(info, level):
            continue
        rules = _Rules.of(info)
        if name in unique and _strip(info.annotation) in (str, int):
            out[name] = _unique_value(info.annotation, name, i, tag, rules)
        else:
            out[name] = _value(info.annotation, name, i, level, rules)
    return out


@dataclass(frozen=True)
class _Rules:
    """The string constraints of a field that synthesised text must meet."""

    max_len: int | None = None
    pattern: str | None = None

    @classmethod
    def of(cls, info: FieldInfo) -> _Rules:
        max_len = pattern = None
        for meta in info.metadata:
            max_len = getattr(meta, "max_length", None) or max_len
            pattern = getattr(meta, "pattern", None) or pattern
        return cls(max_len if isinstance(max_len, int) else None, pattern)

    def pick(self, candidates: list[str], name: str) -> str:
        """The first candidate that fits."""
        for text in candidates:
            text = text[: self.max_len] if self.max_len else text
            if self.pattern is None or re.search(self.pattern, text):
                return text
        raise Unsupported(f"no synthesised text matches the pattern of {name!r}: {self.pattern}")


_NO_RULES = _Rules()


def _wanted(info: FieldInfo, level: str) -> bool:
    if info.is_required():
        return True
    if level == "required":
        return False
    if level == "scalars" and not _is_plain_scalar(info.annotation):
        return False
    return not (level in ("no_ids", "scalars") and _is_optional_int(info.annotation))


def _is_plain_scalar(annotation: Any) -> bool:
    return _strip(annotation) in (str, int, float, bool)


def _is_optional_int(annotation: Any) -> bool:
    args = typing.get_args(annotation)
    return _is_union(annotation) and type(None) in args and int in args


def _is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def letters(i: int, width: int = 4) -> str:
    """``i`` written with the letters a to z (``0`` → ``aaaa``), for fields that allow no digits."""
    out = ""
    for _ in range(width):
        i, digit = divmod(i, 26)
        out = chr(ord("a") + digit) + out
    return out


def _unique_value(annotation: Any, name: str, i: int, tag: str, rules: _Rules) -> Any:
    if _strip(annotation) is int:
        return 100_000 + i
    lowered = name.lower()
    candidates = [f"BENCH-{tag.upper()}-{i:05d}", f"bench-{tag.lower()}-{i:05d}"]
    if "url" in lowered or "endpoint" in lowered:
        candidates.insert(0, f"https://hooks.bench.example.com/{lowered}/{i}")
    candidates += [f"bench_{tag.lower()}_{letters(i)}", f"{100_000 + i}"]
    return rules.pick(candidates, name)


def _strip(annotation: Any) -> Any:
    """``X | None`` → ``X``; ``Annotated[X, …]`` → ``X``."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _strip(typing.get_args(annotation)[0])
    if _is_union(annotation):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _strip(args[0]) if args else None
    return annotation


def _value(annotation: Any, name: str, i: int, level: str, rules: _Rules = _NO_RULES) -> Any:
    base = _strip(annotation)
    origin = typing.get_origin(base)
    args = typing.get_args(base)
    if origin is typing.Literal:
        return args[i % len(args)]
    if isinstance(base, type) and issubclass(base, enum.Enum):
        members = list(base)
        return members[i % len(members)].value
    if isinstance(base, type) and issubclass(base, BaseModel):
        return synth_fields(base, i, level=level)
    if origin in (list, set, frozenset, tuple) or base in (list, set, frozenset, tuple):
        return _sequence(args, name, i, level)
    if origin in (dict, Mapping) or base is dict:
        item = args[1] if len(args) == 2 else Any
        return {f"bench_{name}": _value(item, name, i, level)}
    return _scalar(base, name, i, rules)


def _sequence(args: tuple[Any, ...], name: str, i: int, level: str) -> list[Any]:
    item = args[0] if args else str
    if _strip(item) is str:
        return ["bench", f"{name}-{i % 7}"]
    return [_value(item, name, i, level)]


def _scalar(base: Any, name: str, i: int, rules: _Rules) -> Any:
    lowered = name.lower()
    if base is bool:
        return i % 2 == 0
    if base is int:
        return i % 50 + 1
    if base is float:
        return round((41.0 if "lat" in lowered else 29.0) + (i % 1000) / 1000, 3)
    if base is str or base is Any:
        snake = re.sub(r"[^a-z]+", "_", lowered).strip("_")
        candidates = [_text(lowered, i), f"bench_{snake}_{letters(i)}", f"BENCH-{i:05d}", str(i)]
        return rules.pick(candidates, name)
    raise Unsupported(f"field {name!r} of type {base!r}")


def _text(name: str, i: int) -> str:
    if "url" in name or "endpoint" in name:
        return f"https://hooks.bench.example.com/{name}/{i}"
    if "email" in name:
        return f"bench{i}@example.com"
    if "phone" in name or "fax" in name:
        return f"+90 212 555 {i % 10000:04d}"
    if "postcode" in name or "zip" in name:
        return f"{34000 + i % 1000}"
    if "code" in name:
        return f"BENCH-{i:05d}"
    return f"Bench {name.replace('_', ' ')} {i}"
