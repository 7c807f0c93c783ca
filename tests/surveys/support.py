"""Survey snippets and helpers shared by the survey engine tests."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from surveys import Problem, Survey, SurveyLoadError, load_survey, parse_survey

SHIPPED = Path(__file__).resolve().parents[2] / "surveys" / "charleroi-learning-city.yaml"
TODAY = dt.date(2025, 3, 15)

HEADER = """\
id: test
version: 1
default_language: fr
languages: [fr, en]
title: {fr: Test, en: Test}
"""

#: A small survey with a relevance chain: has_children → childcare → (childcare_note, childcare_hours).
MINI = (
    HEADER
    + """\
questions:
  - id: intro
    type: note
    label: {fr: Bonjour, en: Hello}
  - id: has_children
    type: yes_no
    label: {fr: Enfants ?, en: Children?}
  - id: childcare
    type: select_one
    relevant: ${has_children} = 'yes'
    label: {fr: Garde ?, en: Childcare?}
    choices:
      - {id: needed, label: {fr: Oui, en: "Yes"}}
      - {id: not_needed, label: {fr: Non, en: "No"}}
  - id: childcare_note
    type: note
    relevant: ${childcare} = 'needed'
    label: {fr: Nous le notons., en: We note it.}
  - id: childcare_hours
    type: integer
    relevant: ${childcare} = 'needed'
    min: 0
    max: 60
    label: {fr: Heures de garde ?, en: Hours of childcare?}
  - id: topics
    type: select_multiple
    max: 2
    other: true
    label: {fr: Sujets, en: Topics}
    choices:
      - {id: languages, label: Langues}
      - {id: digital, label: Numérique}
      - {id: arts, label: Arts}
  - id: age
    type: integer
    required: false
    min: 16
    max: 120
    constraint: . != 99
    constraint_message: {fr: Vraiment ?, en: Really?}
    label: {fr: Âge, en: Age}
  - id: outro
    type: note
    label: {fr: Fin, en: End}
"""
)

#: One question of every type, each with its type-specific fields.
ALL_TYPES = (
    HEADER
    + """\
choice_lists:
  colours:
    - {id: red, label: Rouge}
    - {id: green, label: Vert}
    - {id: blue, label: Bleu}
questions:
  - {id: welcome, type: note, label: Bienvenue}
  - {id: one, type: select_one, label: Un, choice_list: colours, other: true}
  - {id: many, type: select_multiple, label: Plusieurs, choice_list: colours, min: 1, max: 2}
  - {id: yn, type: yes_no, label: Oui ou non}
  - {id: scale, type: scale, label: Échelle, min: 0, max: 10, min_label: Pas du tout, max_label: Tout à fait}
  - {id: count, type: integer, label: Nombre, min: 0, max: 40}
  - {id: amount, type: decimal, label: Montant, min: 0, max: 99.5, required: false}
  - {id: words, type: text, label: Texte, max_length: 20, accept_voice: true, required: false}
  - {id: day, type: date, label: Date, min: 2025-01-01, max: today, required: false}
  - {id: order, type: rank, label: Classement, choice_list: colours, top: 2}
"""
)


def survey_from(text: str) -> Survey:
    return parse_survey(text, "test.yaml")


def questions(body: str) -> str:
    """A full survey with HEADER and the given (dedented) questions list."""
    return HEADER + "questions:\n" + textwrap.indent(textwrap.dedent(body), "  ")


def problems_of(text: str) -> list[Problem]:
    """The problems reported for `text`; fails when it loads cleanly."""
    with pytest.raises(SurveyLoadError) as caught:
        parse_survey(text, "test.yaml")
    return caught.value.problems


def line_with(text: str, marker: str) -> int:
    """The 1-based line of the first line of `text` containing `marker`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in text")


@pytest.fixture(scope="session")
def mini() -> Survey:
    return survey_from(MINI)


@pytest.fixture(scope="session")
def all_types() -> Survey:
    return survey_from(ALL_TYPES)


@pytest.fixture(scope="session")
def shipped() -> Survey:
    return load_survey(SHIPPED)
