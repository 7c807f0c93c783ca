"""Checking one answer against its question (type, choices, bounds, then the `constraint`)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from surveys.errors import InvalidAnswer
from surveys.expressions import evaluate
from surveys.inputs import clean_text
from surveys.model import VOICE, AnswerValue, Question, QuestionType, Survey

#: Numbers beyond this are refused whatever the question's bounds: nobody means them.
NUMBER_LIMIT = 10**15


def validate(
    survey: Survey,
    question: Question,
    value: object,
    answers: Mapping[str, AnswerValue | None],
    *,
    today: dt.date | None = None,
) -> AnswerValue:
    """Check `value` for `question` and return it normalised (e.g. selections in choice order).

    `today` resolves `min`/`max: today` on date questions (defaults to the system date).
    Raises InvalidAnswer.
    """
    normalised = _typed(question, value, today or dt.date.today())
    if question.constraint is not None and not evaluate(
        question.constraint, answers, normalised, question.id
    ):
        raise InvalidAnswer("constraint", {}, question.constraint_message)
    return normalised


def _typed(question: Question, value: object, today: dt.date) -> AnswerValue:
    qtype = question.type
    if qtype is QuestionType.NOTE:
        raise InvalidAnswer("not_answerable")
    if value is None:
        raise InvalidAnswer("empty")
    if qtype in (QuestionType.SELECT_ONE, QuestionType.YES_NO):
        if not isinstance(value, str) or value not in question.choice_ids:
            raise InvalidAnswer("unknown_choice", {"choice": value})
        return value
    if qtype is QuestionType.SELECT_MULTIPLE:
        return _multiple(question, value)
    if qtype is QuestionType.RANK:
        return _rank(question, value)
    if qtype in (QuestionType.INTEGER, QuestionType.SCALE):
        return _bounded(question, _integer(value))
    if qtype is QuestionType.DECIMAL:
        return _bounded(question, float(_number(value)))
    if qtype is QuestionType.TEXT:
        return _text(question, value)
    return _date(question, value, today)


def _ids(question: Question, value: object) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise InvalidAnswer("unknown_choice", {"choice": value})
    for item in value:
        if item not in question.choice_ids:
            raise InvalidAnswer("unknown_choice", {"choice": item})
    return list(value)


def _multiple(question: Question, value: object) -> list[str]:
    chosen = set(_ids(question, value))
    low = 1 if question.min is None else int(question.min)
    high = len(question.choice_ids) if question.max is None else int(question.max)
    if len(chosen) < low:
        raise InvalidAnswer("too_few_selected", {"min": low, "max": high})
    if len(chosen) > high:
        raise InvalidAnswer("too_many_selected", {"min": low, "max": high})
    return [choice_id for choice_id in question.choice_ids if choice_id in chosen]


def _rank(question: Question, value: object) -> list[str]:
    ranked = _ids(question, value)
    if len(ranked) != question.rank_size or len(set(ranked)) != len(ranked):
        raise InvalidAnswer("rank_incomplete", {"top": question.rank_size})
    return ranked


def _number(value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidAnswer("not_a_number")
    if isinstance(value, float) and math.isnan(value):
        raise InvalidAnswer("not_a_number")
    if value >= NUMBER_LIMIT:
        raise InvalidAnswer("too_large", {"min": None, "max": NUMBER_LIMIT})
    if value <= -NUMBER_LIMIT:
        raise InvalidAnswer("too_small", {"min": -NUMBER_LIMIT, "max": None})
    return value


def _integer(value: object) -> int:
    number = _number(value)
    if isinstance(number, float):
        if not number.is_integer():
            raise InvalidAnswer("not_an_integer")
        return int(number)
    return number


def _bounded(question: Question, number: int | float) -> int | float:
    params = {"min": question.min, "max": question.max}
    if question.min is not None and number < question.min:
        raise InvalidAnswer("too_small", params)
    if question.max is not None and number > question.max:
        raise InvalidAnswer("too_large", params)
    return number


def _text(question: Question, value: object) -> str | dict[str, str | int]:
    if isinstance(value, Mapping) and question.accept_voice:
        return _voice(value)
    if not isinstance(value, str):
        raise InvalidAnswer("empty")
    text = clean_text(value)
    if not text:
        raise InvalidAnswer("empty")
    if question.max_length is not None and len(text) > question.max_length:
        raise InvalidAnswer("too_long", {"max_length": question.max_length, "length": len(text)})
    return text


def _voice(value: Mapping[object, object]) -> dict[str, str | int]:
    """A voice message: the messenger's file id and its duration in seconds."""
    file_id, duration = value.get(VOICE), value.get("duration")
    if not isinstance(file_id, str) or not file_id or not isinstance(duration, int) or duration < 0:
        raise InvalidAnswer("empty")
    return {VOICE: file_id, "duration": duration}


def _date(question: Question, value: object, today: dt.date) -> str:
    if isinstance(value, dt.datetime):
        raise InvalidAnswer("not_a_date")
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and len(value) == 10:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise InvalidAnswer("not_a_date") from None
    else:
        raise InvalidAnswer("not_a_date")
    low = _bound(question.min_date, today)
    high = _bound(question.max_date, today)
    params = {"min": low and low.isoformat(), "max": high and high.isoformat()}
    if low is not None and day < low:
        raise InvalidAnswer("date_too_early", params)
    if high is not None and day > high:
        raise InvalidAnswer("date_too_late", params)
    return day.isoformat()


def _bound(bound: str | None, today: dt.date) -> dt.date | None:
    if bound is None:
        return None
    return today if bound == "today" else dt.date.fromisoformat(bound)
