"""`missing_translations`: per language, the texts that fall back to the default language."""

from __future__ import annotations

from surveys import Survey, missing_translations
from tests.surveys.support import survey_from

ELEVEN = ("fr", "nl", "en", "it", "es", "pt", "tr", "ar", "ro", "pl", "uk")

#: Every kind of text, with some translations left out.
PARTIAL = """\
id: partial
version: 1
default_language: fr
languages: [fr, en, tr]
title: {fr: Titre, en: Title, tr: Başlık}
description: {fr: Bonjour, en: Hello}
thanks: Merci
questions:
  - id: topics
    type: select_multiple
    label: {fr: Sujets, en: Topics, tr: Konular}
    hint: {fr: Plusieurs choix, tr: Birkaç seçim}
    choices:
      - {id: languages, label: {fr: Langues, en: Languages, tr: Diller}}
      - {id: digital, label: {fr: Numérique, en: Digital}}
  - id: confidence
    type: scale
    min: 1
    max: 5
    label: {fr: Confiance, en: Confidence, tr: Güven}
    min_label: {fr: Peu, en: Little, tr: Az}
    max_label: {fr: Beaucoup, en: A lot}
  - id: age
    type: integer
    constraint: . >= 16
    constraint_message: {fr: Au moins 16, tr: En az 16}
    label: {fr: Âge, en: Age, tr: Yaş}
  - id: district
    type: select_one
    choice_list: districts
    label: {fr: Quartier, en: District}
choice_lists:
  districts:
    - {id: jumet, label: Jumet}
    - id: outside
      label: {fr: Ailleurs, en: Elsewhere, tr: Başka yerde}
"""


def test_lists_every_missing_text_per_language_in_file_order() -> None:
    """Each kind of text is located readably; the default language lacks nothing."""
    assert missing_translations(survey_from(PARTIAL)) == {
        "fr": [],
        "en": [
            "thanks",
            "question 'topics' hint",
            "question 'age' constraint_message",
            "choice list 'districts' choice 'jumet'",
        ],
        "tr": [
            "description",
            "thanks",
            "question 'topics' choice 'digital'",
            "question 'confidence' max_label",
            "question 'district' label",
            "choice list 'districts' choice 'jumet'",
        ],
    }


def test_shared_choices_are_reported_once_under_their_list() -> None:
    """A choice list used by a question is reported as the list's, not repeated per question."""
    missing = missing_translations(survey_from(PARTIAL))["en"]
    assert not any(where.startswith("question 'district' choice") for where in missing)


def test_plain_strings_are_complete_in_a_one_language_survey() -> None:
    """With only the default language, plain-string texts lack nothing."""
    survey = survey_from(
        """\
id: french-only
version: 1
default_language: fr
title: Titre
questions:
  - id: ok
    type: yes_no
    label: D'accord ?
"""
    )
    assert missing_translations(survey) == {"fr": []}


def test_a_regional_language_is_served_by_its_base_language() -> None:
    """`pt-BR` lacks nothing when the `pt` text is there: the bot would show `pt`, not French."""
    survey = survey_from(
        """\
id: regional
version: 1
default_language: fr
languages: [fr, pt, pt-BR]
title: {fr: Titre, pt: Título}
questions:
  - id: ok
    type: yes_no
    label: {fr: D'accord ?, pt: Concorda?, pt-BR: Você concorda?}
"""
    )
    assert missing_translations(survey) == {"fr": [], "pt": [], "pt-BR": []}


def test_the_shipped_survey_is_complete_in_eleven_languages(shipped: Survey) -> None:
    """The Charleroi survey carries every text in each of its eleven languages."""
    assert shipped.languages == ELEVEN
    assert missing_translations(shipped) == {language: [] for language in ELEVEN}
