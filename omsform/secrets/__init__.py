"""omsform.secrets."""
