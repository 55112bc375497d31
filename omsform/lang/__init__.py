"""omsform.lang."""
