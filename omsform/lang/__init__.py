"""The brand language: reading a brand directory into typed desired objects.

Owns: ``omsform.yaml`` (:mod:`~omsform.lang.config`), reading files, Jinja and ``${…}``
(:mod:`~omsform.lang.files`, :mod:`~omsform.lang.template`,
:mod:`~omsform.lang.interpolate`), YAML nodes and located problems, resolving and validating
declarations (:mod:`~omsform.lang.resolve`, :mod:`~omsform.lang.fields`,
:mod:`~omsform.lang.lost`), loading (:mod:`~omsform.lang.load`) and the JSON Schema.
May import: ``contract``, ``plan`` (open-map names only), ``secrets``, ``paths``, ``dag``,
``gcpause``, ``errors``. Never ``http``, ``engine``, ``apply`` or ``cli``: loading never talks
to an API; never a provider package.
"""
