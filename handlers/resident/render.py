"""Turn a resident's progress into what they see: texts in their language and inline keyboards."""

from __future__ import annotations

import datetime as dt

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from babel.dates import format_date
from babel.numbers import format_decimal

from bot.services.answering import REVIEW, SENT_BEFORE_QUESTION, Phase, Progress
from handlers.callbacks import AnswerCb, NavCb
from handlers.keyboards import button, columns, markup
from surveys import OTHER, Ask, InvalidAnswer, Question, QuestionType, Survey, Text
from surveys.model import AnswerValue

# Dates are typed day first in every language here (the parser reads dd/mm/yyyy, dd.mm.yyyy, ISO).
DATE_EXAMPLE = "31/12/2026"
# Babel's plain "en" and "pt" are the American and Brazilian conventions; Charleroi's residents expect
# the European ones (day before month).
BABEL_LOCALES = {"en": "en_GB", "pt": "pt_PT"}
PAGE_SIZE = 12  # choices per page when a list is too long for one keyboard
SHORT_LABEL = 16  # labels this short fit two to a row
LONG_LABEL = 32  # a label longer than this may not show whole on a phone's button


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, language)


def survey_text(text: Text | None, language: str) -> str:
    return text.get(language) if text is not None else ""


def choice_label(survey: Survey, question: Question, choice_id: str, language: str) -> str:
    if question.type is QuestionType.YES_NO:
        return _("Yes") if choice_id == "yes" else _("No")
    if choice_id == OTHER:
        return _("Other")
    for choice in survey.choices_for(question):
        if choice.id == choice_id:
            return choice.label.get(language)
    return choice_id


def format_value(
    survey: Survey, question: Question, value: AnswerValue | None, other: str | None, lang: str
) -> str:
    """An answer as the resident reads it back."""
    if value is None:
        return _("(skipped)")
    if isinstance(value, dict):
        seconds = int(value.get("duration", 0))
        return _("🎤 voice message ({duration})").format(duration=f"{seconds // 60}:{seconds % 60:02d}")
    if question.type is QuestionType.DATE and isinstance(value, str):
        return format_date(dt.date.fromisoformat(value), format="medium", locale=babel_locale(lang))
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float) and question.type is not QuestionType.TEXT:
        return format_decimal(value, locale=babel_locale(lang))
    if isinstance(value, list):
        labels = [choice_label(survey, question, item, lang) for item in value]
        if question.type is QuestionType.RANK:
            return ", ".join(f"{n}. {label}" for n, label in enumerate(labels, 1))
        text = ", ".join(labels)
    elif question.type in {QuestionType.SELECT_ONE, QuestionType.YES_NO}:
        text = choice_label(survey, question, str(value), lang)
    else:
        text = str(value)
    if other:
        text += f" ({other})"
    return text


def _instruction(progress: Progress, question: Question) -> str:
    lang = progress.language
    kind = question.type
    if progress.phase is Phase.OTHER_TEXT:
        return _("You chose “Other”. Please write your answer in a few words.")
    if kind is QuestionType.SELECT_MULTIPLE:
        if question.max is not None:
            limit = int(question.max)
            return ngettext(
                "Choose up to {n} answer, then press “Done”.",
                "Choose up to {n} answers, then press “Done”.",
                limit,
            ).format(n=limit)
        return _("Choose one or more answers, then press “Done”.")
    if kind is QuestionType.RANK:
        lines = [
            f"{n}. {choice_label(progress.survey, question, c, lang)}"
            for n, c in enumerate(progress.selection, 1)
        ]
        ask_line = _("Choose number {n}.").format(n=len(progress.selection) + 1)
        return "\n".join([*lines, ask_line])
    if kind is QuestionType.SCALE:
        ends = []
        if question.min_label is not None:
            low = format_decimal(question.min or 0, locale=babel_locale(lang))
            ends.append(f"{low} = {question.min_label.get(lang)}")
        if question.max_label is not None:
            high = format_decimal(question.max or 0, locale=babel_locale(lang))
            ends.append(f"{high} = {question.max_label.get(lang)}")
        return "\n".join(ends)
    if kind is QuestionType.INTEGER:
        return _bounds(_("Type a whole number."), question, lang)
    if kind is QuestionType.DECIMAL:
        return _bounds(_("Type a number."), question, lang)
    if kind is QuestionType.DATE:
        example = DATE_EXAMPLE
        return _("Type a date, for example {example}.").format(example=example)
    if kind is QuestionType.TEXT:
        return (
            _("Type your answer, or send a voice message.")
            if question.accept_voice
            else _("Type your answer.")
        )
    return ""


