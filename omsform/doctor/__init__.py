"""omsform.doctor."""
