"""Jinja rendering of resource files: sandboxed, strict, and errors located in the template."""

from __future__ import annotations

import pytest

from omsform.lang.template import LineMap, TemplateProblem, is_template, render

VARS = {"region": "tr", "stores": [{"code": "IST"}, {"code": "ANK"}]}


def problem(source: str) -> TemplateProblem:
    with pytest.raises(TemplateProblem) as caught:
        render(source, "f.yaml", VARS)
    return caught.value


def test_text_without_markup_is_returned_as_is() -> None:
    source = "a: ${env.X}\nb: 1\n"
    text, line_map = render(source, "f.yaml", VARS)
    assert text is source
    assert line_map.source_line(2) == (2, True)
    assert not is_template(source)


def test_vars_loops_and_filters() -> None:
    source = (
        "region: {{ vars.region | upper }}\n"
        "{% for s in vars.stores %}\n{{ s.code }}: 1\n{% endfor %}\n"
    )
    text, _ = render(source, "f.yaml", VARS)
    assert text == "region: TR\nIST: 1\nANK: 1\n"


def test_dollar_interpolation_is_left_for_omsform() -> None:
    text, _ = render("a: {{ vars.region }}-${secret.X}\n", "f.yaml", VARS)
    assert text == "a: tr-${secret.X}\n"


def test_undefined_names_are_errors_with_line_and_column() -> None:
    found = problem("a: 1\nb: {{ vars.regoin }}\n")
    assert (found.line, found.column) == (2, 12)
    assert "has no attribute 'regoin'" in found.message
    assert found.hint == "did you mean 'region'?"


def test_an_undefined_top_level_name_suggests_vars() -> None:
    found = problem("{% for s in stores %}{% endfor %}\n")
    assert found.message == "undefined template variable 'stores'"
    assert found.hint == "write vars.stores"


def test_undefined_inside_a_loop_points_at_the_loop_body_line() -> None:
    found = problem("x:\n{% for s in vars.stores %}\n  {{ s.nope }}: 1\n{% endfor %}\n")
    assert (found.line, found.column) == (3, 8)


def test_the_process_environment_is_not_reachable() -> None:
    for source in ("{{ env.HOME }}", "{{ environ }}", "{{ os.environ }}"):
        assert "undefined template variable" in problem(source).message


def test_the_sandbox_blocks_python_internals() -> None:
    found = problem("a: {{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    assert "sandbox" in found.message


def test_includes_have_no_loader() -> None:
    assert "template error" in problem("{% include 'other.yaml' %}\n").message


def test_syntax_errors_give_the_line() -> None:
    found = problem("a: 1\nb: {% if %}\n")
    assert found.line == 2
    assert found.message.startswith("template syntax error")


def test_exceptions_inside_expressions_are_problems() -> None:
    found = problem("a: 1\nb: {{ 1 // 0 }}\n")
    assert found.line == 2 and "ZeroDivisionError" in found.message


def test_rendered_lines_map_back_to_template_lines() -> None:
    source = (
        "# header\n"
        "tp_location:\n"
        "{% for s in vars.stores %}\n"
        "  {{ s.code | lower }}:\n"
        "    erp_code: {{ s.code }}\n"
        "{% endfor %}\n"
        "tail: 1\n"
    )
    text, line_map = render(source, "f.yaml", VARS)
    rendered = text.splitlines()
    assert rendered[5] == "    erp_code: ANK"
    assert line_map.source_line(6) == (5, True)
    assert line_map.source_line(3) == (4, True)
    assert line_map.source_line(len(rendered)) == (7, True)


def test_lines_of_unknown_origin_are_not_guessed() -> None:
    # "-%}" strips the indentation that would carry the marker: those lines stay unknown
    source = "a:\n{% for s in vars.stores -%}\n  - {{ s.code }}\n{% endfor %}\nb: 2\n"
    text, line_map = render(source, "f.yaml", VARS)
    assert text == "a:\n- IST\n- ANK\nb: 2\n"
    assert line_map.source_line(2) == (2, False)
    assert line_map.source_line(4) == (5, True)


def test_line_map_fallback_matches_unique_lines() -> None:
    line_map = LineMap.between("a: 1\nx\nb: 2\n", "a: 1\ny\ny\nb: 2\n")
    assert line_map.source_line(4) == (3, True)
    assert line_map.source_line(2) == (2, False)