def _bounds(line: str, question: Question, lang: str) -> str:
    if question.min is not None and question.max is not None:
        return (
            line
            + " "
            + _("Between {min} and {max}.").format(
                min=format_decimal(question.min, locale=babel_locale(lang)),
                max=format_decimal(question.max, locale=babel_locale(lang)),
            )
        )
    return line


def question_text(progress: Progress) -> str:
    step = progress.step
    assert isinstance(step, Ask)
    question, lang = step.question, progress.language
    parts = [
        _("Question {position} of {total}").format(position=step.position, total=step.total),
        survey_text(question.label, lang),
    ]
    if question.hint is not None:
        parts.append(survey_text(question.hint, lang))
    listing = _long_choices(progress, question)
    if listing:
        parts.append(listing)
    instruction = _instruction(progress, question)
    if instruction:
        parts.append(instruction)
    return "\n\n".join(part for part in parts if part)


def _long_choices(progress: Progress, question: Question) -> str:
    """Choices too long to read on a phone's button, written out in full above the buttons."""
    if question.type not in {QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RANK}:
        return ""
    labels = [choice.label.get(progress.language) for choice in progress.survey.choices_for(question)]
    if len(labels) > PAGE_SIZE + 4 or all(len(label) <= LONG_LABEL for label in labels):
        return ""
    return "\n".join(f"• {label}" for label in labels)


def question_keyboard(progress: Progress, page: int = 0) -> InlineKeyboardMarkup | None:
    step = progress.step
    assert isinstance(step, Ask)
    question, survey = step.question, progress.survey
    r, q = progress.round.id, survey.index_of(question.id)
    rows: list[list[InlineKeyboardButton]] = []
    if progress.phase is not Phase.OTHER_TEXT:
        rows.extend(_answer_rows(progress, question, page))
    nav = []
    if step.position > 1 or progress.phase is Phase.OTHER_TEXT:
        nav.append(button(_("« Back"), NavCb(r=r, q=q, a="back").pack()))
    if not question.required and progress.phase is not Phase.OTHER_TEXT:
        nav.append(button(_("Skip »"), NavCb(r=r, q=q, a="skip").pack()))
    rows.append(nav)
    return markup(rows) if any(rows) else None


