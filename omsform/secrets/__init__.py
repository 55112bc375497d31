"""Keeping secret values out of every output: the one home of secret masking.

Owns: :data:`SENSITIVE` (the marker every masked value shows), :mod:`~omsform.secrets.mask`
(the one text redaction :func:`~omsform.secrets.mask.redact`, masking by path, credential query
parameters in URLs, which values the text safety net hides) and
:mod:`~omsform.secrets.keyprint` (fingerprints of natural keys that embed a secret).
May import: ``paths``, ``errors``; for :mod:`~omsform.secrets.keyprint` also ``plan.model``,
``contract`` and ``apply.fingerprint``. Never does I/O and never prints.
"""

SENSITIVE = "(sensitive)"
"""What a secret value is replaced with, everywhere (plans, saved files, logs, messages)."""
