"""omsform.adopt."""
