"""The shipped consultation "Charleroi, ville apprenante" loads cleanly and reads well."""

from __future__ import annotations

import pytest

from surveys import (
    AnswerValue,
    Ask,
    InvalidAnswer,
    QuestionType,
    Survey,
    apply_answer,
    next_step,
    shipped_surveys,
    skip,
)
from surveys.validation import validate
from tests.surveys.support import SHIPPED

DISTRICTS = [
    "Charleroi", "Couillet", "Dampremy", "Gilly", "Gosselies", "Goutroux", "Jumet", "Lodelinsart",
    "Marchienne-au-Pont", "Marcinelle", "Monceau-sur-Sambre", "Montignies-sur-Sambre", "Mont-sur-Marchienne",
    "Ransart", "Roux",
]  # fmt: skip
LANGUAGES = ("fr", "nl", "en", "it", "es", "pt", "tr", "ar", "ro", "pl", "uk")


def test_shipped_surveys_are_found() -> None:
    """The shipped directory lists the learning-city survey."""
    assert SHIPPED in shipped_surveys()


def test_loads_with_french_and_english(shipped: Survey) -> None:
    """The survey is French first, with every other language complete for every text."""
    assert (shipped.id, shipped.default_language, shipped.languages) == (
        "charleroi-learning-city",
        "fr",
        LANGUAGES,
    )
    texts = [shipped.title, shipped.description, shipped.thanks]
    for question in shipped.questions:
        texts += [
            question.label,
            question.hint,
            question.constraint_message,
            question.min_label,
            question.max_label,
        ]
        texts += [choice.label for choice in question.choices if choice.id != choice.label.get("fr").lower()]
    for text in texts:
        if text is not None:
            assert text.languages == LANGUAGES, text


def test_uses_every_type_but_decimal(shipped: Survey) -> None:
    """Every question type appears; decimal is left out on purpose (no natural decimal question)."""
    used = {q.type for q in shipped.questions}
    assert used == set(QuestionType) - {QuestionType.DECIMAL}


def test_length_and_breakdowns(shipped: Survey) -> None:
    """12–15 questions plus a welcome note; results break down by district and age band."""
    assert 12 <= sum(not q.is_note for q in shipped.questions) <= 15
    assert shipped.questions[0].is_note
    assert shipped.breakdowns == ("district", "age_band")


def test_districts_list_is_shared_data(shipped: Survey) -> None:
    """The 15 districts plus 'outside' are a reusable choice list, used by the district question."""
    districts = shipped.choice_list("districts")
    assert [c.label.get("fr") for c in districts[:-1]] == DISTRICTS
    assert districts[-1].id == "outside"
    assert shipped.question("district").choices == districts


def test_description_says_how_long_and_what_happens(shipped: Survey) -> None:
    """Residents are told the time it takes and what their answers are for."""
    assert shipped.description is not None
    text = shipped.description.get("fr")
    assert "5 minutes" in text and "plan d'action" in text and "anonymes" in text


def test_childcare_only_for_parents(shipped: Survey) -> None:
    """Only residents with young children are asked about childcare."""
    answers: dict[str, AnswerValue | None] = {
        "topics": ["digital"],
        "time_of_day": ["evening"],
        "format": "both",
        "barriers": ["cost"],
    }
    step = next_step(shipped, apply_answer(shipped, answers, "has_children", "yes"))
    assert isinstance(step, Ask) and step.question.id == "childcare"
    step = next_step(shipped, apply_answer(shipped, answers, "has_children", "no"))
    assert isinstance(step, Ask) and step.question.id == "confidence"


def test_nothing_stops_me_is_exclusive(shipped: Survey) -> None:
    """'Nothing stops me' can't be combined with a barrier; the survey says so in every language."""
    with pytest.raises(InvalidAnswer) as caught:
        validate(shipped, shipped.question("barriers"), ["nothing", "cost"], {})
    assert caught.value.message is not None and caught.value.message.languages == LANGUAGES
    assert validate(shipped, shipped.question("barriers"), ["nothing"], {}) == ["nothing"]


def test_optional_questions(shipped: Survey) -> None:
    """The start date, the age band and the idea can be skipped; the idea may be a voice message."""
    optional = {q.id for q in shipped.questions if not q.required and not q.is_note}
    assert optional == {"start_date", "age_band", "idea"}
    assert shipped.question("idea").accept_voice
    assert skip(shipped, {"topics": ["arts"]}, "age_band") == {"topics": ["arts"], "age_band": None}
