"""The ledger's fingerprints: a slow (``scrypt``) salted hash of a value sent to an API, so
plan can tell whether a write-only value changed without anything ever storing the value."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_cache: dict[tuple[bytes, str], str] = {}  # scrypt is ~50 ms on purpose: hash each value once


def _canonical(value: Any) -> Any:
    """JSON-ready form with secrets *revealed* (this is what gets hashed, never stored)."""
    if isinstance(value, SecretStr | SecretBytes):
        return _canonical(value.get_secret_value())
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, BaseModel):
        return {name: _canonical(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(getattr(value, "value", value))  # enums and the like


def fingerprint(salt: bytes, value: Any) -> str:
    """``scrypt:<hex>``: a slow salted hash of the canonical JSON of ``value`` (cached)."""
    text = json.dumps(_canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    cached = _cache.get((salt, text))
    if cached is None:
        digest = hashlib.scrypt(text.encode(), salt=salt, **_SCRYPT)
        cached = _cache[(salt, text)] = "scrypt:" + digest.hex()
    return cached
