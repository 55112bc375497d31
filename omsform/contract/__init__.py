"""omsform.contract."""
