"""The one HTTP client every provider uses, and everything about talking to an API.

Owns: :class:`~omsform.http.client.ApiClient`/``WriteClient`` and their options, the shared
pool (:mod:`~omsform.http.pool`), retries (:mod:`~omsform.http.retry`), pacing
(:mod:`~omsform.http.pace`), idempotency keys, listings (:mod:`~omsform.http.listing`) and
``--record`` cassettes (:mod:`~omsform.http.record`).
May import: ``secrets`` (redaction), ``errors``. Nothing else from omsform: every layer above
may use the client, so the client depends on nothing above it.
"""
