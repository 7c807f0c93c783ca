"""Exports of a round (CSV, XLSX, JSON Lines), streamed from the database in batches.

Responses and their answers come from two server-side cursors, `BATCH` responses at a time, and each batch
is shaped and written in a worker thread, so memory stays flat whatever the number of responses, and the
bot keeps answering others meanwhile.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncResult, AsyncSession

from bot.clock import Clock
from bot.db.models import Answer, Link, Response, Round
from bot.services.export_layout import Cell, Layout, ResponseRow, header
from bot.services.export_writers import CsvWriter, ExportWriter, JsonLinesWriter, XlsxWriter
from bot.services.labels import Translate
from bot.services.stats import StatsService
from surveys import Survey

BATCH = 500  # responses
ANSWERS_BATCH = 5_000  # answer rows per fetch
Given = dict[str, tuple[Any, str | None]]  # a response's answers: {question: (value, other text)}


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"

    @property
    def suffix(self) -> str:
        return {"csv": ".csv", "xlsx": ".xlsx", "json": ".jsonl"}[self.value]


@dataclass(frozen=True)
class Exported:
    path: Path
    filename: str
    responses: int
    completed: int


def open_writer(fmt: ExportFormat, path: Path, survey: Survey) -> ExportWriter:
    if fmt is ExportFormat.CSV:
        return CsvWriter(path, header(survey))
    if fmt is ExportFormat.XLSX:
        return XlsxWriter(path, header(survey))
    return JsonLinesWriter(path)


def file_name(rnd: Round, survey: Survey, fmt: ExportFormat) -> str:
    return f"round-{rnd.id}-{survey.id}-v{survey.version}{fmt.suffix}"


class ExportService:
    def __init__(
        self,
        session: AsyncSession,
        stats: StatsService,
        key: bytes,
        tz: tzinfo,
        clock: Clock,
        translate: Translate,
    ) -> None:
        self._session = session
        self._stats = stats
        self._key = key
        self._tz = tz
        self._clock = clock
        self._translate = translate

    async def export(
        self,
        round_id: int,
        fmt: ExportFormat,
        directory: Path,
        *,
        labels: str | None = None,
        include_test: bool = False,
    ) -> Exported:
        """Write the round's export into `directory`; raises StaffRoundNotFound or TestRoundExcluded."""
        rnd, survey = await self._stats.round_and_survey(round_id, include_test)
        layout = Layout(survey, rnd.id, self._key, self._tz, labels, self._translate)
        name = file_name(rnd, survey, fmt)
        path = directory / name
        writer = await asyncio.to_thread(open_writer, fmt, path, survey)
        shape = layout.record if fmt is ExportFormat.JSON else layout.row
        responses = completed = 0
        link_labels = dict(
            (await self._session.execute(select(Link.code, Link.label).where(Link.round_id == rnd.id))).all()
        )
        try:
            async for rows in self._responses(rnd.id, link_labels):
                responses += len(rows)
                completed += sum(row.completed_at is not None for row in rows)
                await asyncio.to_thread(_write, writer, shape, rows)
        finally:
            summary = self._summary(rnd, survey, responses, completed)
            # Only the workbook has a codebook sheet; its labels may need the bot's catalogs.
            codebook = layout.codebook() if fmt is ExportFormat.XLSX else []
            await asyncio.to_thread(writer.close, codebook, summary)
        return Exported(path, name, responses, completed)

    async def _responses(self, round_id: int, labels: dict[str, str]) -> AsyncIterator[list[ResponseRow]]:
        """The round's responses with their answers, in order, `BATCH` at a time. Two server-side cursors
        read side by side: the responses, and their answers in the same order (a join would repeat, and
        convert, each response's columns once per answer). A source that is a link's code is given as the
        link's label (never the link's owner)."""
        connection = await self._session.connection()
        heads = await connection.stream(
            select(
                Response.id,
                Response.respondent_id,
                Response.language,
                Response.source,
                Response.status,
                Response.started_at,
                Response.completed_at,
                Response.assisted,
            )
            .where(Response.round_id == round_id)
            .order_by(Response.id)
            .execution_options(yield_per=BATCH)
        )
        answers = _Answers(
            await connection.stream(
                select(Answer.response_id, Answer.question_id, Answer.value, Answer.other_text)
                .join(Response, Response.id == Answer.response_id)
                .where(Response.round_id == round_id)
                .order_by(Response.id, Answer.id)
                .execution_options(yield_per=ANSWERS_BATCH)
            )
        )
        try:
            async for partition in heads.partitions():
                # Answers of a response not among the heads (one that appeared since they were read)
                # are passed over.
                given = await answers.upto(partition[-1][0])
                yield [_row(head, given.get(head[0], {}), labels) for head in partition]
        finally:
            await answers.close()
            await heads.close()

    def _summary(self, rnd: Round, survey: Survey, responses: int, completed: int) -> list[list[Cell]]:
        return [
            ["round", rnd.id],
            ["title", rnd.title or survey.title.get(survey.default_language)],
            ["survey", survey.id],
            ["version", survey.version],
            ["test round", "yes" if rnd.is_test else "no"],
            ["exported at", self._clock.now().astimezone(self._tz).isoformat(timespec="seconds")],
            ["responses", responses],
            ["completed", completed],
            ["in progress", responses - completed],
        ]


class _Answers:
    """A round's answers in response order, read a partition at a time and handed out by response."""

    def __init__(self, result: AsyncResult[Any]) -> None:
        self._result = result
        self._partitions = result.partitions()
        self._pending: Sequence[Sequence[Any]] = ()  # rows read beyond the responses asked for so far

    async def upto(self, last: int) -> dict[int, Given]:
        """The answers of each response up to response `last`, by response id."""
        by_response: dict[int, Given] = {}
        current, given = None, {}
        rows: Sequence[Sequence[Any]] | None = self._pending
        while rows is not None:
            for at, row in enumerate(rows):
                if row[0] != current:
                    if row[0] > last:
                        self._pending = rows[at:]
                        return by_response
                    current = row[0]
                    given = by_response[current] = {}
                given[row[1]] = (row[2], row[3])
            rows = await anext(self._partitions, None)
        self._pending = ()
        return by_response

    async def close(self) -> None:
        await self._result.close()


def _row(head: Sequence[Any], answers: Given, labels: dict[str, str]) -> ResponseRow:
    _id, respondent, language, source, status, started, completed, assisted = head
    source = labels.get(source, source) if source is not None else None
    return ResponseRow(
        respondent, language, source, str(status), started, completed, answers, assisted=bool(assisted)
    )


def _write(writer: ExportWriter, shape: Callable[[ResponseRow], Any], rows: list[ResponseRow]) -> None:
    """Shape and write a batch (in a worker thread: the event loop stays free for the bot's updates)."""
    writer.write([shape(row) for row in rows])
