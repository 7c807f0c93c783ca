"""Labels of answer codes in a language, for figures and exports.

Survey texts come from the survey; the labels the bot itself gives (Yes, No, Other) come from its catalogs
through a `Translate` function handed in by the caller, so this module needs no i18n machinery.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.errors import N_
from surveys import OTHER, Question, QuestionType, Survey

#: (English msgid, language) -> the text in that language.
Translate = Callable[[str, str], str]

BOT_LABELS = {"yes": N_("Yes"), "no": N_("No"), OTHER: N_("Other")}


def untranslated(message: str, _language: str) -> str:
    return message


def choice_label(survey: Survey, question: Question, code: str, language: str, translate: Translate) -> str:
    """The label residents saw for an answer code; the code itself when it is not a listed choice."""
    if question.type is QuestionType.YES_NO or (code == OTHER and question.other):
        return translate(BOT_LABELS[code], language) if code in BOT_LABELS else code
    for choice in survey.choices_for(question):
        if choice.id == code:
            return choice.label.get(language)
    return code


def chart_codes(question: Question) -> list[str]:
    """The categories counted for a question shown as a distribution (empty: not such a question)."""
    if question.type in {QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.YES_NO}:
        return list(question.choice_ids)
    if question.type is QuestionType.RANK:
        return [choice.id for choice in question.choices]
    if question.type is QuestionType.SCALE and question.min is not None and question.max is not None:
        return [str(v) for v in range(int(question.min), int(question.max) + 1)]
    return []


def codes_of(question: Question, value: object) -> list[str]:
    """The categories one answer counts in: every selection, a rank's first place, a scale's value."""
    if value is None:
        return []
    if question.type is QuestionType.RANK:
        return [str(value[0])] if isinstance(value, list) and value else []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]
