"""Property-based tests: whatever residents (or stale buttons) send, the engine stays consistent."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys import (
    AnswerValue,
    Ask,
    InvalidAnswer,
    Question,
    Survey,
    SurveyLoadError,
    apply_answer,
    ask,
    evaluate,
    load_survey,
    next_step,
    parse_survey,
    parse_text,
    previous_question,
    prune,
    skip,
)
from tests.surveys.support import ALL_TYPES, MINI, SHIPPED, TODAY, survey_from

PROFILE = settings(max_examples=200, deadline=None, derandomize=True)
SURVEYS = [survey_from(MINI), survey_from(ALL_TYPES), load_survey(SHIPPED)]

#: What a resident (or a stale button) may do; mostly answering the question on screen.
ACTIONS = ["forward"] * 5 + ["next", "answer", "text", "skip", "back", "ask"]
GARBAGE: st.SearchStrategy[object] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=4),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.lists(
        st.one_of(st.none(), st.integers(), st.text(max_size=3), st.lists(st.text(max_size=2))), max_size=3
    ),
)


def values_for(question: Question) -> st.SearchStrategy[object]:
    """Mostly plausible values for this question, with garbage mixed in."""
    ids = list(question.choice_ids) or ["x"]
    plausible = st.one_of(
        st.sampled_from(ids),
        st.lists(st.sampled_from(ids), max_size=len(ids) + 1),
        st.permutations(ids),
        st.integers(min_value=-5, max_value=60),
        st.floats(min_value=-5, max_value=120),
        st.dates().map(lambda day: day.isoformat()),
        st.text(max_size=30),
    )
    return st.one_of(plausible, plausible, GARBAGE)


def likely_valid(question: Question) -> st.SearchStrategy[object]:
    """Values that usually pass validation, so sessions get deep into the survey."""
    ids = list(question.choice_ids) or ["x"]
    qtype = question.type.value
    if qtype in ("select_one", "yes_no"):
        return st.sampled_from(ids)
    if qtype == "select_multiple":
        return st.lists(st.sampled_from(ids), min_size=1, max_size=int(question.max or len(ids)), unique=True)
    if qtype == "rank":
        return st.permutations(ids).map(lambda order: order[: question.rank_size])
    if qtype in ("scale", "integer"):
        return st.integers(min_value=int(question.min or 0), max_value=int(question.max or 100))
    if qtype == "decimal":
        return st.floats(min_value=float(question.min or 0), max_value=float(question.max or 100))
    if qtype == "date":
        return st.dates(min_value=TODAY.replace(month=1, day=1), max_value=TODAY.replace(year=2026)).map(str)
    return st.text(min_size=1, max_size=30)


def relevant_now(question: Question, answers: dict[str, AnswerValue | None]) -> bool:
    """Independent oracle: evaluate `relevant` directly on the stored answers."""
    return question.relevant is None or evaluate(question.relevant, answers)


@dataclass
class Session:
    """A resident's session as the bot would keep it: answers and the question on screen."""

    survey: Survey
    answers: dict[str, AnswerValue | None] = field(default_factory=dict)
    current: str | None = None
    #: The step just returned by next_step/ask, with the answers it was computed from.
    shown: tuple[Ask, dict[str, AnswerValue | None]] | None = None

    def show(self, step: Ask | None) -> None:
        self.current = step.question.id if step is not None else None
        self.shown = (step, dict(self.answers)) if step is not None else None

    def act(self, data: st.DataObject) -> None:
        survey = self.survey
        action = data.draw(st.sampled_from(ACTIONS))
        qid = data.draw(st.sampled_from([*(q.id for q in survey.questions), "unknown"]))
        if action == "forward":  # answer the question on screen, as most residents do
            step = next_step(survey, self.answers)
            if isinstance(step, Ask):
                value = data.draw(likely_valid(step.question))
                self.answers = apply_answer(survey, self.answers, step.question.id, value, today=TODAY)
        elif action == "next":
            step = next_step(survey, self.answers)
            self.show(step if isinstance(step, Ask) else None)
        elif action == "answer":
            question = survey.question(qid) if survey.has_question(qid) else survey.questions[0]
            self.answers = apply_answer(
                survey, self.answers, qid, data.draw(values_for(question)), today=TODAY
            )
        elif action == "text" and survey.has_question(qid):
            value = parse_text(survey.question(qid), data.draw(st.text(max_size=20)))
            self.answers = apply_answer(survey, self.answers, qid, value, today=TODAY)
        elif action == "skip":
            self.answers = skip(survey, self.answers, qid)
        elif action == "back":
            previous = previous_question(survey, self.answers, self.current)
            self.show(ask(survey, self.answers, previous.id) if previous is not None else None)
        elif action == "ask":
            self.show(ask(survey, self.answers, qid))


def run(data: st.DataObject, check: object = None) -> Session:
    session = Session(data.draw(st.sampled_from(SURVEYS)))
    for _ in range(data.draw(st.integers(min_value=1, max_value=30))):
        with contextlib.suppress(InvalidAnswer):
            session.act(data)
        if callable(check):
            check(session)
    return session


@PROFILE
@given(st.data())
def test_engine_raises_only_invalid_answer(data: st.DataObject) -> None:
    """No sequence of picks, values (garbage included), skips and backs raises anything but InvalidAnswer."""
    run(data)


@PROFILE
@given(st.data())
def test_irrelevant_questions_are_never_asked(data: st.DataObject) -> None:
    """Every question returned by next_step or ask, forward or back, is relevant at that moment."""

    def check(session: Session) -> None:
        if session.shown is not None:
            shown, answers = session.shown
            assert relevant_now(shown.question, answers)
            assert all(relevant_now(note, answers) for note in shown.notes)
            session.shown = None
        step = next_step(session.survey, session.answers)
        if isinstance(step, Ask):
            assert relevant_now(step.question, session.answers)
            assert step.question.id not in session.answers
            assert 1 <= step.position <= step.total
            assert all(relevant_now(note, session.answers) for note in step.notes)

    run(data, check)


@PROFILE
@given(st.data())
def test_no_answer_survives_to_an_irrelevant_question(data: st.DataObject) -> None:
    """After any back-and-forth, every stored answer belongs to a question that is still relevant."""

    def check(session: Session) -> None:
        for qid in session.answers:
            assert relevant_now(session.survey.question(qid), session.answers), qid
        assert prune(session.survey, session.answers) == session.answers

    run(data, check)


@PROFILE
@given(st.data())
def test_damaged_files_raise_only_survey_load_error(data: st.DataObject) -> None:
    """A survey file with lines dropped, repeated or garbled loads or raises SurveyLoadError, nothing else."""
    lines = ALL_TYPES.splitlines() if data.draw(st.booleans()) else MINI.splitlines()
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        index = data.draw(st.integers(min_value=0, max_value=len(lines) - 1))
        edit = data.draw(st.sampled_from(["drop", "repeat", "garble", "replace"]))
        if edit == "drop":
            del lines[index]
        elif edit == "repeat":
            lines.insert(index, lines[index])
        elif edit == "garble":
            position = data.draw(st.integers(min_value=0, max_value=len(lines[index])))
            noise = data.draw(st.text(alphabet="{}[]:,'\"$.-!&*#| \t0123456789abc", max_size=4))
            lines[index] = lines[index][:position] + noise + lines[index][position:]
        else:
            lines[index] = data.draw(st.text(max_size=20))
        if not lines:
            break
    with contextlib.suppress(SurveyLoadError):
        parse_survey("\n".join(lines), "damaged.yaml")
