"""Orchestrating one run: load the brand, open clients, read the live systems, plan, apply.

Owns: the run (:mod:`~omsform.engine.run`) and reading current objects, each kind listed once
and concurrently (:mod:`~omsform.engine.read`), the bulk listings started while a plan's brand
loads (:mod:`~omsform.engine.ahead`).
May import: ``lang``, ``contract``, ``http``, ``plan``, ``apply``, ``sandbox`` (the embedded
one), ``secrets``, ``dag``, ``errors``, ``gcpause``. Never ``cli``; never a provider package
(providers are found through entry points).
"""
