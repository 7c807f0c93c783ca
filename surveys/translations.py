"""Which texts of a survey are missing in which language (and so fall back to the default one).

A text may be given in the default language only; a resident reading another language then sees
the default-language text. `missing_translations` lists those places per language, in file order,
as readable locations such as ``question 'district' label`` or
``choice list 'districts' choice 'outside'``.
"""

from __future__ import annotations

from collections.abc import Iterator

from surveys.model import Survey
from surveys.texts import Text


def _texts(survey: Survey) -> Iterator[tuple[str, Text]]:
    """Every text of the survey with its location, in file order.

    Choices that come from a shared choice list are listed once, under the list.
    """
    yield "title", survey.title
    if survey.description is not None:
        yield "description", survey.description
    if survey.thanks is not None:
        yield "thanks", survey.thanks
    for question in survey.questions:
        where = f"question '{question.id}'"
        yield f"{where} label", question.label
        for name, text in (
            ("hint", question.hint),
            ("constraint_message", question.constraint_message),
            ("min_label", question.min_label),
            ("max_label", question.max_label),
        ):
            if text is not None:
                yield f"{where} {name}", text
        if question.choice_list is None:
            for choice in question.choices:
                yield f"{where} choice '{choice.id}'", choice.label
    for choice_list in survey.choice_lists:
        for choice in choice_list.choices:
            yield f"choice list '{choice_list.name}' choice '{choice.id}'", choice.label


def missing_translations(survey: Survey) -> dict[str, list[str]]:
    """Map each language of `survey.languages` to the locations of the texts it lacks.

    A text is missing exactly when `Text.resolve` falls back for that language, i.e. when the
    bot would show the default-language text (so a `pt-BR` language is served by `pt` texts).
    The default language never lacks a text (the loader requires it); it and every complete
    language map to an empty list. Locations are in file order.
    """
    texts = list(_texts(survey))
    return {
        language: [where for where, text in texts if text.resolve(language)[1]]
        for language in survey.languages
    }
