"""A resident answering a round: the service between Telegram handlers and the pure survey engine.

Progress lives in our tables (responses.current_question / pending, answers), so a resident continues at
the same question after leaving, after a restart, or on another bot process. Each answer and the new
position are written in the same unit of work; the response's `revision` column makes two concurrent
updates of one response conflict instead of interleaving (the loser is told its button is stale).
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Table, Update, bindparam, delete, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from bot.clock import Clock
from bot.db.aggregates import AnswersOfResponse
from bot.db.models import Answer, Contact, Respondent, Response, ResponseStatus, Round, SurveyVersion
from bot.db.upsert import insert_ignore, upsert
from bot.errors import AlreadySubmitted, RoundClosed, RoundNotFound, RoundNotOpenYet, StaleAction
from bot.services.privacy import PrivacyService
from bot.services.surveys import SurveyStore
from surveys import (
    Ask,
    InvalidAnswer,
    Question,
    QuestionType,
    Review,
    Step,
    Survey,
    apply_answer,
    ask,
    needs_other_text,
    next_step,
    parse_text,
    previous_question,
    skip,
)
from surveys.model import VOICE, AnswerValue

REVIEW = -1  # the question index that stands for the review screen in callback data
SENT_BEFORE_QUESTION = "sent_before_question"  # an InvalidAnswer code: see SurveyRunner._sent_before_question


class Phase(enum.StrEnum):
    """What the resident is being asked right now."""

    QUESTION = "question"
    OTHER_TEXT = "other_text"  # "please specify" after choosing Other
    REVIEW = "review"
    DONE = "done"


@dataclass
class Progress:
    """A response as the handlers render it."""

    round: Round
    survey: Survey
    response: Response
    answers: dict[str, AnswerValue | None]
    other_texts: dict[str, str]
    step: Step
    phase: Phase
    selection: list[str] = field(default_factory=list)  # select_multiple ticks or rank order so far
    fresh: bool = False  # just started: show the description first

    @property
    def language(self) -> str:
        return self.response.language

    @property
    def question(self) -> Question | None:
        return self.step.question if isinstance(self.step, Ask) else None

    @property
    def shown_index(self) -> int:
        """The index buttons of the current screen carry (REVIEW on the review or done screens)."""
        question = self.question
        return self.survey.index_of(question.id) if question is not None else REVIEW


@dataclass(frozen=True)
class NeedsPrivacy:
    """The resident must see and acknowledge the privacy notice before anything is stored."""

    round: Round
    survey: Survey


@dataclass(frozen=True)
class Rejected:
    """The input was not a valid answer; nothing was stored; ask the same question again."""

    progress: Progress
    error: InvalidAnswer


class SurveyRunner:
    def __init__(
        self, session: AsyncSession, store: SurveyStore, privacy: PrivacyService, clock: Clock, today: Any
    ) -> None:
        self._session = session
        self._store = store
        self._privacy = privacy
        self._clock = clock
        self._today = today  # callable giving the city's current date, for `today` in date bounds

    # --- entering a round -------------------------------------------------------------------------

    async def round_and_survey(self, round_id: int) -> tuple[Round, Survey]:
        """The round, read afresh with a share lock on PostgreSQL (SQLite's write transaction already
        excludes everyone else): a close that commits first is seen, and one that comes later waits for
        this update to commit. That is what makes closing a round atomic against a concurrent answer."""
        row = (await self._session.execute(_ROUND_AND_CHECKSUM, {"round_id": round_id})).first()
        if row is None:
            raise RoundNotFound()
        rnd, survey_checksum = row
        return rnd, await self._store.survey_for(rnd.survey_id, survey_checksum)

    def _check_open(self, rnd: Round) -> None:
        now = self._clock.now()
        if rnd.opens_at > now:
            raise RoundNotOpenYet()
        if not rnd.is_open(now):
            raise RoundClosed()

    async def enter(
        self, contact: Contact | None, round_id: int, language: str, source: str | None = None
    ) -> Progress | NeedsPrivacy:
        """Start or continue a round; a completed response comes back in the DONE phase, unchanged."""
        rnd, survey = await self.round_and_survey(round_id)
        existing = await self._response_of(contact, round_id) if contact is not None else None
        if existing is not None and existing.status is ResponseStatus.COMPLETED:
            return await self._progress(rnd, survey, existing)
        self._check_open(rnd)
        if existing is not None and existing.assisted_by is not None:
            return await self._progress(rnd, survey, existing)  # a worker's assisted interview goes on
        if not await self._privacy.has_acknowledged(contact):
            return NeedsPrivacy(rnd, survey)
        assert contact is not None
        fresh = existing is None
        response = existing or await self._create_response(contact, rnd, language, source)
        progress = await self._progress(rnd, survey, response)
        progress.fresh = fresh
        return progress

    async def _create_response(
        self, contact: Contact, rnd: Round, language: str, source: str | None
    ) -> Response:
        """Create the respondent and response; a concurrent twin makes these no-ops (unique constraints)."""
        now = self._clock.now()
        await insert_ignore(
            self._session,
            Respondent,
            {
                "id": secrets.token_hex(16),
                "contact_id": contact.id,
                "round_id": rnd.id,
                "created_at": now,
            },
            conflict=["contact_id", "round_id"],
        )
        respondent_id = await self._session.scalar(
            select(Respondent.id).where(Respondent.contact_id == contact.id, Respondent.round_id == rnd.id)
        )
        await insert_ignore(
            self._session,
            Response,
            {
                "round_id": rnd.id,
                "respondent_id": respondent_id,
                "language": language,
                "status": ResponseStatus.IN_PROGRESS,
                "started_at": now,
                "updated_at": now,
                "source": source,
                "revision": 1,
            },
            conflict=["respondent_id"],
        )
        response = await self._session.scalar(select(Response).where(Response.respondent_id == respondent_id))
        assert response is not None
        return response

    async def _response_of(self, contact: Contact, round_id: int) -> Response | None:
        """The response a person's buttons of this round refer to: the assisted interview they are
        conducting in it, if any (a worker), else their own."""
        return await self._session.scalar(_RESPONSE_OF, {"contact_id": contact.id, "round_id": round_id})

    async def progress_for(self, response: Response) -> Progress:
        """The progress of a response found by other means (an assisted interview just started)."""
        rnd, survey = await self.round_and_survey(response.round_id)
        return await self._progress(rnd, survey, response)

    async def active(self, contact: Contact | None) -> Progress | None:
        """The in-progress response the resident touched last (where typed answers go); for a worker
        conducting an assisted interview, that interview."""
        if contact is None:
            return None
        row = (await self._session.execute(_ACTIVE, {"contact_id": contact.id})).first()
        if row is None:
            return None
        response, rnd, checksum, answers = row
        survey = await self._store.survey_for(rnd.survey_id, checksum)
        return self._progress_of(rnd, survey, response, answers)

    async def load(self, contact: Contact | None, round_id: int, shown_index: int) -> Progress:
        """The progress a button refers to; StaleAction when the button is not from the current screen."""
        if contact is None:
            raise StaleAction()
        row = (
            await self._session.execute(_RESPONSE_AND_ROUND, {"contact_id": contact.id, "round_id": round_id})
        ).first()
        if row is None:
            raise StaleAction()
        response, rnd, checksum, answers = row
        survey = await self._store.survey_for(rnd.survey_id, checksum)
        progress = self._progress_of(rnd, survey, response, answers)
        if response.status is ResponseStatus.COMPLETED:
            raise AlreadySubmitted()
        self._check_open(rnd)  # before the stale check: a closed round is said, not its next question
        if progress.shown_index != shown_index:
            raise StaleButton(progress)
        return progress

    async def _progress(self, rnd: Round, survey: Survey, response: Response) -> Progress:
        rows = await self._session.execute(_ANSWERS_OF, {"response_id": response.id})
        return self._progress_of(rnd, survey, response, rows)

    def _progress_of(
        self, rnd: Round, survey: Survey, response: Response, rows: Iterable[Sequence[Any]]
    ) -> Progress:
        """The progress from the response's answers, as (question id, value, other text) rows."""
        answers: dict[str, AnswerValue | None] = {}
        others: dict[str, str] = {}
        for question_id, value, other_text in rows:
            if survey.has_question(question_id):
                answers[question_id] = value
                if other_text is not None:
                    others[question_id] = other_text
        return self._with_step(rnd, survey, response, answers, others)

    def _with_step(
        self,
        rnd: Round,
        survey: Survey,
        response: Response,
        answers: dict[str, AnswerValue | None],
        others: dict[str, str],
    ) -> Progress:
        pending = response.pending or {}
        if response.status is ResponseStatus.COMPLETED:
            return Progress(rnd, survey, response, answers, others, Review(), Phase.DONE)
        step: Step
        current = response.current_question
        if current is not None and survey.has_question(current):
            try:
                step = ask(survey, answers, current)
            except InvalidAnswer:
                step = next_step(survey, answers)
        else:
            step = next_step(survey, answers)
        phase = Phase.REVIEW if isinstance(step, Review) else Phase.QUESTION
        selection: list[str] = []
        if isinstance(step, Ask) and pending.get("q") == step.question.id:
            if pending.get("other"):
                phase = Phase.OTHER_TEXT
            selection = list(pending.get("selection", []))
        return Progress(rnd, survey, response, answers, others, step, phase, selection)

    # --- answering ---------------------------------------------------------------------------------

    async def choose(self, progress: Progress, choice: str | int) -> Progress | Rejected:
        """A button answer to a select_one, yes_no or scale question."""
        question = self._current(progress)
        value: AnswerValue = choice
        try:
            answers = apply_answer(progress.survey, progress.answers, question.id, value, today=self._today())
        except InvalidAnswer as error:
            return Rejected(progress, error)
        if needs_other_text(question, answers[question.id]):
            return await self._await_other(progress, answers[question.id])
        return await self._save(progress, answers, {question.id: None})

    async def toggle(self, progress: Progress, choice: str) -> Progress:
        """Tick or untick a select_multiple choice (kept as pending until Done)."""
        question = self._current(progress)
        if choice not in question.choice_ids:
            raise StaleButton(progress)
        selection = list(progress.selection)
        if choice in selection:
            selection.remove(choice)
        else:
            selection.append(choice)
        ordered = [c for c in question.choice_ids if c in selection]
        return await self._set_pending(progress, {"q": question.id, "selection": ordered})

    async def finish_selection(self, progress: Progress) -> Progress | Rejected:
        """Done on a select_multiple: the ticks become the answer (min/max enforced)."""
        question = self._current(progress)
        try:
            answers = apply_answer(
                progress.survey, progress.answers, question.id, list(progress.selection), today=self._today()
            )
        except InvalidAnswer as error:
            return Rejected(progress, error)
        if needs_other_text(question, answers[question.id]):
            return await self._await_other(progress, answers[question.id])
        return await self._save(progress, answers, {question.id: None})

    async def rank_pick(self, progress: Progress, choice: str) -> Progress | Rejected:
        """The next choice in a rank question; the answer is stored once `top` choices are ranked."""
        question = self._current(progress)
        if choice not in question.choice_ids or choice in progress.selection:
            raise StaleButton(progress)
        ranked = [*progress.selection, choice]
        if len(ranked) < question.rank_size:
            return await self._set_pending(progress, {"q": question.id, "selection": ranked})
        try:
            answers = apply_answer(
                progress.survey, progress.answers, question.id, ranked, today=self._today()
            )
        except InvalidAnswer as error:
            return Rejected(progress, error)
        return await self._save(progress, answers, {question.id: None})

    async def rank_restart(self, progress: Progress) -> Progress:
        question = self._current(progress)
        return await self._set_pending(progress, {"q": question.id, "selection": []})

    async def type_answer(
        self, progress: Progress, text: str, message_id: int | None = None
    ) -> Progress | Rejected:
        """A typed answer: to a text/number/date question, or the "please specify" of Other.
        ``message_id`` is the message's id in its chat (see `_sent_before_question`)."""
        question = self._current(progress)
        if await self._sent_before_question(progress, message_id):
            return Rejected(progress, InvalidAnswer(SENT_BEFORE_QUESTION))
        if progress.phase is Phase.OTHER_TEXT:
            try:
                other = parse_text(_as_text_question(question), text)
            except InvalidAnswer as error:
                return Rejected(progress, error)
            value = (progress.response.pending or {}).get("value")
            answers = apply_answer(progress.survey, progress.answers, question.id, value, today=self._today())
            return await self._save(progress, answers, {question.id: str(other)}, typed=message_id)
        try:
            value = parse_text(question, text)
            answers = apply_answer(progress.survey, progress.answers, question.id, value, today=self._today())
        except InvalidAnswer as error:
            return Rejected(progress, error)
        return await self._save(progress, answers, {question.id: None}, typed=message_id)

    async def voice_answer(
        self, progress: Progress, file_id: str, duration: int, message_id: int | None = None
    ) -> Progress | Rejected:
        """A voice message to a text question that accepts one: stored as its file id and duration."""
        question = self._current(progress)
        if await self._sent_before_question(progress, message_id):
            return Rejected(progress, InvalidAnswer(SENT_BEFORE_QUESTION))
        if progress.phase is Phase.OTHER_TEXT or not question.accept_voice:
            return Rejected(progress, InvalidAnswer("voice_not_accepted"))
        value = {VOICE: file_id, "duration": duration}
        try:
            answers = apply_answer(progress.survey, progress.answers, question.id, value, today=self._today())
        except InvalidAnswer as error:
            return Rejected(progress, error)
        return await self._save(progress, answers, {question.id: None}, typed=message_id)

    async def _sent_before_question(self, progress: Progress, message_id: int | None) -> bool:
        """Was this message sent before the question now asked reached the person? Yes when it is
        numbered right after the last typed answer stored: the bot answers every stored answer with a
        message (the next question), which would have taken that number. Two quick messages ("6", "6")
        would otherwise answer two questions, the second one unseen. The message's number is kept, so a
        third one of the same burst is caught too."""
        last = progress.response.last_typed_message_id
        if message_id is None or last is None or message_id > last + 1:
            return False
        await self._write(progress.response, last_typed_message_id=max(last, message_id))
        return True

    async def skip(self, progress: Progress) -> Progress | Rejected:
        question = self._current(progress)
        try:
            answers = skip(progress.survey, progress.answers, question.id)
        except InvalidAnswer as error:
            return Rejected(progress, error)
        return await self._save(progress, answers, {question.id: None})

    async def back(self, progress: Progress) -> Progress:
        """Go to the previous relevant question, to change its answer."""
        current = progress.question.id if progress.question is not None else None
        previous = previous_question(progress.survey, progress.answers, current)
        if previous is None:
            return progress
        return await self._move(progress, previous.id)

    async def change(self, progress: Progress, question_id: str) -> Progress:
        """From the review: ask a question again."""
        return await self._move(progress, question_id)

    async def submit(self, progress: Progress) -> Progress:
        if not isinstance(progress.step, Review) or progress.phase is not Phase.REVIEW:
            raise StaleButton(progress)
        now = self._clock.now()
        await self._write(
            progress.response,
            status=ResponseStatus.COMPLETED,
            completed_at=now,
            updated_at=now,
            current_question=None,
            pending=None,
            assisted_by=None,  # an assisted interview is out of the worker's reach now
        )
        progress.phase = Phase.DONE
        return progress

    async def set_language(self, progress: Progress, language: str) -> Progress:
        await self._write(progress.response, language=language, updated_at=self._clock.now())
        return progress

    # --- writing -----------------------------------------------------------------------------------

    async def _write(self, response: Response, **values: Any) -> None:
        """Write these columns of the response as one UPDATE, with its revision check: a concurrent
        update of the same response that committed first makes this one fail (StaleDataError, told to
        the person as a stale button) instead of interleaving with it.

        This is what the ORM's unit of work does for `version_id_col`, at about a third of its CPU: the
        flush was an answer's costliest statement (bench/RESULTS.md §1). The values are then set on the
        object as already stored, so the session does not write them again."""
        revision = response.revision
        parameters = {f"v_{name}": value for name, value in values.items()}
        parameters.update(b_id=response.id, b_revision=revision, b_next=revision + 1)
        result = await self._session.execute(_response_update(tuple(values)), parameters)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleDataError(f"response {response.id} changed since revision {revision}")
        for name, value in values.items():
            set_committed_value(response, name, value)
        set_committed_value(response, "revision", revision + 1)

    def _current(self, progress: Progress) -> Question:
        if progress.question is None:
            raise StaleButton(progress)
        return progress.question

    async def _await_other(self, progress: Progress, value: AnswerValue | None) -> Progress:
        question = self._current(progress)
        selection = value if isinstance(value, list) else []
        return await self._set_pending(
            progress, {"q": question.id, "other": True, "value": value, "selection": selection}
        )

    async def _set_pending(self, progress: Progress, pending: dict[str, Any]) -> Progress:
        response = progress.response
        await self._write(response, pending=pending, updated_at=self._clock.now())
        return self._with_step(
            progress.round, progress.survey, response, progress.answers, progress.other_texts
        )

    async def _move(self, progress: Progress, question_id: str) -> Progress:
        try:
            ask(progress.survey, progress.answers, question_id)
        except InvalidAnswer as exc:
            raise StaleButton(progress) from exc
        response = progress.response
        await self._write(response, current_question=question_id, pending=None, updated_at=self._clock.now())
        return self._with_step(
            progress.round, progress.survey, response, progress.answers, progress.other_texts
        )

    async def _save(
        self,
        progress: Progress,
        answers: dict[str, AnswerValue | None],
        other_texts: dict[str, str | None],
        *,
        typed: int | None = None,
    ) -> Progress:
        """Store the new answers and position together (and `typed`, the message id of a typed answer).
        The response row is written first: its revision check is what makes a concurrent twin of this
        update fail before it touches any answer."""
        closed_at = progress.round.closed_at  # read under a share lock in this transaction
        if closed_at is not None and closed_at <= self._clock.now():
            raise RoundClosed()
        now = self._clock.now()
        response = progress.response
        position: dict[str, Any] = {"current_question": None, "pending": None, "updated_at": now}
        if typed is not None:
            position["last_typed_message_id"] = typed
        await self._write(response, **position)
        removed = [qid for qid in progress.answers if qid not in answers]
        if removed:
            await self._session.execute(
                delete(Answer).where(Answer.response_id == response.id, Answer.question_id.in_(removed))
            )
        others = dict(progress.other_texts)
        for question_id, other in other_texts.items():
            if other is None:
                others.pop(question_id, None)
            else:
                others[question_id] = other
        for question_id, value in answers.items():
            if (
                question_id in progress.answers
                and progress.answers[question_id] == value
                and (question_id not in other_texts)
            ):
                continue
            await upsert(
                self._session,
                Answer,
                {
                    "response_id": response.id,
                    "question_id": question_id,
                    "value": value,
                    "other_text": others.get(question_id),
                    "answered_at": now,
                },
                conflict=["response_id", "question_id"],
                update=["value", "other_text", "answered_at"],
            )
        for question_id in removed:
            others.pop(question_id, None)
        return self._with_step(progress.round, progress.survey, response, answers, others)


