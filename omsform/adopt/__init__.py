"""Adopting existing systems: ``omsform import`` (live objects → a brand directory that plans
to no change) and ``omsform fmt`` (canonical YAML, comments kept).

Owns: reading the source (:mod:`~omsform.adopt.source`), turning live objects into YAML values
and names (:mod:`~omsform.adopt.values`, :mod:`~omsform.adopt.names`), the files written
(:mod:`~omsform.adopt.files`, :mod:`~omsform.adopt.importer`) and the formatter
(:mod:`~omsform.adopt.fmt` and its YAML helpers).
May import: ``lang``, ``contract``, ``engine`` (to read), ``http`` (client options),
``sandbox`` (the embedded one), ``secrets``, ``paths``, ``dag``, ``errors``. Never a provider
package (providers are found through entry points); never prints (``cli`` does).
"""
