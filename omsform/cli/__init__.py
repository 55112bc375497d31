"""omsform.cli."""
