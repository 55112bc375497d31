"""Carrying out a plan and remembering what was done: one write per planned change, in
dependency order, with crash safety.

Owns: the run (:mod:`~omsform.apply.run`), the write-ahead journal, the ledger of fingerprints
and applied digests (:mod:`~omsform.apply.ledger`, :mod:`~omsform.apply.ledger_entry`,
:mod:`~omsform.apply.fingerprint`, :mod:`~omsform.apply.durable`), the group commit of their
appends (:mod:`~omsform.apply.durable_log`), the brand lock, saved plan files, the run target
and the apply report.
May import: ``plan`` (the model and its comparison), ``contract``, ``http`` (the write client),
``lang``, ``drift`` (digests of applied values), ``secrets``, ``paths``, ``errors``. Never
``cli`` or ``engine`` (the engine calls apply, not the reverse); never a provider package.
"""
