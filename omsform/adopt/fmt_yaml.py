"""omsform's YAML dialect for rewriting brand files with ruamel.yaml (comments kept).

Scalars are resolved exactly as omsform's loader (PyYAML, YAML 1.1) resolves them, so ``yes``
stays a boolean and a quoted ``'on'`` stays a string; mapping keys are always text. Strings are
written plain unless a YAML 1.2 reader (an editor) could take them for something else (then
single-quoted), ``null`` is spelled out, mappings are indented by 2 and block sequences by 4
with the dash at 2, and no line is folded.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import MappingNode, ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.resolver import Resolver as Yaml12Resolver
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from omsform.lang.nodes import Converter, SyntaxProblem, compose

STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
_PYYAML = pyyaml.resolver.Resolver()
_YAML12 = Yaml12Resolver()


class _LoaderResolver(VersionedResolver):
    """Resolves plain scalars as omsform's loader does: PyYAML's YAML 1.1 rules for values,
    always text for mapping keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._is_key: list[bool] = []

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self._is_key.append(isinstance(current_node, MappingNode) and current_index is None)
        super().descend_resolver(current_node, current_index)

    def ascend_resolver(self) -> None:
        if self._is_key:
            self._is_key.pop()
        super().ascend_resolver()

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0]:
            if self._is_key and self._is_key[-1]:
                return Tag(suffix=STR)
            return Tag(suffix=_PYYAML.resolve(pyyaml.ScalarNode, value, implicit))
        return super().resolve(kind, value, implicit)


class _Representer(RoundTripRepresenter):
    """Quotes a string that a YAML 1.2 reader (an editor) would take for a number or boolean
    too, and spells out ``null``."""


def _represent_str(rep: Any, data: str) -> Any:
    if _YAML12.resolve(ScalarNode, data, (True, False)) != Tag(suffix=STR):
        return rep.represent_scalar(STR, data, style="'")
    return RoundTripRepresenter.represent_str(rep, data)


def _represent_none(rep: Any, data: None) -> Any:
    return rep.represent_scalar(NULL, "null")


_Representer.add_representer(str, _represent_str)
_Representer.add_representer(type(None), _represent_none)


def new_yaml() -> YAML:
    """A round-trip ruamel.yaml instance in omsform's canonical dialect."""
    y = YAML()
    y.Resolver = _LoaderResolver
    y.Representer = _Representer
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 1_000_000  # never fold a long string or list onto a second line
    y.preserve_quotes = False
    y.brace_single_entry_mapping_in_flow_sequence = True  # [{stock: desc}], not [stock: desc]
    return y


def dump(data: Any) -> str:
    """``data`` (plain or ruamel round-trip values) as canonical YAML text."""
    out = io.StringIO()
    new_yaml().dump(data, out)
    return out.getvalue()


def commented(data: Any) -> Any:
    """Plain data as ruamel values: lists of scalars in flow style (``[a, b]``), the rest block."""
    if isinstance(data, Mapping):
        node = CommentedMap()
        for key, value in data.items():
            node[key] = commented(value)
        return node
    if isinstance(data, list | tuple):
        seq = CommentedSeq(commented(v) for v in data)
        if all(not isinstance(v, Mapping | list | tuple) for v in data):
            seq.fa.set_flow_style()
        return seq
    return data


def load_like_omsform(text: str) -> Any:
    """The values omsform's loader reads from ``text`` (``SyntaxProblem`` when it cannot)."""
    problems: list[str] = []
    root = compose(text)
    if root is None:
        return None
    value = Converter(lambda node, message, hint: problems.append(message)).value(root)
    if problems:
        raise SyntaxProblem("; ".join(problems), 0, 0)
    return value
