"""omsform: an Akinon OMS brand's configuration as code (plan and apply against the live APIs)."""

__version__ = "0.1.0"
