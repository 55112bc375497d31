"""What ``omsform doctor`` checks, as plain values a provider returns (:mod:`omsform.doctor.run`
runs them): list endpoints (:class:`Collection`) and single answers (:class:`Answer`), each
naming the ``api.py`` entries it depends on so a failure can say which override fixes it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "id": (int, str),
}


@dataclass(frozen=True)
class Collection:
    """A DRF-paginated list a kind reads.

    ``path_entry`` and ``page_size_entry`` name the ``api.py`` constants (the values are read
    from the module, so overrides apply); ``fields`` maps each wire field the kind reads to its
    JSON type (``string``, ``integer``, ``boolean``, ``object``, ``array``, ``number``, ``id``,
    or ``any``; ``None`` is always accepted) and ``field_entries`` the field to the constant that
    names it, when there is one."""

    kinds: tuple[str, ...]
    label: str
    path_entry: str
    page_size_entry: str | None
    fields: Mapping[str, str]
    field_entries: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """One GET whose body must have a known shape: ``check(body)`` returns ``None`` when it
    does, else what differs. ``path`` is computed when the check runs (overrides apply)."""

    kinds: tuple[str, ...]
    label: str
    path_entry: str
    path: Callable[[], str]
    check: Callable[[Any], str | None]


Probe = Collection | Answer


def type_name(value: Any) -> str:
    """The JSON type of a decoded value, as :data:`JSON_TYPES` names it."""
    for name in ("boolean", "integer", "number", "string", "object", "array"):
        if isinstance(value, JSON_TYPES[name]):
            return name
    return "null"


def matches(value: Any, expected: str) -> bool:
    """Whether ``value`` has the JSON type ``expected`` (``None`` and ``any`` always do)."""
    if value is None or expected == "any":
        return True
    if isinstance(value, bool) and expected != "boolean":
        return False
    return isinstance(value, JSON_TYPES.get(expected, (object,)))
