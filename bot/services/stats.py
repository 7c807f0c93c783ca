"""Live figures of a round: the database gives counts; pure functions turn them into suppressed tables.

Nothing here holds more than counts and (for the median) one duration per completed response.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Answer, Link, Response, ResponseStatus, Round, SurveyVersion
from bot.errors import StaffRoundNotFound, TestRoundExcluded
from bot.services.labels import chart_codes, codes_of
from bot.services.suppression import Table, suppress
from bot.services.surveys import SurveyStore
from surveys import Question, Survey

DIRECT = "direct"  # the source of responses that came without a link's code
ASSISTED = "assisted"  # answered with a community worker (assisted interview)
UNASSISTED = "self"  # answered by the residents themselves
BATCH = 1000


@dataclass(frozen=True)
class Tally:
    """One published table: categories (codes), their suppressed counts, and how many answered."""

    key: str
    codes: tuple[str, ...]
    table: Table
    question: Question | None = None


@dataclass(frozen=True)
class Figures:
    round: Round
    survey: Survey
    started: int
    completed: int
    median_seconds: float | None
    dropoff: Tally
    breakdowns: tuple[Tally, ...]
    distributions: tuple[Tally, ...]
    k: int

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.started if self.started else None


def tally(key: str, counts: Mapping[str, int], k: int, order: Iterable[str] = (), **extra: object) -> Tally:
    """A suppressed table of `counts`, categories in `order` first, then any others by count."""
    codes = list(dict.fromkeys(order))
    codes += sorted((c for c in counts if c not in codes), key=lambda c: (-counts[c], c))
    values = [counts.get(code, 0) for code in codes]
    return Tally(key, tuple(codes), suppress(values, k), **extra)  # type: ignore[arg-type]


def median(values: Iterable[float]) -> float | None:
    data = list(values)
    return statistics.median(data) if data else None


class AnswerCounts:
    """Counts of each chart question's answers, fed one answer at a time (memory: the counts only)."""

    def __init__(self, survey: Survey) -> None:
        self._charted = {q.id: q for q in survey.questions if chart_codes(q)}
        self._counts: dict[str, Counter[str]] = {qid: Counter() for qid in self._charted}

    def add(self, question_id: str, value: object) -> None:
        question = self._charted.get(question_id)
        if question is not None:
            self._counts[question_id].update(codes_of(question, value))

    def tables(self, k: int) -> dict[str, Tally]:
        """One suppressed table per chart question, in survey order."""
        return {
            qid: tally(qid, self._counts[qid], k, chart_codes(question), question=question)
            for qid, question in self._charted.items()
        }


class StatsService:
    def __init__(self, session: AsyncSession, store: SurveyStore, k: int) -> None:
        self._session = session
        self._store = store
        self._k = k

    async def round_and_survey(self, round_id: int, include_test: bool) -> tuple[Round, Survey]:
        row = (
            await self._session.execute(
                select(Round, SurveyVersion.checksum)
                .join(SurveyVersion, SurveyVersion.id == Round.survey_id)
                .where(Round.id == round_id)
            )
        ).first()
        if row is None:
            raise StaffRoundNotFound()
        rnd, checksum = row
        if rnd.is_test and not include_test:
            raise TestRoundExcluded()
        return rnd, await self._store.survey_for(rnd.survey_id, checksum)

    async def _grouped(self, column: object, round_id: int, *where: object) -> dict[str, int]:
        rows = await self._session.execute(
            select(column, func.count())  # type: ignore[call-overload]
            .where(Response.round_id == round_id, *where)
            .group_by(column)
        )
        return {str(key) if key is not None else DIRECT: int(n) for key, n in rows}

    async def _sources(self, round_id: int) -> dict[str, int]:
        """Responses by source, a link's code shown as its label (links with one label add up)."""
        labels = dict(
            (
                await self._session.execute(select(Link.code, Link.label).where(Link.round_id == round_id))
            ).all()
        )
        counts: Counter[str] = Counter()
        for source, n in (await self._grouped(Response.source, round_id)).items():
            counts[labels.get(source, source)] += n
        return dict(counts)

    async def figures(self, round_id: int, *, include_test: bool = False) -> Figures:
        rnd, survey = await self.round_and_survey(round_id, include_test)
        k = self._k
        status = await self._grouped(Response.status, round_id)
        started = sum(status.values())
        completed = status.get(ResponseStatus.COMPLETED.value, 0)
        durations = await self._session.stream(
            select(Response.started_at, Response.completed_at)
            .where(Response.round_id == round_id, Response.completed_at.is_not(None))
            .execution_options(yield_per=BATCH)
        )
        seconds = [(done - begun).total_seconds() async for begun, done in durations if done is not None]
        stopped = await self._grouped(
            Response.current_question, round_id, Response.status == ResponseStatus.IN_PROGRESS
        )
        asked = [q.id for q in survey.questions if not q.is_note]
        dropoff = tally("dropoff", stopped, k, [q for q in asked if q in stopped])
        answers = await self._session.stream(
            select(Answer.question_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == round_id)
            .execution_options(yield_per=BATCH)
        )
        counts = AnswerCounts(survey)
        async for question_id, value in answers:
            counts.add(question_id, value)
        tables = counts.tables(k)
        breakdowns = [
            tally("language", await self._grouped(Response.language, round_id), k, survey.languages),
            tally("source", await self._sources(round_id), k),
        ]
        assisted = await self._grouped(Response.assisted, round_id)
        if assisted.get(str(True)):
            by_help = {ASSISTED: assisted[str(True)], UNASSISTED: assisted.get(str(False), 0)}
            breakdowns.append(tally("assisted", by_help, k, [ASSISTED, UNASSISTED]))
        breakdowns += [tables.pop(qid) for qid in survey.breakdowns if qid in tables]
        return Figures(
            rnd,
            survey,
            started,
            completed,
            median(seconds),
            dropoff,
            tuple(breakdowns),
            tuple(tables.values()),
            k,
        )
