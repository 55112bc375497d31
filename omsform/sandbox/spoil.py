"""Listing faults of the sandbox (:mod:`omsform.sandbox.knobs`): a page rewritten so that a
client sees an incomplete listing (no count and no next, a count too low, a repeated id, a
next link that fails)."""

from __future__ import annotations

import json

from starlette.types import Message, Send


class Rewrite:
    """A ``send`` that holds a JSON answer back and spoils it if it is a DRF page."""

    def __init__(self, send: Send, fault: str, failing_next: str) -> None:
        self.send, self.fault, self.failing_next = send, fault, failing_next
        self.start: Message | None = None
        self.body = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body" or self.start is None:
            await self.send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body"):
            return
        body = spoil_page(self.body, self.fault, self.failing_next)
        head = [(k, v) for k, v in self.start.get("headers", []) if k != b"content-length"]
        head.append((b"content-length", str(len(body)).encode()))
        await self.send({**self.start, "headers": head})
        await self.send({"type": "http.response.body", "body": body})


def spoil_page(raw: bytes, fault: str, failing_next: str = "") -> bytes:
    """``raw`` rewritten by listing fault ``fault`` when it is a DRF page (else as it is);
    ``failing_next`` is the link ``next_fails`` points at."""
    try:
        page = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        return raw
    rows, count = page["results"], page.get("count")
    if fault == "no_count_no_next":
        for key in ("count", "next", "previous"):
            page.pop(key, None)
    elif fault == "no_count":
        page.pop("count", None)
    elif fault in ("count_low", "count_high") and isinstance(count, int):
        page["count"] = count + (1 if fault == "count_high" else -1)
    elif fault == "count_page":
        page["count"] = len(rows)
    elif fault == "next_null":
        page["next"] = None
    elif fault == "repeat_id" and len(rows) > 1:
        rows[-1] = dict(rows[0])
    elif fault == "repeat_id" and rows:  # one row: serve it twice, counted
        rows.append(dict(rows[0]))
        page["count"] = (count or 0) + 1
    elif fault == "next_fails":
        page["next"], page["results"] = failing_next, rows[: len(rows) // 2]
    return json.dumps(page).encode()
