"""``python -m omsform`` runs the command line."""

from omsform.cli.main import main

main()
