"""The kinds of provider ``akinon_oms``, one module each."""

from __future__ import annotations

from typing import Any

from omsform.contract.resource import Resource
from omsform_akinon_oms.resources.oms_cargo_integration import OmsCargoIntegration
from omsform_akinon_oms.resources.oms_channel import OmsChannel
from omsform_akinon_oms.resources.oms_denial_reason import OmsDenialReason
from omsform_akinon_oms.resources.oms_scenario import OmsScenario
from omsform_akinon_oms.resources.oms_setting import OmsSetting
from omsform_akinon_oms.resources.oms_setup_step import OmsSetupStep
from omsform_akinon_oms.resources.oms_stock_integration import OmsStockIntegration
from omsform_akinon_oms.resources.oms_stock_location import OmsStockLocation
from omsform_akinon_oms.resources.oms_transition import OmsTransition
from omsform_akinon_oms.resources.oms_webhook import OmsWebhook

KINDS: tuple[type[Resource[Any]], ...] = (
    OmsSetupStep,
    OmsSetting,
    OmsStockLocation,
    OmsChannel,
    OmsStockIntegration,
    OmsDenialReason,
    OmsCargoIntegration,
    OmsScenario,
    OmsTransition,
    OmsWebhook,
)
