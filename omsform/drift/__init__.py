"""Drift: telling changes made in the live systems from changes made in the YAML, and
accepting drift into the code (``omsform pull``).

Owns: :mod:`~omsform.drift.attribution` (drift / intent / unknown per field, pure) and
:mod:`~omsform.drift.pull` (live values written back into the YAML, comments kept).
May import: ``plan`` (the model, open maps, value formatting), ``contract``, ``lang``,
``adopt`` (the YAML rewriting), ``secrets``, ``paths``.
Never ``http`` or ``engine`` (callers read; drift works on values); never a provider package.
"""