# The per-answer reads, built once: a statement object that is reused skips its construction and keeps
# its SQL cache key (bench/RESULTS.md §1). The share lock and populate_existing: see round_and_survey.
_ROUND_AND_CHECKSUM = (
    select(Round, SurveyVersion.checksum)
    .join(SurveyVersion, Round.survey_id == SurveyVersion.id)
    .where(Round.id == bindparam("round_id"))
    .with_for_update(read=True, of=Round)
    .execution_options(populate_existing=True)
)


def _theirs(*, in_round: bool) -> ColumnElement[bool]:
    """The responses a person acts on: their own, and the assisted interview they are conducting.

    Found by two indexed lookups (through their respondents; by assisting worker) whose ids the outer
    read takes by primary key. The same condition written as an OR across the join with `respondents` made
    the database read every response of the round, or of all rounds, on each button: a cost that grew with
    every resident (bench/RESULTS.md §3). tests/test_query_plans.py keeps these reads indexed."""
    mine, conducted = aliased(Response), aliased(Response)
    own = (
        select(mine.id)
        .join(Respondent, mine.respondent_id == Respondent.id)
        .where(Respondent.contact_id == bindparam("contact_id"))
    )
    assisting = select(conducted.id).where(conducted.assisted_by == bindparam("contact_id"))
    if in_round:
        own = own.where(Respondent.round_id == bindparam("round_id"))
        assisting = assisting.where(conducted.round_id == bindparam("round_id"))
    return Response.id.in_(union_all(own, assisting))


