"""omsform.engine."""
