"""The contract between omsform and its providers: what a provider and each of its resource
kinds must provide, and the ``api:`` overrides of a provider's ``api.py``.

Owns: :class:`~omsform.contract.provider.Provider` and discovery through entry points,
:class:`~omsform.contract.resource.Resource`, ``Spec``/``Desired``/``Remote``
(:mod:`~omsform.contract.spec`), ``KindDoc`` and :mod:`~omsform.contract.apimap`.
May import: ``http`` (the client types a resource receives), ``plan`` (model types only),
``lang`` (spelling hints), ``errors``. Never a provider package: providers import the
contract, not the reverse.
"""
