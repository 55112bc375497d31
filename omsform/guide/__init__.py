"""Guidance for people: ``omsform docs`` (a reference page per kind) and ``omsform init``
(a new brand directory).

Owns: :mod:`~omsform.guide.docs` (with :mod:`~omsform.guide.typetext`) and
:mod:`~omsform.guide.init`.
May import: ``contract`` (kinds and their ``KindDoc``), ``lang``, ``errors``. Never ``http``
(nothing here talks to an API); never a provider package.
"""
