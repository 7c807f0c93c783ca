"""parse_text: numbers, dates and free text as residents really type them."""

from __future__ import annotations

import pytest

from surveys import InvalidAnswer, Question, QuestionType, Text, parse_text

LABEL = Text.of("fr", "Q")
INTEGER = Question("n", QuestionType.INTEGER, LABEL)
DECIMAL = Question("d", QuestionType.DECIMAL, LABEL)
DATE = Question("day", QuestionType.DATE, LABEL)
TEXT = Question("t", QuestionType.TEXT, LABEL, max_length=1000)
SCALE = Question("s", QuestionType.SCALE, LABEL, min=1, max=5)


def code_of(question: Question, text: str) -> str:
    with pytest.raises(InvalidAnswer) as caught:
        parse_text(question, text)
    return caught.value.code


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("42", 42),
        ("  42 ", 42),
        ("-3", -3),
        ("−3", -3),
        ("1 200", 1200),
        ("1\u00a0200", 1200),
        ("12 345 678", 12345678),
        ("٤٢", 42),
        ("۴۲", 42),
        ("١ ٢٠٠", 1200),
        ("7,0", 7),
        ("7.0", 7),
    ],
)
def test_integer_forms(typed: str, value: int) -> None:
    """Integers accept spaces, thousands spaces, a minus, Arabic-Indic and Persian digits."""
    parsed = parse_text(INTEGER, typed)
    assert parsed == value and isinstance(parsed, int)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("12,5", 12.5),
        ("12.5", 12.5),
        ("1 234,56", 1234.56),
        ("-0,5", -0.5),
        (",5", 0.5),
        ("٣٫٥", 3.5),
        ("3", 3.0),
    ],
)
def test_decimal_forms(typed: str, value: float) -> None:
    """Decimals accept a comma or a point (and the Arabic decimal separator), and return floats."""
    parsed = parse_text(DECIMAL, typed)
    assert parsed == pytest.approx(value) and isinstance(parsed, float)


@pytest.mark.parametrize("typed", ["abc", "12a", "1,2,3", "1 20", "--1", "1e5", "12,", "9" * 100])
def test_not_a_number(typed: str) -> None:
    """Anything that isn't plainly a number is refused as not_a_number."""
    assert code_of(DECIMAL, typed) == "not_a_number"


def test_fraction_for_an_integer_question() -> None:
    """A fraction where a whole number is needed gets its own code."""
    assert code_of(INTEGER, "2,5") == "not_an_integer"


def test_empty_input() -> None:
    """Blank or invisible-only input is `empty`."""
    assert code_of(INTEGER, "   ") == "empty"
    assert code_of(TEXT, " \u200b\u202e ") == "empty"
    assert code_of(DATE, "") == "empty"


@pytest.mark.parametrize(
    "typed",
    [
        "15/03/2025",
        "15/3/2025",
        "15-03-2025",
        "15.03.2025",
        "2025-03-15",
        "١٥/٠٣/٢٠٢٥",
        "۱۵/۰۳/۲۰۲۵",
        " 15 / 03 / 2025 ",
    ],
)
def test_date_forms(typed: str) -> None:
    """Dates are day first (or ISO), with /, - or . separators, in any digit script."""
    assert parse_text(DATE, typed) == "2025-03-15"


def test_short_day_and_month() -> None:
    """d/m/yyyy is accepted."""
    assert parse_text(DATE, "5/3/2025") == "2025-03-05"


@pytest.mark.parametrize(
    "typed", ["31/02/2025", "15/13/2025", "2025/03/15", "15/03/25", "15/03-2025", "demain"]
)
def test_not_a_date(typed: str) -> None:
    """Impossible days, two-digit years, mixed separators and words are not dates."""
    assert code_of(DATE, typed) == "not_a_date"


def test_text_is_cleaned() -> None:
    """Free text is stripped of surrounding space, zero-width and bidi controls and NUL."""
    assert parse_text(TEXT, "  Plus de\u200b cours\u202e\u2066 le soir\x00 \ufeff") == "Plus de cours le soir"
    assert parse_text(TEXT, "مرحبا\u200f") == "مرحبا"


def test_scale_can_be_typed() -> None:
    """A typed scale value is parsed as an integer."""
    assert parse_text(SCALE, " ٤ ") == 4


def test_choice_questions_expect_buttons() -> None:
    """Typing to a choice question is answered with `expects_choice`; to a note with `not_answerable`."""
    assert code_of(Question("c", QuestionType.YES_NO, LABEL), "oui") == "expects_choice"
    assert code_of(Question("n", QuestionType.NOTE, LABEL, required=False), "x") == "not_answerable"
