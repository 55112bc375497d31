"""Each provider's ``api.py`` is the one place that names the wire: no kind module may write a
wire field name as a string literal (so an API that differs needs a one-line change there).

The guard reads every ``resources/*.py`` with ``ast`` and compares its string constants with the
wire names the provider's ``api.py`` declares: its upper-case constants whose value is a
lower-case name, or a tuple of such names. Skipped, because they are not wire names:

- docstrings (any string standing alone as a statement);
- members of ``Literal[...]`` (allowed YAML values, such as a sort field ``priority``);
- the arguments of ``field_validator``/``model_validator`` and the values of the ``Resource``
  attributes ``key_fields``, ``name_field``, ``immutable`` and ``write_only``: by the resource
  contract these name Spec (YAML) fields;
- the few YAML-side names in ``ALLOWED`` below, each for one scope and with its reason.

Spec fields are otherwise referred to as identifiers (attribute access, keyword arguments), which
are no string literals. Where a kind sends its Spec as a model dump, the Spec's field names ARE
the wire names and nothing keeps a copy (:func:`omsform.contract.rest.wire_fields`): those names
count as wire names here too (``SPEC_WIRE``). ``oms_channel`` builds its body from ``api.py``
names that equal ``ChannelSpec``'s field names; the last test holds them to it.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from omsform_akinon_oms import api as oms_api
from omsform_akinon_oms.resources import (
    oms_cargo_integration,
    oms_channel,
    oms_denial_reason,
    oms_stock_integration,
    oms_stock_location,
    oms_transition,
    oms_webhook,
)
from pydantic import BaseModel

from omsform.contract.rest import wire_fields

PROVIDERS = ("omsform_akinon_oms", "omsform_ginesys")
NAME = re.compile(r"[a-z][a-z0-9_]*")

# api.py constants whose value looks like a name but is not a wire field name
NOT_WIRE_NAMES = {
    "omsform_akinon_oms": {
        "CHANNELS_STEP",  # a setup step name (a key of SETUP_STEPS), not a field
    },
    "omsform_ginesys": {
        "STATUS_ENABLED",  # a value of the status field
        "TEST",  # path segments of app actions
        "ENABLE",
        "DISABLE",
        "TARGET_WEBHOOK",  # values of the test target field
        "TARGET_GINESYS_API",
        "TEST_TARGETS",
    },
}

# (module file, scope, literal) → why this YAML-side name is written as a string there.
# The scope is the enclosing class/function path, or the module constant being assigned.
ALLOWED = {
    ("scenario_wire.py", "VALUES", "channels"): "YAML field holding a condition's values",
    ("scenario_wire.py", "VALUES", "shipping_companies"): "YAML field, as above",
    ("scenario_wire.py", "VALUES", "payment_types"): "YAML field, as above",
    ("scenario_rules.py", "Sort._short_form", "field"): "Sort's YAML fields ({priority: desc})",
    ("scenario_rules.py", "Sort._short_form", "direction"): "Sort's YAML fields, as above",
    ("oms_scenario.py", "OmsScenario.check_brand", "key"): "oms_setting's YAML field `key`",
    ("oms_setting.py", "SettingSpec._typed_value", "key"): "SettingSpec's YAML field `key`",
    ("oms_setting.py", "unknown_value_keys", "value"): "the YAML field `value` in a path shown",
    ("oms_webhook.py", "WebhookSpec._headers", "name"): "Header's YAML fields {name, value}",
    ("oms_webhook.py", "WebhookSpec._headers", "value"): "Header's YAML fields, as above",
    ("oms_webhook.py", "_header_name", "name"): "Header's YAML field `name`",
    ("oms_transition.py", "_InvoiceAuth._credentials_match_type", "token"): (
        "the request_type value `token` (the Literal lists it), not the field"
    ),
}

CONTRACT_NAMES = {"key_fields", "name_field", "immutable", "write_only"}
VALIDATORS = {"field_validator", "model_validator"}


@dataclass(frozen=True)
class Literal_:
    """One string constant found in a module: where it is and its text."""

    line: int
    scope: str
    text: str


def _named(node: ast.expr, names: set[str]) -> bool:
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", None)
    return name in names


class _Collector(ast.NodeVisitor):
    """The string constants of a module that could be wire names (see the module docstring)."""

    def __init__(self) -> None:
        self.found: list[Literal_] = []
        self._scope: list[tuple[str, bool]] = []  # (name, is a class body)

    def _within(self, name: str, node: ast.AST, is_class: bool = False) -> None:
        self._scope.append((name, is_class))
        self.generic_visit(node)
        self._scope.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._within(node.name, node, is_class=True)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._within(node.name, node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._within(node.name, node)

    def visit_Expr(self, node: ast.Expr) -> None:
        if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            self.generic_visit(node)  # a string standing alone is a docstring

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not _named(node.value, {"Literal"}):
            self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if _named(node.func, VALIDATORS):
            return
        if _named(node.func, {"Field"}):  # a field's examples are YAML a user writes, not wire
            kept = [k for k in node.keywords if k.arg != "examples"]
            for child in [node.func, *node.args, *(k.value for k in kept)]:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assignment([t for t in node.targets if isinstance(t, ast.Name)], node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assignment([node.target] if isinstance(node.target, ast.Name) else [], node)

    def _assignment(self, targets: list[ast.Name], node: ast.AST) -> None:
        in_class = bool(self._scope) and self._scope[-1][1]
        if in_class and any(t.id in CONTRACT_NAMES for t in targets):
            return
        if not self._scope and len(targets) == 1:
            self._within(targets[0].id, node)
        else:
            self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            scope = ".".join(name for name, _ in self._scope) or "<module>"
            self.found.append(Literal_(node.lineno, scope, node.value))


def string_literals(source: str) -> list[Literal_]:
    """The string constants of ``source`` that are not docstrings, Literal members or Spec
    field names by the resource contract."""
    collector = _Collector()
    collector.visit(ast.parse(source))
    return collector.found


# Specs whose field names ARE wire names with no api.py copy (the kind dumps them as they are)
SPEC_WIRE: dict[str, list[type[BaseModel]]] = {
    "omsform_akinon_oms": [
        oms_denial_reason.DenialReasonSpec,
        oms_cargo_integration.CargoIntegrationSpec,
        oms_stock_integration.StockIntegrationSpec,
        oms_webhook.WebhookSpec,
        oms_webhook.RetryCountdown,
        oms_stock_location.StockLocationSpec,
        oms_stock_location.Address,
        oms_transition.TransitionSpec,
    ],
    "omsform_ginesys": [],  # ginesys_oms_app maps every field onto api.py names
}


def wire_names(package: str) -> dict[str, list[str]]:
    """Wire name → the ``api.py`` constants (or ``Spec.field``) that declare it, for provider
    ``package``."""
    api: ModuleType = importlib.import_module(f"{package}.api")
    found: dict[str, list[str]] = {}
    for constant, value in vars(api).items():
        if not constant.isupper() or constant in NOT_WIRE_NAMES[package]:
            continue
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if isinstance(item, str) and NAME.fullmatch(item):
                found.setdefault(item, []).append(f"api.{constant}")
    for model in SPEC_WIRE[package]:
        for name in wire_fields(model):
            found.setdefault(name, []).append(f"{model.__name__}.{name}")
    return found


def hard_coded(package: str) -> tuple[list[str], set[tuple[str, str, str]]]:
    """``file:line`` messages for every wire name written as a literal in the kinds of
    ``package``, and the ``ALLOWED`` entries that were used."""
    names = wire_names(package)
    resources = Path(importlib.import_module(f"{package}.resources").__file__ or "").parent
    problems, used = [], set()
    for path in sorted(resources.glob("*.py")):
        for lit in string_literals(path.read_text(encoding="utf-8")):
            if lit.text not in names:
                continue
            entry = (path.name, lit.scope, lit.text)
            if entry in ALLOWED:
                used.add(entry)
                continue
            declared = ", ".join(names[lit.text])
            problems.append(
                f"{path}:{lit.line} ({lit.scope}): {lit.text!r} is a wire name; use the constant "
                f"or the Spec field as an identifier ({declared}), or add one to api.py"
            )
    return problems, used


@pytest.mark.parametrize("package", PROVIDERS)
def test_no_kind_writes_a_wire_name_as_a_literal(package: str) -> None:
    problems, _ = hard_coded(package)
    assert not problems, "\n".join(problems)


def test_every_allowed_literal_is_still_there() -> None:
    """A stale allow-list entry would let a later wire literal through unnoticed."""
    used: set[tuple[str, str, str]] = set()
    for package in PROVIDERS:
        used |= hard_coded(package)[1]
    assert set(ALLOWED) - used == set()


def test_the_guard_catches_a_hard_coded_wire_name() -> None:
    source = '''
"""Docstring naming omnitron_id."""
from typing import Literal
Kind = Literal["omnitron_id"]
class Thing:
    key_fields = ("omnitron_id",)
    @field_validator("omnitron_id")
    def check(cls, v): return v
def read(row):
    """omnitron_id"""
    return row.get("omnitron_id"), row[api.ID]
'''
    names = wire_names("omsform_akinon_oms")
    flagged = [(lit.line, lit.scope) for lit in string_literals(source) if lit.text in names]
    assert flagged == [(11, "read")]


def test_the_wire_names_come_from_the_constants() -> None:
    names = wire_names("omsform_akinon_oms")
    assert names["omnitron_id"] == ["api.CHANNEL_OMNITRON_ID", "api.STOCK_LOCATION_OMNITRON_ID"]
    assert names["stock_location_conditions"] == ["api.RULE_STOCK_LOCATION_CONDITIONS"]
    assert names["township"] == ["api.ADDRESS_IDS", "Address.township"]  # a tuple's members
    assert "channels/" not in names and "PackageStatus" not in names  # a path, an enum value
    assert "enabled" not in wire_names("omsform_ginesys")  # a status value (NOT_WIRE_NAMES)
    assert wire_names("omsform_ginesys")["organization_unit_id"] == ["api.ORGANIZATION_UNIT"]
    # a dumped Spec's fields are wire names with no api.py copy
    assert names["remote_id"] == ["DenialReasonSpec.remote_id"]
    assert names["max_countdown"] == ["RetryCountdown.max_countdown"]
    assert names["is_fulfillment_center"] == ["StockLocationSpec.is_fulfillment_center"]


def test_the_channel_spec_has_exactly_the_wire_names_its_body_uses() -> None:
    """oms_channel sends ChannelSpec's fields under api.py names: they must be the same names."""
    wire = (oms_api.CHANNEL_NAME, oms_api.CHANNEL_OMNITRON_ID, *oms_channel.MANAGED)
    assert sorted(oms_channel.ChannelSpec.model_fields) == sorted(wire)
