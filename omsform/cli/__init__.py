"""The ``omsform`` command line: the only package that prints and chooses exit codes.

Owns: the click group (:mod:`~omsform.cli.main`, the console entry point) and its commands,
one module per command or family: ``validate``, ``plan`` (with ``show``; ``multi`` for several
brands), ``apply``, ``graph``, ``sandbox``, and those registered on first need (``adopt``,
``doctor``, ``docs``, ``pull``); what they share: the printer ``output``, the error handling
``failure``, shared ``options``, ``running`` (load, lock, read, plan) and progress display.
May import: every other omsform package (it is the top of the stack); nothing imports
``cli`` except ``omsform.__main__``. Never a provider package: providers are found through
entry points.
"""
