"""Django REST Framework look-alikes for the sandbox: errors, bodies, field checks (pages are
:mod:`omsform.sandbox.paging`).

The real Akinon OMS is a DRF application; the sandbox answers in the same shapes:
``{"detail": …}`` for 401/403/404/405, ``{"field": ["msg"], "non_field_errors": [...]}`` for
400, and ``{"count", "next", "previous", "results"}`` pages with absolute links.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class HttpError(Exception):
    """Raised inside an endpoint to answer with ``status`` and a DRF-shaped JSON ``body``."""

    def __init__(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, dict(body), dict(headers or {})

    def response(self) -> Response:
        """The error as a response."""
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def detail(status: int, message: str) -> HttpError:
    """A ``{"detail": message}`` error (401, 403, 404, 405, 409, 429, 503)."""
    return HttpError(status, {"detail": message})


def not_found() -> HttpError:
    """DRF's 404."""
    return detail(404, "Not found.")


def method_not_allowed(method: str) -> HttpError:
    """DRF's 405."""
    return detail(405, f'Method "{method}" not allowed.')


def field_errors(errors: Mapping[str, Sequence[str]]) -> HttpError:
    """DRF's 400 with field errors (``non_field_errors`` for object-level ones)."""
    return HttpError(400, {k: list(v) for k, v in errors.items()})


MAX_DEPTH = 100
"""How deeply a request body may nest. Deeper bodies are refused as parse errors: Python's
recursive JSON decoder, encoder and the sandbox's own walks would otherwise hit the recursion
limit somewhere between parsing and rendering (a 500 instead of a 400)."""

INT64 = (-(2**63), 2**63 - 1)
"""The integers a database column (SQLite's, and the OMS's PostgreSQL ``bigint``) can hold."""


def _no_constant(name: str) -> Any:
    # Python's json accepts NaN/Infinity; DRF's parser (strict JSON) refuses them
    raise ValueError(f"Out of range float values are not JSON compliant: {name}")


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body; DRF's 400 ``{"detail": "JSON parse error - …"}`` for bad
    JSON, ``NaN``/``Infinity``, lone UTF-16 surrogates and nesting deeper than ``MAX_DEPTH``."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw, parse_constant=_no_constant)
        _check_parsed(body)
    except RecursionError:
        raise detail(400, "JSON parse error - Maximum nesting depth exceeded.") from None
    except (ValueError, UnicodeError) as exc:
        raise detail(400, f"JSON parse error - {exc}") from None
    if not isinstance(body, dict):
        raise field_errors(
            {
                "non_field_errors": [
                    f"Invalid data. Expected a dictionary, but got {type(body).__name__}."
                ]
            }
        )
    return body


def _check_parsed(body: Any) -> None:
    """Refuse what ``json.loads`` lets through but nothing downstream can store or render:
    strings with lone surrogates (``"\\ud83d"``) and very deep nesting. Iterative, so the walk
    itself cannot overflow the stack."""
    pending: list[tuple[Any, int]] = [(body, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"Maximum nesting depth of {MAX_DEPTH} exceeded.")
        if isinstance(value, str):
            value.encode("utf-8")  # UnicodeEncodeError (a ValueError) on a lone surrogate
        elif isinstance(value, dict):
            pending += [(k, depth + 1) for k in value]
            pending += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            pending += [(v, depth + 1) for v in value]


# --- field validation ---------------------------------------------------------------------

STRICT_WRITES: ContextVar[bool] = ContextVar("sandbox_strict_writes", default=False)
"""Whether the request being handled runs under the ``strict_writes`` knob (set per request by
:func:`omsform.sandbox.route` from the app's knobs). Off, writes are as lenient as DRF: unknown
and read-only fields are ignored, and an open choice list (:attr:`Field.open_choices`) accepts
other values. On, each of those is a 400, so a client sending something the server would ignore
is seen."""


@dataclass(frozen=True)
class Field:
    """One writable field of a sandbox endpoint's serializer."""

    kind: type | tuple[type, ...]
    required: bool = False
    default: Any = None
    choices: tuple[Any, ...] = ()
    nullable: bool = False
    read_only: bool = False
    check: Callable[[Any], str | None] | None = None  # extra rule: returns an error message
    open_choices: bool = False  # choices are the documented values, not all (strict_writes: all)

    def validate(self, value: Any) -> str | None:
        """The DRF-style message for a bad value, or None."""
        if value is None:
            return None if self.nullable else "This field may not be null."
        kinds = self.kind if isinstance(self.kind, tuple) else (self.kind,)
        if bool not in kinds and isinstance(value, bool):
            return _type_message(kinds)
        if not isinstance(value, kinds):
            return _type_message(kinds)
        if isinstance(value, int) and not isinstance(value, bool):
            if value > INT64[1]:
                return f"Ensure this value is less than or equal to {INT64[1]}."
            if value < INT64[0]:
                return f"Ensure this value is greater than or equal to {INT64[0]}."
        closed = not self.open_choices or STRICT_WRITES.get()
        if self.choices and closed and value not in self.choices:
            return f'"{value}" is not a valid choice.'
        return self.check(value) if self.check else None


def _type_message(kinds: tuple[type, ...]) -> str:
    names = {
        int: "A valid integer is required.",
        str: "Not a valid string.",
        bool: "Must be a valid boolean.",
        dict: "Expected a dictionary of items.",
        list: "Expected a list of items.",
        float: "A valid number is required.",
    }
    return names.get(kinds[0], "Invalid value.")


def validate(
    body: Mapping[str, Any], schema: Mapping[str, Field], *, partial: bool = False
) -> dict[str, Any]:
    """Validate a request body against ``schema``; return the clean data (defaults filled on a
    full write). Unknown and read-only fields are ignored, as DRF ignores them (a client that
    sends back every field it read, such as Akinon's ``omnisdk``, works); under the
    ``strict_writes`` knob (:data:`STRICT_WRITES`) they are 400s, so a test sees a client send
    a field the server would ignore."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in body if STRICT_WRITES.get() else ():
        if name not in schema:
            errors[name] = ["Unknown field."]
        elif schema[name].read_only:
            errors[name] = ["This field is read-only."]
    for name, field in schema.items():
        if field.read_only:
            continue
        if name in body:
            message = field.validate(body[name])
            if message:
                errors[name] = [message]
            else:
                clean[name] = body[name]
        elif not partial:
            if field.required:
                errors[name] = ["This field is required."]
            else:
                clean[name] = field.default() if callable(field.default) else field.default
    if errors:
        raise field_errors(errors)
    return clean


def unique(
    items: Iterable[Mapping[str, Any]],
    field: str,
    value: Any,
    model: str,
    exclude_id: int | None = None,
) -> None:
    """400 ``{field: ["<model> with this <field> already exists."]}`` on a duplicate."""
    for item in items:
        if item.get(field) == value and item.get("id") != exclude_id:
            raise field_errors({field: [f"{model} with this {field} already exists."]})
