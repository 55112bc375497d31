"""What the ``/_sandbox/objects/{collection}/{id}`` back-office edit may change.

The edit stands for a person changing an object in the OMS back office, so it must only produce
objects the real system could hold and the sandbox's API can present.
"""

from __future__ import annotations

from typing import Any

_BOOKKEEPING = ("id", "created_date", "modified_date")


def drift_errors(stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, list[str]]:
    """Why ``changes`` cannot be applied as a back-office edit of ``stored``: only fields the
    object already has, other than its id and timestamps, with a value of the same JSON type as
    the stored one (any type where the stored value is null). So an edit the sandbox accepts is
    one its API can present, never a field it would ignore or a value it cannot render."""
    errors: dict[str, list[str]] = {}
    for name, value in changes.items():
        if name in _BOOKKEEPING:
            errors[name] = ["This field cannot be edited."]
        elif name not in stored:
            errors[name] = ["Unknown field: the stored object has no such field."]
        elif stored[name] is not None and _json_type(value) != _json_type(stored[name]):
            errors[name] = [f"Expected {_json_type(stored[name])}, as stored."]
    return errors


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an object" if isinstance(value, dict) else "a list"
