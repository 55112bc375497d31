"""What ``omsform docs`` and ``omsform init`` say about ``ginesys_oms_app`` beyond its Spec
fields (see :mod:`omsform.contract.kinddoc`)."""

from __future__ import annotations

from omsform.contract.kinddoc import KindDoc

DOCS: dict[str, KindDoc] = {
    "ginesys_oms_app": KindDoc(
        family="ginesys",
        api=(
            "The Connected Apps > OMS screen, its fields and rules [D] (reference Part 2 §2a); "
            "every path, field name and body shape [P] (Ginesys publishes no API), all in "
            "`providers/omsform_ginesys/api.py`."
        ),
        sections=(
            (
                "Rules",
                (
                    "Every field but `enabled` is immutable after creation: a change (a rotated "
                    "secret included) is a manual `!` action that blocks apply (leave it out "
                    "with `--exclude`): disable the app and ask Ginesys support to reset it.",
                    "Create runs both connection tests (webhook and Ginesys API) and enables "
                    "the app only when both pass; a failed test keeps a draft app and the next "
                    "plan shows `enabled: false → true`.",
                    "Never deleted: an undeclared app is listed as unmanaged.",
                ),
            ),
            (
                "Sandbox",
                (
                    "The `demo` seed has no apps. Connection tests to loopback hosts really "
                    "connect; for other hosts the outcome is set by "
                    "`POST /_sandbox/ginesys/test-outcome` (they pass by default).",
                ),
            ),
        ),
        example="""ginesys_oms_app:
  main:
    organization_unit: 1
    app_name: Acme OMS
    webhook_url: https://acme-oms.example.com/webhooks/ginesys
    webhook_secret: ${secret.ACME_GINESYS_WEBHOOK_SECRET}
    api_url: https://acme-erp.example.com/ginesys/api
    api_key: ${secret.ACME_GINESYS_API_KEY}
    enabled: true
""",
    ),
}


def kind_docs() -> dict[str, KindDoc]:
    """Every kind's notes."""
    return dict(DOCS)
