"""omsform.plan."""