_RESPONSE_OF = (
    select(Response).where(_theirs(in_round=True)).order_by(Response.assisted_by.is_(None)).limit(1)
)
# A person's response with its round (read as round_and_survey reads it), survey checksum and answers.
_WITH_ROUND = (
    select(Response, Round, SurveyVersion.checksum, AnswersOfResponse())
    .join(Round, Response.round_id == Round.id)
    .join(SurveyVersion, Round.survey_id == SurveyVersion.id)
    .limit(1)
    .with_for_update(read=True, of=Round)
    .execution_options(populate_existing=True)
)
# The response a button of this round refers to.
_RESPONSE_AND_ROUND = _WITH_ROUND.where(_theirs(in_round=True)).order_by(Response.assisted_by.is_(None))
# Where typed answers go: the in-progress response touched last.
_ACTIVE = _WITH_ROUND.where(_theirs(in_round=False), Response.status == ResponseStatus.IN_PROGRESS).order_by(
    Response.assisted_by.is_(None), Response.updated_at.desc(), Response.id.desc()
)
_ANSWERS_OF = select(Answer.question_id, Answer.value, Answer.other_text).where(
    Answer.response_id == bindparam("response_id")
)


@cache
def _response_update(columns: tuple[str, ...]) -> Update:
    """UPDATE responses SET <columns>, revision = next WHERE id and revision match (built once per set of
    columns, like the upserts)."""
    table = Response.__table__
    assert isinstance(table, Table)
    values: dict[str, Any] = {name: bindparam(f"v_{name}", type_=table.c[name].type) for name in columns}
    values["revision"] = bindparam("b_next", type_=table.c.revision.type)
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.revision == bindparam("b_revision"))
        .values(values)
    )


class StaleButton(StaleAction):
    """A button that is not from the current screen; carries the current progress to show instead."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


def _as_text_question(question: Question) -> Question:
    """The free-text "please specify" that follows an Other choice."""
    from dataclasses import replace

    return replace(
        question,
        type=QuestionType.TEXT,
        max_length=500,
        constraint=None,
        relevant=None,
        min=None,
        max=None,
        choices=(),
        other=False,
    )
