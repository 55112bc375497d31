"""How a field's type reads on a kind's reference page (``text``, ``set of text``,
``integer or null``, `a` | `b`)."""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union

from pydantic import BaseModel

LONG_ENUM = 6  # longer value lists are named in the field table and listed in a section
BASIC = {str: "text", int: "integer", float: "number", bool: "boolean"}


def type_text(annotation: Any) -> str:
    """A field's type in words (``text``, ``set of text``, ``integer or null``, `a` | `b`)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is Any:
        return "any JSON"
    if origin is typing.Annotated:  # a Ref (omsform.contract.refs) names the type's meaning only
        return type_text(args[0])
    if origin is Literal:
        if len(args) > LONG_ENUM:
            return f"one of {len(args)} values (listed below)"
        return " | ".join(f"`{a}`" for a in args)
    if origin in (Union, types.UnionType):
        parts = [type_text(a) for a in args if a is not type(None)]
        return " or ".join(parts) + (" or null" if type(None) in args else "")
    if origin in (frozenset, set):
        return f"set of {type_text(args[0])}"
    if origin in (tuple, list):
        return f"list of {type_text(args[0])}"
    if origin is dict:
        return "map"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"object ({annotation.__name__})"
    return BASIC.get(annotation, getattr(annotation, "__name__", str(annotation)))
