"""omsform.apply."""
