"""Calls the sandbox conformance tests share."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def created(client: TestClient, path: str, body: Any) -> dict[str, Any]:
    """``POST path`` with ``body``, which must answer 201 (else the test fails showing the
    answer); returns the created object."""
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made
