"""``omsform schema``: every brand file under brands/ validates against it; mistakes an editor
should flag do not; the committed omsform.schema.json is current.

``jsonschema`` is not a dependency, so :func:`check` below validates the JSON Schema keywords the
generated schema uses and refuses any other keyword (it never silently accepts what it does not
understand)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from omsform.cli.main import main
from omsform.contract.provider import kind_index, registry
from omsform.lang.schema import brand_schema, schema_text
from omsform.lang.template import render

ROOT = Path(__file__).resolve().parents[2]
BRANDS = sorted(p.parent for p in (ROOT / "brands").glob("*/omsform.yaml"))
ANNOTATIONS = {"title", "description", "default", "examples", "$schema", "$defs", "deprecated"}
TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


class Invalid(Exception):
    """The instance does not match the schema (message names the path)."""


def _type_ok(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, TYPES[name])


def check(value: Any, schema: Any, root: dict[str, Any], path: str = "$") -> None:
    """Raise :class:`Invalid` unless ``value`` matches ``schema`` (draft 2020-12 subset)."""
    if schema is True or schema == {}:
        return
    if schema is False:
        raise Invalid(f"{path}: nothing is allowed here")
    for key, arg in schema.items():
        if key in ANNOTATIONS:
            continue
        rule = RULES.get(key)
        if rule is None:
            raise AssertionError(f"the test validator does not know the keyword {key!r}")
        rule(value, arg, schema, root, path)


def _ref(value: Any, arg: str, schema: Any, root: dict[str, Any], path: str) -> None:
    target: Any = root
    for part in arg.removeprefix("#/").split("/"):
        target = target[part]
    check(value, target, root, path)


def _any_of(value: Any, arg: list[Any], schema: Any, root: dict[str, Any], path: str) -> None:
    errors = []
    for sub in arg:
        try:
            check(value, sub, root, path)
            return
        except Invalid as err:
            errors.append(str(err))
    raise Invalid(" | ".join(errors))


def _type(value: Any, arg: Any, schema: Any, root: dict[str, Any], path: str) -> None:
    names = arg if isinstance(arg, list) else [arg]
    if not any(_type_ok(value, n) for n in names):
        raise Invalid(f"{path}: {value!r} is not of type {arg}")


def _properties(value: Any, arg: dict[str, Any], schema: Any, root: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, sub in arg.items():
            if key in value:
                check(value[key], sub, root, f"{path}.{key}")


def _additional(value: Any, arg: Any, schema: Any, root: dict[str, Any], path: str) -> None:
    if isinstance(value, dict):
        for key in set(value) - set(schema.get("properties", {})):
            if arg is False:
                raise Invalid(f"{path}: unknown key {key!r}")
            check(value[key], arg, root, f"{path}.{key}")


def _required(value: Any, arg: list[str], schema: Any, root: dict[str, Any], path: str) -> None:
    if isinstance(value, dict):
        missing = [k for k in arg if k not in value]
        if missing:
            raise Invalid(f"{path}: missing {missing}")


def _names(value: Any, arg: Any, schema: Any, root: dict[str, Any], path: str) -> None:
    if isinstance(value, dict):
        for key in value:
            check(key, arg, root, f"{path}[{key!r}]")


def _items(value: Any, arg: Any, schema: Any, root: dict[str, Any], path: str) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            check(item, arg, root, f"{path}[{i}]")


def _simple(test: Any, what: str) -> Any:
    def rule(value: Any, arg: Any, schema: Any, root: dict[str, Any], path: str) -> None:
        if not test(value, arg):
            raise Invalid(f"{path}: {value!r} fails {what} {arg!r}")

    return rule


def _num(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


RULES: dict[str, Any] = {
    "$ref": _ref,
    "anyOf": _any_of,
    "type": _type,
    "properties": _properties,
    "additionalProperties": _additional,
    "required": _required,
    "propertyNames": _names,
    "items": _items,
    "enum": _simple(lambda v, a: v in a, "enum"),
    "const": _simple(lambda v, a: v == a, "const"),
    "pattern": _simple(lambda v, a: not isinstance(v, str) or re.search(a, v), "pattern"),
    "minLength": _simple(lambda v, a: not isinstance(v, str) or len(v) >= a, "minLength"),
    "maxLength": _simple(lambda v, a: not isinstance(v, str) or len(v) <= a, "maxLength"),
    "minimum": _simple(lambda v, a: not _num(v) or v >= a, "minimum"),
    "maximum": _simple(lambda v, a: not _num(v) or v <= a, "maximum"),
    "exclusiveMinimum": _simple(lambda v, a: not _num(v) or v > a, "exclusiveMinimum"),
    "exclusiveMaximum": _simple(lambda v, a: not _num(v) or v < a, "exclusiveMaximum"),
    "uniqueItems": _simple(
        lambda v, a: (
            not (a and isinstance(v, list))
            or len({json.dumps(x, sort_keys=True) for x in v}) == len(v)
        ),
        "uniqueItems",
    ),
}


def valid(value: Any, schema: dict[str, Any] | None = None) -> bool:
    schema = schema or brand_schema()
    try:
        check(value, schema, schema)
        return True
    except Invalid:
        return False


def brand_documents(brand: Path) -> list[tuple[str, Any]]:
    """Every brand file as the loader reads it (resource files rendered with vars.yaml)."""
    variables = (
        yaml.safe_load((brand / "vars.yaml").read_text()) if (brand / "vars.yaml").is_file() else {}
    )
    docs = []
    for path in sorted(brand.glob("*.yaml")):
        if path.name == "vars.yaml":
            continue  # free-form template variables
        text = path.read_text()
        if path.name != "omsform.yaml":
            text, _ = render(text, path.name, variables or {})
        docs.append((path.name, yaml.safe_load(text)))
    return docs


@pytest.mark.parametrize("brand", BRANDS, ids=lambda p: p.name)
def test_every_brand_file_validates_against_the_schema(brand: Path) -> None:
    schema = brand_schema()
    for name, doc in brand_documents(brand):
        try:
            check(doc, schema, schema)
        except Invalid as err:
            pytest.fail(f"{brand.name}/{name}: {err}")


@pytest.mark.parametrize("brand", BRANDS, ids=lambda p: p.name)
def test_example_files_carry_the_modeline(brand: Path) -> None:
    for path in sorted(brand.glob("*.yaml")):
        if path.name != "vars.yaml":
            first = path.read_text().splitlines()[0]
            assert first.startswith("# yaml-language-server: $schema="), path.name
            target = (brand / first.split("$schema=", 1)[1]).resolve()
            assert target == ROOT / "omsform.schema.json", path.name


def test_the_committed_schema_is_current() -> None:
    committed = (ROOT / "omsform.schema.json").read_text()
    assert committed == schema_text(), "run: omsform schema -o omsform.schema.json"


def _a_kind_with_required_fields() -> tuple[str, Any, list[str]]:
    schema = brand_schema()
    for kind, cls in sorted(registry().kinds.items()):
        name = cls.spec_model.__name__
        required = schema["$defs"][name].get("required", [])
        if required:
            return kind, cls, required
    raise AssertionError("no kind has required fields")


def test_mistakes_an_editor_should_flag_are_invalid() -> None:
    assert not valid({"brand": "x", "providers": {"nope": {}}})  # unknown provider
    assert not valid({"brand": "x", "safety": {"max_change_fraction": "lots"}})
    assert not valid({"not_a_kind": {"a": {}}})
    kind, _, required = _a_kind_with_required_fields()
    assert not valid({kind: {"x": {required[0]: "v", "no_such_field": 1}}})
    assert not valid({kind: {"bad name!": {}}})


def test_interpolation_is_accepted_for_any_field() -> None:
    schema = brand_schema()
    config = {"brand": "x", "safety": {"min_existing": "${env.MIN}"}}
    assert valid(config, schema)
    for kind, (_, cls) in kind_index().items():
        for field in cls.spec_model.model_fields:
            body = {f: "${env.X}" for f in cls.spec_model.model_fields}
            assert valid({kind: {"name": body}}, schema), (kind, field)


def test_the_key_filled_from_the_local_name_may_be_left_out() -> None:
    for kind, (_, cls) in kind_index().items():
        if cls.name_field:
            required = brand_schema()["$defs"][cls.spec_model.__name__].get("required", [])
            assert cls.name_field not in required, kind


def test_schema_command_prints_it_and_writes_it(tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(main, ["schema"])
    assert printed.exit_code == 0
    assert set(json.loads(printed.stdout)["$defs"]["ResourceFile"]["properties"]) == set(
        kind_index()
    )
    target = tmp_path / "schema.json"
    written = runner.invoke(main, ["schema", "-o", str(target)])
    assert written.exit_code == 0 and target.read_text() == printed.stdout


def test_exclusive_is_offered_only_where_a_kind_has_open_maps() -> None:
    schema = brand_schema()
    web = {"name": "acme-web", "configuration": {"order_prefix": "WEB"}}
    assert valid({"oms_channel": {"web": {**web, "exclusive": True}}}, schema)
    assert valid({"oms_channel": {"web": {**web, "exclusive": ["configuration"]}}}, schema)
    assert not valid({"oms_channel": {"web": {**web, "exclusive": ["config"]}}}, schema)
    assert not valid({"oms_channel": {"web": {**web, "exclusive": "yes"}}}, schema)
    setting = {"ORDER_FILTERING": {"value": {}, "exclusive": True}}
    assert not valid({"oms_setting": setting}, schema)