def _answer_rows(progress: Progress, question: Question, page: int) -> list[list[InlineKeyboardButton]]:
    survey, lang = progress.survey, progress.language
    r, q = progress.round.id, survey.index_of(question.id)
    kind = question.type
    if kind is QuestionType.SCALE:
        low, high = int(question.min or 0), int(question.max or 0)
        buttons = [button(str(v), AnswerCb(r=r, q=q, c=v).pack()) for v in range(low, high + 1)]
        width = len(buttons) if len(buttons) <= 6 else (len(buttons) + 1) // 2
        return columns(buttons, width)
    if kind is QuestionType.YES_NO:
        return [
            [
                button(_("Yes"), AnswerCb(r=r, q=q, c=0).pack()),
                button(_("No"), AnswerCb(r=r, q=q, c=1).pack()),
            ]
        ]
    if kind not in {QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RANK}:
        return []
    ids = list(question.choice_ids)
    indexed = [
        (i, c) for i, c in enumerate(ids) if not (kind is QuestionType.RANK and c in progress.selection)
    ]
    pages = max(1, -(-len(indexed) // PAGE_SIZE)) if len(indexed) > PAGE_SIZE + 4 else 1
    page = min(max(page, 0), pages - 1)
    shown = indexed[page * PAGE_SIZE : (page + 1) * PAGE_SIZE] if pages > 1 else indexed
    buttons = []
    for index, choice_id in shown:
        label = choice_label(survey, question, choice_id, lang)
        if choice_id == OTHER:
            label = _("Other (please specify)")
        if kind is QuestionType.SELECT_MULTIPLE and choice_id in progress.selection:
            label = "✓ " + label
        buttons.append(button(label, AnswerCb(r=r, q=q, c=index).pack()))
    short = all(len(b.text) <= SHORT_LABEL for b in buttons)
    rows = columns(buttons, 2 if short else 1)
    if pages > 1:
        pager = []
        if page > 0:
            pager.append(button(_("‹ Previous"), NavCb(r=r, q=q, a="page", p=page - 1).pack()))
        pager.append(button(f"{page + 1}/{pages}", NavCb(r=r, q=q, a="page", p=page).pack()))
        if page < pages - 1:
            pager.append(button(_("Next ›"), NavCb(r=r, q=q, a="page", p=page + 1).pack()))
        rows.append(pager)
    if kind is QuestionType.SELECT_MULTIPLE:
        rows.append([button(_("Done ✅"), NavCb(r=r, q=q, a="done").pack())])
    if kind is QuestionType.RANK and progress.selection:
        rows.append([button(_("Start again ↺"), NavCb(r=r, q=q, a="redo").pack())])
    return rows


def summary_lines(progress: Progress) -> list[tuple[int, str]]:
    """(question index, "n. label\n→ answer") for every relevant answered question."""
    lines = []
    lang = progress.language
    number = 0
    for question in progress.survey.questions:
        if question.is_note or question.id not in progress.answers:
            continue
        number += 1
        value = progress.answers[question.id]
        answer = format_value(progress.survey, question, value, progress.other_texts.get(question.id), lang)
        label = survey_text(question.label, lang)
        lines.append((progress.survey.index_of(question.id), f"{number}. {label}\n→ {answer}"))
    return lines


def review_text(progress: Progress) -> str:
    body = "\n\n".join(line for _index, line in summary_lines(progress))
    return (
        _("Please check your answers:")
        + "\n\n"
        + body
        + "\n\n"
        + _("To change an answer, press its number. When everything is right, press “Send my answers”.")
    )


def review_keyboard(progress: Progress) -> InlineKeyboardMarkup:
    r = progress.round.id
    edits = [
        button(f"✏️ {n}", NavCb(r=r, q=REVIEW, a="edit", p=index).pack())
        for n, (index, _line) in enumerate(summary_lines(progress), 1)
    ]
    rows = columns(edits, 5)
    rows.append([button(_("✅ Send my answers"), NavCb(r=r, q=REVIEW, a="submit").pack())])
    rows.append([button(_("« Back"), NavCb(r=r, q=REVIEW, a="back").pack())])
    return markup(rows)


def submitted_text(progress: Progress) -> str:
    body = "\n\n".join(line for _index, line in summary_lines(progress))
    return _("Your answers to “{title}”:").format(title=round_title(progress)) + "\n\n" + body


def thanks_text(progress: Progress) -> str:
    thanks = survey_text(progress.survey.thanks, progress.language)
    return thanks or _("Thank you! Your answers have been sent to the City.")


def round_title(progress: Progress) -> str:
    return progress.round.title or progress.survey.title.get(progress.language)


def intro_text(progress: Progress) -> str:
    parts = [round_title(progress), survey_text(progress.survey.description, progress.language)]
    return "\n\n".join(part for part in parts if part)


def invalid_text(error: InvalidAnswer, language: str) -> str:
    """The resident-facing reason an answer was refused."""
    params = dict(error.params)
    code = error.code
    if code == "constraint":
        return (
            error.message.get(language)
            if error.message
            else _("This answer is not possible. Please check it.")
        )
    if code == "not_a_number":
        return _("Please type a number, for example 12.")
    if code == "not_an_integer":
        return _("Please type a whole number, without decimals.")
    if code == "too_small":
        return _("The number must be at least {min}.").format(
            min=format_decimal(_number(params["min"]), locale=babel_locale(language))
        )
    if code == "too_large":
        return _("The number must be at most {max}.").format(
            max=format_decimal(_number(params["max"]), locale=babel_locale(language))
        )
    if code == "too_long":
        return _("Your answer is too long. Please use at most {n} characters.").format(n=params["max_length"])
    if code == "empty":
        return _("Please type your answer.")
    if code == "not_a_date":
        example = DATE_EXAMPLE
        return _("I don't recognise this date. Please type it like this: {example}.").format(example=example)
    if code == "date_too_early":
        return _("The date must be on or after {date}.").format(date=_date(params.get("min"), language))
    if code == "date_too_late":
        return _("The date must be on or before {date}.").format(date=_date(params.get("max"), language))
    if code == "too_few_selected":
        n = int(str(params["min"]))
        return ngettext(
            "Please choose at least {n} answer.", "Please choose at least {n} answers.", n
        ).format(n=n)
    if code == "too_many_selected":
        n = int(str(params["max"]))
        return ngettext("Please choose at most {n} answer.", "Please choose at most {n} answers.", n).format(
            n=n
        )
    if code == "required":
        return _("This question needs an answer.")
    if code == "voice_not_accepted":
        return _("Please type your answer as text.")
    if code == SENT_BEFORE_QUESTION:
        return _(
            "You sent this before the next question arrived, so I did not save it. "
            "Please answer the question below."
        )
    if code == "expects_choice":
        return _("Please answer with the buttons under the question.")
    return _("Please choose one of the buttons under the question.")


def _number(value: object) -> float:
    return float(str(value))


def _date(value: object, language: str) -> str:
    if isinstance(value, str):
        return format_date(dt.date.fromisoformat(value), format="medium", locale=babel_locale(language))
    return str(value)
