"""Expressions: parsing, precedence, functions and XLSForm's '' semantics."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from surveys import ExpressionError, evaluate, parse_expression
from surveys.expressions import Binary, Call, Literal, Ref


def holds(source: str, answers: Mapping[str, object] | None = None, current: object = None) -> bool:
    return evaluate(parse_expression(source), answers or {}, current)


def test_and_binds_tighter_than_or() -> None:
    """`a or b and c` is `a or (b and c)`."""
    node = parse_expression("${a} = 1 or ${b} = 2 and ${c} = 3").node
    assert isinstance(node, Binary) and node.op == "or"
    assert isinstance(node.right, Binary) and node.right.op == "and"
    assert holds("1 = 1 or 1 = 2 and 1 = 3")
    assert not holds("(1 = 1 or 1 = 2) and 1 = 3")


def test_comparison_binds_tighter_than_and() -> None:
    """`${a} > 1 and ${b} = 'x'` compares first, then combines."""
    assert holds("${a} > 1 and ${b} = 'x'", {"a": 2, "b": "x"})
    assert not holds("${a} > 1 and ${b} = 'x'", {"a": 0, "b": "x"})


def test_literals_references_and_calls_parse_to_an_ast() -> None:
    """Numbers, both quote styles, refs and function calls become AST nodes."""
    node = parse_expression("""selected(${q}, "a") and 'b' != 2.5""").node
    assert isinstance(node, Binary)
    assert node.left == Call("selected", (Ref("q"), Literal("a")))
    assert node.right == Binary("!=", Literal("b"), Literal(2.5))
    assert parse_expression("-3 < .").canonical == "(-3 < .)"


def test_unanswered_question_reads_as_empty_string() -> None:
    """An unanswered (or skipped) question equals '' and is not greater than any number."""
    assert holds("${q} = ''", {})
    assert holds("${q} = ''", {"q": None})
    assert not holds("${q} > 3", {})
    assert not holds("${q} < 3", {})
    assert not holds("${q} = 0", {})
    assert holds("${q} != 3", {})


def test_numbers_compare_numerically_even_from_strings() -> None:
    """A numeric string against a number compares as numbers (10 > 9, not '10' < '9')."""
    assert holds("${q} > 9", {"q": 10})
    assert holds("${q} > 9", {"q": "10"})
    assert holds("${q} = 4", {"q": "4.0"})
    assert not holds("${q} > 9", {"q": "abc"})
    assert holds("${q} != 9", {"q": "abc"})


def test_strings_compare_lexically() -> None:
    """Two strings compare as text, which also orders ISO dates correctly."""
    assert holds("${d} >= '2025-01-01'", {"d": "2025-03-15"})
    assert not holds("'10' > '9'")


def test_yes_no_values_compare_as_strings() -> None:
    """yes_no answers are the strings 'yes' and 'no'."""
    assert holds("${kids} = 'yes'", {"kids": "yes"})
    assert not holds("${kids} = 'yes'", {"kids": "no"})


def test_select_multiple_equals_its_space_joined_ids() -> None:
    """In `=`, a multiple selection reads as its ids joined by spaces (XLSForm style)."""
    assert holds("${m} = 'a c'", {"m": ["a", "c"]})
    assert not holds("${m} = 'a'", {"m": ["a", "c"]})


def test_selected_and_count_selected() -> None:
    """selected() tests one choice; count-selected() counts them; both work on select_one too."""
    answers = {"m": ["a", "c"], "one": "b"}
    assert holds("selected(${m}, 'c') and not(selected(${m}, 'b'))", answers)
    assert holds("count-selected(${m}) = 2", answers)
    assert holds("selected(${one}, 'b') and count-selected(${one}) = 1", answers)
    assert holds("count-selected(${none}) = 0", answers)


def test_string_length() -> None:
    """string-length counts characters of the value, '' for unanswered."""
    assert holds("string-length(.) <= 5", current="héllo")
    assert holds("string-length(${x}) = 0")
    assert holds("string-length(${n}) = 3", {"n": 120})


def test_current_answer_and_self_reference() -> None:
    """`.` is the value being validated; a reference to the validated question reads it too."""
    expression = parse_expression(". >= 18 and ${age} < 120")
    assert evaluate(expression, {}, 30, "age")
    assert not evaluate(expression, {"age": 500}, 12, "age")


def test_not_and_truthiness() -> None:
    """not() negates; '' and 0 are false, other values true."""
    assert holds("not(${q})")
    assert not holds("not(${q})", {"q": "x"})
    assert holds("not(0)") and not holds("not(1)")


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("${a} = ", "unexpected end of expression", 8),
        ("(${a} = 1", "expected ')'", 10),
        ("${a} = 'x", "unterminated string", 8),
        ("${a} == 1", "unexpected '='", 7),
        ("${a b} = 1", "invalid question reference", 1),
        ("yes = ${a}", "unexpected name 'yes'", 1),
        ("today() > 1", "unknown function 'today'", 1),
        ("selected(${a})", "takes 2 arguments", 1),
        ("${a} = 1 #", "unexpected character '#'", 10),
        ("   ", "empty expression", 1),
    ],
)
def test_syntax_errors_name_the_column(source: str, message: str, column: int) -> None:
    """Each syntax error explains itself and points at the 1-based column."""
    with pytest.raises(ExpressionError) as caught:
        parse_expression(source)
    assert message in caught.value.message
    assert caught.value.position + 1 == column


def test_canonical_form_ignores_spacing_and_quotes() -> None:
    """Spacing and quote style don't change an expression's identity (used by structure keys)."""
    a, b = parse_expression("${a}='x'  and ${b}>1"), parse_expression('${a} = "x" and ${b} > 1')
    assert a == b and a.canonical == b.canonical
