"""``omsform doctor``: read-only checks that a live API has what the brand's kinds need.

Owns: the probes a provider declares (:mod:`~omsform.doctor.probes`), running them
(:mod:`~omsform.doctor.run`) and the report (:mod:`~omsform.doctor.report`).
May import: ``http`` (a read-only client), ``contract``, ``lang`` (the loaded brand),
``errors``. Never a provider package; never prints (``cli`` does).
"""
