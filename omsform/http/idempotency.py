"""The ``Idempotency-Key`` header every POST carries, so a retried or repeated create is one
create on the server side (see :mod:`omsform.http.retry` for when a POST is retried)."""

from __future__ import annotations

import json as jsonlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

IDEMPOTENCY_HEADER = "Idempotency-Key"
_IDEMPOTENCY_BASE: ContextVar[str | None] = ContextVar("omsform_idempotency", default=None)


@contextmanager
def idempotency_scope(key: str | None = None) -> Iterator[str]:
    """Within the block, each POST's ``Idempotency-Key`` derives from ``key`` (a fresh uuid4
    unless given; yielded so a caller can keep it and pass it again on a re-run): the same
    path and body give the same key, so repeating one logical create repeats its key, while the
    different POSTs of a multi-step create (create, test, enable) get different ones."""
    base = key or str(uuid.uuid4())
    token = _IDEMPOTENCY_BASE.set(base)
    try:
        yield base
    finally:
        _IDEMPOTENCY_BASE.reset(token)


def idempotency_key(path: str, body: Any) -> str:
    """The ``Idempotency-Key`` of one POST: derived from the current :func:`idempotency_scope`
    and the request, or a fresh uuid4 outside any scope."""
    base = _IDEMPOTENCY_BASE.get()
    if base is None:
        return str(uuid.uuid4())
    request = jsonlib.dumps([path, body], sort_keys=True, separators=(",", ":"), default=str)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"omsform:{base}:{request}"))
