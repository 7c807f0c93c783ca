"""The engine walks a resident through a survey: next question, back, change, review."""

from __future__ import annotations

import pytest

from surveys import (
    AnswerValue,
    Ask,
    InvalidAnswer,
    Review,
    Survey,
    apply_answer,
    ask,
    is_relevant,
    needs_other_text,
    next_step,
    previous_question,
    prune,
    skip,
    summary_items,
)
from tests.surveys.support import TODAY, questions, survey_from


def test_first_step_shows_the_welcome_note_with_the_first_question(mini: Survey) -> None:
    """The welcome note comes with the first question, numbered 1 of the relevant ones."""
    step = next_step(mini, {})
    assert isinstance(step, Ask)
    assert step.question.id == "has_children"
    assert [n.id for n in step.notes] == ["intro"]
    assert (step.position, step.total) == (1, 3)


def test_total_grows_when_an_answer_makes_questions_relevant(mini: Survey) -> None:
    """'Question 2 of 4' becomes possible once 'has children' is yes; hours join after 'needed'."""
    answers = apply_answer(mini, {}, "has_children", "yes")
    step = next_step(mini, answers)
    assert isinstance(step, Ask) and step.question.id == "childcare"
    assert (step.position, step.total) == (2, 4)
    answers = apply_answer(mini, answers, "childcare", "needed")
    step = next_step(mini, answers)
    assert isinstance(step, Ask) and step.question.id == "childcare_hours"
    assert (step.position, step.total) == (3, 5)
    assert [n.id for n in step.notes] == ["childcare_note"]


def test_irrelevant_questions_are_not_asked(mini: Survey) -> None:
    """Without children, the childcare questions are skipped entirely."""
    answers = apply_answer(mini, {}, "has_children", "no")
    step = next_step(mini, answers)
    assert isinstance(step, Ask) and step.question.id == "topics"
    assert (step.position, step.total) == (2, 3)
    assert not is_relevant(mini, mini.question("childcare"), answers)


def test_review_when_everything_is_dealt_with(mini: Survey) -> None:
    """When every relevant question is answered or skipped, the review comes with trailing notes."""
    answers = apply_answer(mini, {}, "has_children", "no")
    answers = apply_answer(mini, answers, "topics", ["arts"])
    answers = skip(mini, answers, "age")
    step = next_step(mini, answers)
    assert step == Review(notes=(mini.question("outro"),))
    assert summary_items(mini, answers) == [
        (mini.question("has_children"), "no"),
        (mini.question("topics"), ["arts"]),
        (mini.question("age"), None),
    ]


def test_changing_has_children_to_no_removes_the_childcare_answer(mini: Survey) -> None:
    """Changing has_children to no removes the childcare answer (and the hours that depended on it)."""
    answers = apply_answer(mini, {}, "has_children", "yes")
    answers = apply_answer(mini, answers, "childcare", "needed")
    answers = apply_answer(mini, answers, "childcare_hours", 10)
    answers = apply_answer(mini, answers, "topics", ["digital"])
    changed = apply_answer(mini, answers, "has_children", "no")
    assert changed == {"has_children": "no", "topics": ["digital"]}
    assert "childcare" in answers, "the original dict is left untouched"


def test_relevance_chains_are_pruned_to_a_fixed_point(mini: Survey) -> None:
    """Changing childcare to not_needed drops the hours; the chain is followed to the end."""
    answers: dict[str, AnswerValue | None] = {
        "has_children": "yes",
        "childcare": "needed",
        "childcare_hours": 5,
    }
    assert apply_answer(mini, answers, "childcare", "not_needed") == {
        "has_children": "yes",
        "childcare": "not_needed",
    }


def test_prune_drops_stale_notes_and_unknown_ids(mini: Survey) -> None:
    """prune keeps only answers to relevant, answerable questions of this survey."""
    answers: dict[str, AnswerValue | None] = {
        "has_children": "no",
        "childcare": "needed",
        "intro": "x",
        "gone": 1,
    }
    assert prune(mini, answers) == {"has_children": "no"}


def test_skip_optional_and_refuse_skipping_required(mini: Survey) -> None:
    """Optional questions can be skipped (value None); required ones can't."""
    assert skip(mini, {}, "age") == {"age": None}
    with pytest.raises(InvalidAnswer) as caught:
        skip(mini, {}, "has_children")
    assert caught.value.code == "required"


def test_ask_a_specific_question_for_change(mini: Survey) -> None:
    """From the review, 'change' asks a given question with its usual position."""
    answers: dict[str, AnswerValue | None] = {
        "has_children": "yes",
        "childcare": "not_needed",
        "topics": ["arts"],
        "age": 30,
    }
    step = ask(mini, answers, "topics")
    assert (step.question.id, step.position, step.total) == ("topics", 3, 4)


def test_ask_refuses_irrelevant_notes_and_unknown_questions(mini: Survey) -> None:
    """ask() never returns a question that isn't asked now (stale buttons get an InvalidAnswer)."""
    for question_id, code in [
        ("childcare", "not_relevant"),
        ("intro", "not_answerable"),
        ("zz", "unknown_question"),
    ]:
        with pytest.raises(InvalidAnswer) as caught:
            ask(mini, {"has_children": "no"}, question_id)
        assert caught.value.code == code


def test_previous_question_skips_irrelevant_ones(mini: Survey) -> None:
    """Back from topics goes to has_children when childcare wasn't asked, to childcare when it was."""
    assert previous_question(mini, {"has_children": "no"}, "topics") == mini.question("has_children")
    answers = {"has_children": "yes", "childcare": "not_needed"}
    assert previous_question(mini, answers, "topics") == mini.question("childcare")
    assert previous_question(mini, answers, "has_children") is None


def test_previous_question_from_the_review(mini: Survey) -> None:
    """Back from the review goes to the last relevant question."""
    answers = {"has_children": "no", "topics": ["arts"], "age": None}
    assert previous_question(mini, answers, None) == mini.question("age")


def test_answering_an_irrelevant_question_is_refused(mini: Survey) -> None:
    """A stale button for a question that is no longer asked can't store an answer."""
    with pytest.raises(InvalidAnswer) as caught:
        apply_answer(mini, {"has_children": "no"}, "childcare", "needed")
    assert caught.value.code == "not_relevant"


def test_answers_are_validated_before_being_stored(mini: Survey) -> None:
    """apply_answer refuses invalid values and leaves the answers as they were."""
    with pytest.raises(InvalidAnswer):
        apply_answer(mini, {}, "topics", ["arts", "digital", "languages"], today=TODAY)


def test_needs_other_text(mini: Survey) -> None:
    """The bot asks 'please specify' only when `other` was picked on a question that offers it."""
    topics = mini.question("topics")
    assert needs_other_text(topics, ["arts", "other"])
    assert not needs_other_text(topics, ["arts"])
    assert not needs_other_text(mini.question("has_children"), "other")


def test_notes_before_a_question_skip_irrelevant_questions() -> None:
    """A note placed before a skipped question is still shown once, with the next question asked."""
    survey = survey_from(
        questions(
            """\
            - {id: a, type: yes_no, label: A}
            - {id: n1, type: note, label: N1}
            - {id: b, type: yes_no, label: B, relevant: "${a} = 'yes'"}
            - {id: n2, type: note, label: N2}
            - {id: c, type: yes_no, label: C}
            """
        )
    )
    step = next_step(survey, {"a": "no"})
    assert isinstance(step, Ask) and [n.id for n in step.notes] == ["n1", "n2"]
    step = next_step(survey, {"a": "yes"})
    assert isinstance(step, Ask) and [n.id for n in step.notes] == ["n1"]
