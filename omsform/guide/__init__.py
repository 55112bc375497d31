"""omsform.guide."""
