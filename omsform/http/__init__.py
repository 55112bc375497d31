"""omsform.http."""
