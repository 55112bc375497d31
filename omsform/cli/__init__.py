"""The ``omsform`` command line: the only package that prints and chooses exit codes.

Owns: the click group and commands (:mod:`~omsform.cli.main` and the modules that register
commands onto it: ``adopt``, ``doctor``, ``pull``, ``multi``) and progress display.
May import: every other omsform package (it is the top of the stack); nothing imports
``cli`` except ``omsform.__main__``. Never a provider package: providers are found through
entry points.
"""
