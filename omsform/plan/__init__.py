"""Planning: desired and current objects in, a :class:`~omsform.plan.model.Plan` out, and its
renderings. Pure: ``plan/`` never does I/O (no network, files, processes or printing; checked
by ``tests/test_architecture.py``).

Owns: the model (:mod:`~omsform.plan.model`), building (:mod:`~omsform.plan.build`,
:mod:`~omsform.plan.index`, :mod:`~omsform.plan.live`, :mod:`~omsform.plan.compare`,
:mod:`~omsform.plan.writeonly`, :mod:`~omsform.plan.openmaps`), ordering and ``--target``
(:mod:`~omsform.plan.order`), safety rules, renderings (text, JSON, Markdown, tf-json) and
brand graphs.
May import: ``contract``, ``lang`` (hints only), ``drift`` (attribution), ``apply.report``
(the apply report it renders), ``secrets``, ``paths``, ``dag``, ``errors``, ``gcpause``.
Never ``http``, ``engine``, ``cli`` or a module that reads or writes files.
"""
