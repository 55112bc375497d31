"""omsform.drift."""
