"""``python -m omsform`` runs the command line."""

from omsform.cli import main

main()
