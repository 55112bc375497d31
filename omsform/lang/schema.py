"""``omsform schema``: one JSON Schema (draft 2020-12) for every file of a brand directory.

A brand file is either ``omsform.yaml`` (``$defs/BrandConfig``, with each installed provider's
block) or a resource file (``$defs/ResourceFile``: kind → local name → the kind's Spec fields).
Everything comes from the installed providers' pydantic models, so a new kind needs no change
here; kinds with open maps get the meta field ``exclusive``. Two loader rules are built in so
that valid files never show false errors in an editor:
any value may instead be a ``${...}`` interpolation, and the key field a kind fills from the
local name (``name_field``) is optional. Editors pick the schema up from the first line of a
file::

    # yaml-language-server: $schema=../../omsform.schema.json
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from omsform.contract.provider import registry
from omsform.lang.config import BrandConfig
from omsform.plan.openmaps import EXCLUSIVE

DIALECT = "https://json-schema.org/draft/2020-12/schema"
LOCAL_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_-]*$"
INTERPOLATION = {
    "type": "string",
    "pattern": r"\$\{[^}]+\}",
    "description": "${kind.name}, ${kind.name.field}, ${env.NAME} or ${secret.NAME}",
}
_ANNOTATIONS = ("title", "description", "default", "examples")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _def_name(ref: dict[str, Any]) -> str:
    return str(ref["$ref"]).rsplit("/", 1)[-1]


def _interpolable(schema: Any) -> Any:
    """``schema`` or any ``${...}`` string; annotations stay outside for editor hovers."""
    if not isinstance(schema, dict) or schema == {}:
        return schema  # {} already accepts anything
    inner = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    outer = {k: v for k, v in schema.items() if k in _ANNOTATIONS}
    return {**outer, "anyOf": [_walk(inner), _ref("Interpolation")]}


def _walk(schema: Any) -> Any:
    """Make every property, list item and map value of ``schema`` interpolable."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: _interpolable(v) for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = _interpolable(out["items"])
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = _interpolable(out["additionalProperties"])
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if isinstance(out.get(key), list):
            out[key] = [_walk(s) for s in out[key]]
    return out


_LENIENT = ("before", "wrap", "plain")


def _nested_models(model: type[BaseModel], found: dict[str, type[BaseModel]]) -> None:
    """``found`` gets ``model`` and every model its fields use, by name."""
    if model.__name__ in found:
        return
    found[model.__name__] = model
    for info in model.model_fields.values():
        for arg in _type_args(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                _nested_models(arg, found)


def _type_args(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _type_args(arg)


def _lenient(defs: dict[str, Any], models: dict[str, type[BaseModel]]) -> None:
    """Accept anything where a model converts its input before validating it (a shorthand such
    as ``{stock: desc}``, ``null`` for ``""``): the schema cannot describe what it turns into a
    valid value, and an editor must never flag a file the loader accepts."""
    for name, model in models.items():
        schema = defs.get(name)
        if schema is None:
            continue
        decorators = model.__pydantic_decorators__
        if any(d.info.mode in _LENIENT[:2] for d in decorators.model_validators.values()):
            defs[name] = {"anyOf": [schema, {}]}
            continue
        for decorator in decorators.field_validators.values():
            if decorator.info.mode in _LENIENT:
                for field in decorator.info.fields:
                    info = model.model_fields.get(field)
                    key = (info.alias if info else None) or field
                    if key in schema.get("properties", {}):
                        schema["properties"][key] = _or_anything(schema["properties"][key])


def _or_anything(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or any value; its annotations stay outside so editors still show them."""
    inner = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    outer = {k: v for k, v in schema.items() if k in _ANNOTATIONS}
    return {**outer, "anyOf": [inner, {}]}


def _exclusive(open_maps: tuple[str, ...]) -> dict[str, Any]:
    """The meta field ``exclusive`` of a kind with open maps (see :mod:`omsform.plan.openmaps`)."""
    return {
        "description": (
            f"Open maps ({', '.join(open_maps)}) own only the keys declared here; other live keys "
            "are kept. true (or a list of open maps) sends them exactly as declared instead, "
            "removing every other key."
        ),
        "examples": [True],
        "anyOf": [
            {"type": "boolean"},
            {"type": "array", "items": {"enum": list(open_maps)}},
        ],
    }


def _kinds() -> Iterator[tuple[str, Any]]:
    for provider in sorted(registry().providers.values(), key=lambda p: p.name):
        yield from sorted(provider.kinds().items())


def _doc(obj: Any) -> str:
    return " ".join((obj.__doc__ or "").split())


def brand_schema() -> dict[str, Any]:
    """The JSON Schema of ``omsform.yaml`` and of resource files."""
    providers = sorted(registry().providers.values(), key=lambda p: p.name)
    kinds = list(_kinds())
    models: list[type[BaseModel]] = [BrandConfig, *(p.config_model for p in providers)]
    models += [cls.spec_model for _, cls in kinds]
    refs, top = models_json_schema(
        [(m, "validation") for m in dict.fromkeys(models)], ref_template="#/$defs/{model}"
    )
    defs: dict[str, Any] = {k: _walk(v) for k, v in top.get("$defs", {}).items()}
    defs["Interpolation"] = INTERPOLATION

    config = defs[_def_name(refs[(BrandConfig, "validation")])]
    config["properties"]["providers"] = {
        "description": "Provider blocks: URL and credentials (use ${env.…} and ${secret.…}).",
        "examples": [{"akinon_oms": {"url": "${env.ACME_OMS_URL}", "token": "${secret.T}"}}],
        "type": "object",
        "properties": {
            p.name: _ref(_def_name(refs[(p.config_model, "validation")])) for p in providers
        },
        "additionalProperties": False,
    }
    files = {kind: _resource_file(cls, refs, defs) for kind, cls in kinds}
    nested: dict[str, type[BaseModel]] = {}
    for model in models:
        _nested_models(model, nested)
    _lenient(defs, nested)
    defs["ResourceFile"] = {
        "description": "A resource file: kind → local name → fields.",
        "type": ["object", "null"],
        "properties": files,
        "additionalProperties": False,
    }
    return {
        "$schema": DIALECT,
        "title": "omsform brand file",
        "description": "omsform.yaml, or a resource file of an omsform brand directory.",
        "anyOf": [_ref(_def_name(refs[(BrandConfig, "validation")])), _ref("ResourceFile")],
        "$defs": dict(sorted(defs.items())),
    }


def _resource_file(cls: Any, refs: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of one kind's section of a resource file (its spec in ``defs`` adjusted: the
    name field is optional, open maps allow ``exclusive``)."""
    spec_name = _def_name(refs[(cls.spec_model, "validation")])
    spec = defs[spec_name]
    if cls.name_field and cls.name_field in spec.get("required", []):
        spec["required"] = [f for f in spec["required"] if f != cls.name_field]
    if cls.open_maps:
        spec.setdefault("properties", {})[EXCLUSIVE] = _exclusive(cls.open_maps)
    key = ", ".join(cls.key_fields) or "none (one object)"
    return {
        "description": f"{_doc(cls)} Natural key: {key}.",
        "type": ["object", "null"],
        "propertyNames": {"pattern": LOCAL_NAME},
        "additionalProperties": {"anyOf": [_ref(spec_name), {"type": "null"}]},
    }


def schema_text() -> str:
    """:func:`brand_schema` as the text ``omsform schema`` prints (stable, ends with a newline)."""
    return json.dumps(brand_schema(), indent=2, ensure_ascii=False) + "\n"
