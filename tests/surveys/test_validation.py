"""validate(): every answer is checked against its question before it is stored."""

from __future__ import annotations

import datetime as dt

import pytest

from surveys import AnswerValue, InvalidAnswer, Survey, Text, validate
from tests.surveys.support import TODAY


def refused(
    survey: Survey, question_id: str, value: object, answers: dict[str, AnswerValue | None] | None = None
) -> InvalidAnswer:
    with pytest.raises(InvalidAnswer) as caught:
        validate(survey, survey.question(question_id), value, answers or {}, today=TODAY)
    return caught.value


def accepted(survey: Survey, question_id: str, value: object) -> AnswerValue:
    return validate(survey, survey.question(question_id), value, {}, today=TODAY)


def test_select_one_accepts_its_choices_and_other(all_types: Survey) -> None:
    """A select_one answer is one of its choice ids, or `other` when the question allows it."""
    assert accepted(all_types, "one", "green") == "green"
    assert accepted(all_types, "one", "other") == "other"
    assert refused(all_types, "one", "purple").code == "unknown_choice"
    assert refused(all_types, "one", ["red"]).code == "unknown_choice"


def test_yes_no_values(all_types: Survey) -> None:
    """yes_no answers are exactly 'yes' or 'no'."""
    assert accepted(all_types, "yn", "no") == "no"
    assert refused(all_types, "yn", "oui").params == {"choice": "oui"}


def test_select_multiple_is_normalised_to_choice_order(all_types: Survey) -> None:
    """Selections come back de-duplicated, in the order of the choices."""
    assert accepted(all_types, "many", ["blue", "red", "blue"]) == ["red", "blue"]


def test_select_multiple_bounds(all_types: Survey) -> None:
    """min/max bound the number of selections (at least one by default)."""
    error = refused(all_types, "many", ["red", "green", "blue"])
    assert (error.code, error.params) == ("too_many_selected", {"min": 1, "max": 2})
    assert refused(all_types, "many", []).code == "too_few_selected"
    assert refused(all_types, "many", ["red", "pink"]).params == {"choice": "pink"}


def test_rank_needs_exactly_top_distinct_choices(all_types: Survey) -> None:
    """A rank lists exactly `top` different choices, order kept."""
    assert accepted(all_types, "order", ["blue", "red"]) == ["blue", "red"]
    assert refused(all_types, "order", ["blue"]).params == {"top": 2}
    assert refused(all_types, "order", ["blue", "blue"]).code == "rank_incomplete"
    assert refused(all_types, "order", ["blue", "red", "green"]).code == "rank_incomplete"


def test_scale_range(all_types: Survey) -> None:
    """Scale answers are integers between min and max."""
    assert accepted(all_types, "scale", 10) == 10
    error = refused(all_types, "scale", 11)
    assert (error.code, error.params) == ("too_large", {"min": 0, "max": 10})
    assert refused(all_types, "scale", 2.5).code == "not_an_integer"
    assert refused(all_types, "scale", True).code == "not_a_number"


def test_integer_bounds(all_types: Survey) -> None:
    """Integers respect their min and max; integral floats are accepted as ints."""
    value = accepted(all_types, "count", 40.0)
    assert value == 40 and isinstance(value, int)
    assert refused(all_types, "count", -1).code == "too_small"
    assert refused(all_types, "count", "3").code == "not_a_number"


def test_decimal_is_a_float_within_bounds(all_types: Survey) -> None:
    """Decimals are stored as floats; NaN, infinity and out-of-range values are refused."""
    value = accepted(all_types, "amount", 12)
    assert value == 12.0 and isinstance(value, float)
    assert refused(all_types, "amount", 99.6).code == "too_large"
    assert refused(all_types, "amount", float("nan")).code == "not_a_number"
    assert refused(all_types, "amount", float("inf")).code == "too_large"


def test_text_length_and_cleaning(all_types: Survey) -> None:
    """Text is cleaned, must not be empty, and respects max_length."""
    assert accepted(all_types, "words", "  salut\u200b ") == "salut"
    error = refused(all_types, "words", "x" * 21)
    assert (error.code, error.params) == ("too_long", {"max_length": 20, "length": 21})
    assert refused(all_types, "words", "\u200b").code == "empty"


def test_date_range_with_today(all_types: Survey) -> None:
    """Dates are ISO strings within min/max, where `today` is the given day."""
    assert accepted(all_types, "day", "2025-03-15") == "2025-03-15"
    assert accepted(all_types, "day", dt.date(2025, 1, 1)) == "2025-01-01"
    error = refused(all_types, "day", "2025-03-16")
    assert (error.code, error.params) == ("date_too_late", {"min": "2025-01-01", "max": "2025-03-15"})
    assert refused(all_types, "day", "2024-12-31").code == "date_too_early"
    assert refused(all_types, "day", "15/03/2025").code == "not_a_date"


def test_notes_take_no_answer(all_types: Survey) -> None:
    """Answering a note is refused."""
    assert refused(all_types, "welcome", "x").code == "not_answerable"


def test_constraint_failure_carries_the_survey_message(mini: Survey) -> None:
    """A failed constraint raises `constraint` with the survey's own constraint_message."""
    error = refused(mini, "age", 99)
    assert error.code == "constraint"
    assert isinstance(error.message, Text) and error.message.get("en") == "Really?"
    assert accepted(mini, "age", 98) == 98


def test_type_checks_come_before_the_constraint(mini: Survey) -> None:
    """Bounds are checked before the constraint, so the resident gets the most specific message."""
    assert refused(mini, "age", 150).code == "too_large"
