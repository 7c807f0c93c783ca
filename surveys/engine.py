"""The survey engine: pure functions from (survey, answers) to the next step.

`answers` maps question id → value; None means skipped; a missing key means not dealt with yet.
Functions never modify `answers`: they return new dicts.

Relevance is computed in one pass in file order, reading only answers of questions that are
themselves relevant. Expressions may only refer to earlier questions (the loader enforces it),
so that single pass is already the fixed point of "drop irrelevant answers until stable".

InvalidAnswer codes (params in brackets):

- ``not_a_number``: typed text or value is not a number
- ``not_an_integer``: a number with a fraction where a whole number is needed
- ``too_small`` / ``too_large`` [min, max]: outside the question's bounds (either may be None)
- ``too_long`` [max_length, length]: text longer than the question allows
- ``empty``: nothing left after cleaning (or no value at all)
- ``not_a_date``: not a date, or no such day (31/02)
- ``date_too_early`` / ``date_too_late`` [min, max]: ISO dates, `today` already resolved
- ``unknown_choice`` [choice]: not one of the question's choice ids
- ``too_few_selected`` / ``too_many_selected`` [min, max]: select_multiple bounds
- ``rank_incomplete`` [top]: a rank must list exactly `top` different choices
- ``constraint``: the survey's own `constraint` failed; `message` is its `constraint_message`
- ``required``: a required question can't be skipped
- ``not_answerable``: notes take no answer
- ``expects_choice``: text was typed for a question answered with buttons (`parse_text`)
- ``unknown_question`` [question]: no question with that id (stale callback data)
- ``not_relevant`` [question]: the question is not asked given the current answers
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from surveys.errors import InvalidAnswer
from surveys.expressions import evaluate
from surveys.model import OTHER, AnswerValue, Question, Survey
from surveys.validation import validate

__all__ = [
    "Answers",
    "Ask",
    "Review",
    "Step",
    "apply_answer",
    "ask",
    "is_relevant",
    "needs_other_text",
    "next_step",
    "previous_question",
    "prune",
    "skip",
    "summary_items",
    "validate",
]

Answers = Mapping[str, AnswerValue | None]


@dataclass(frozen=True, slots=True)
class Ask:
    """Ask `question`, shown as "Question `position` of `total`", after showing `notes`."""

    question: Question
    position: int
    total: int
    notes: tuple[Question, ...] = ()


@dataclass(frozen=True, slots=True)
class Review:
    """Every relevant question has been dealt with: show `notes`, then the answers to confirm."""

    notes: tuple[Question, ...] = ()


Step = Ask | Review


def _relevance(survey: Survey, answers: Answers) -> tuple[list[bool], dict[str, AnswerValue | None]]:
    """Per question, whether it is relevant; and the answers that still count, in file order."""
    flags: list[bool] = []
    kept: dict[str, AnswerValue | None] = {}
    for question in survey.questions:
        relevant = question.relevant is None or evaluate(question.relevant, kept)
        flags.append(relevant)
        if relevant and not question.is_note and question.id in answers:
            kept[question.id] = answers[question.id]
    return flags, kept


def _question(survey: Survey, question_id: str) -> Question:
    if not isinstance(question_id, str) or not survey.has_question(question_id):
        raise InvalidAnswer("unknown_question", {"question": question_id})
    return survey.question(question_id)


def is_relevant(survey: Survey, question: Question, answers: Answers) -> bool:
    """Whether `question` is asked given `answers` (answers to irrelevant questions read as '')."""
    flags, _ = _relevance(survey, answers)
    return flags[survey.index_of(question.id)]


def prune(survey: Survey, answers: Answers) -> dict[str, AnswerValue | None]:
    """A new dict without answers to irrelevant questions, notes or unknown ids."""
    return _relevance(survey, answers)[1]


def _ask(survey: Survey, flags: list[bool], index: int) -> Ask:
    asked = [i for i, q in enumerate(survey.questions) if flags[i] and not q.is_note]
    return Ask(
        survey.questions[index], asked.index(index) + 1, len(asked), _notes_before(survey, flags, index)
    )


def _notes_before(survey: Survey, flags: list[bool], index: int) -> tuple[Question, ...]:
    """Relevant notes since the previous relevant question (so each note is shown once)."""
    notes: list[Question] = []
    for i in range(index - 1, -1, -1):
        question = survey.questions[i]
        if flags[i] and not question.is_note:
            break
        if flags[i]:
            notes.append(question)
    return tuple(reversed(notes))


def next_step(survey: Survey, answers: Answers) -> Step:
    """The first relevant question not dealt with yet, or Review when there is none."""
    flags, kept = _relevance(survey, answers)
    for index, question in enumerate(survey.questions):
        if flags[index] and not question.is_note and question.id not in kept:
            return _ask(survey, flags, index)
    return Review(_notes_before(survey, flags, len(survey.questions)))


def ask(survey: Survey, answers: Answers, question_id: str) -> Ask:
    """Ask a given question again (Back, or "change this answer" on the review screen)."""
    question = _question(survey, question_id)
    if question.is_note:
        raise InvalidAnswer("not_answerable")
    flags, _ = _relevance(survey, answers)
    index = survey.index_of(question_id)
    if not flags[index]:
        raise InvalidAnswer("not_relevant", {"question": question_id})
    return _ask(survey, flags, index)


def previous_question(survey: Survey, answers: Answers, current_id: str | None) -> Question | None:
    """The relevant question before `current_id` (None: the review), or None at the first one."""
    end = len(survey.questions) if current_id is None else survey.index_of(_question(survey, current_id).id)
    flags, _ = _relevance(survey, answers)
    for index in range(end - 1, -1, -1):
        if flags[index] and not survey.questions[index].is_note:
            return survey.questions[index]
    return None


def _answerable(survey: Survey, answers: Answers, question_id: str) -> Question:
    question = _question(survey, question_id)
    if question.is_note:
        raise InvalidAnswer("not_answerable")
    if not is_relevant(survey, question, answers):
        raise InvalidAnswer("not_relevant", {"question": question_id})
    return question


def apply_answer(
    survey: Survey, answers: Answers, question_id: str, value: object, *, today: dt.date | None = None
) -> dict[str, AnswerValue | None]:
    """Validate and record an answer; answers that are no longer relevant are dropped."""
    question = _answerable(survey, answers, question_id)
    current = prune(survey, answers)
    normalised = validate(survey, question, value, current, today=today)
    return prune(survey, {**current, question_id: normalised})


def skip(survey: Survey, answers: Answers, question_id: str) -> dict[str, AnswerValue | None]:
    """Record that an optional question was skipped (value None)."""
    question = _answerable(survey, answers, question_id)
    if question.required:
        raise InvalidAnswer("required")
    return prune(survey, {**answers, question_id: None})


def summary_items(survey: Survey, answers: Answers) -> list[tuple[Question, AnswerValue | None]]:
    """Relevant, dealt-with questions and their values (None when skipped), in file order."""
    kept = prune(survey, answers)
    return [(q, kept[q.id]) for q in survey.questions if q.id in kept]


def needs_other_text(question: Question, value: AnswerValue | None) -> bool:
    """Whether the bot should ask "please specify" after this answer (the `other` choice was picked)."""
    if not question.other:
        return False
    if isinstance(value, list):
        return OTHER in value
    return value == OTHER
