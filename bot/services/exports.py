"""Exports of a round (CSV, XLSX, JSON Lines), streamed from the database in batches.

Rows come from a server-side cursor `BATCH` at a time and each batch is written in a worker thread, so
memory stays flat whatever the number of responses, and the bot keeps answering others meanwhile.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.models import Answer, Link, Response, Round
from bot.services.export_layout import Cell, Layout, ResponseRow, header
from bot.services.export_writers import CsvWriter, ExportWriter, JsonLinesWriter, XlsxWriter
from bot.services.labels import Translate
from bot.services.stats import StatsService
from surveys import Survey

BATCH = 500


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
        batch: list[Any] = []
        link_labels = dict(
            (await self._session.execute(select(Link.code, Link.label).where(Link.round_id == rnd.id))).all()
        )
        try:
            async for response in self._responses(rnd.id, link_labels):
                responses += 1
                completed += response.completed_at is not None
                batch.append(shape(response))
                if len(batch) >= BATCH:
                    await asyncio.to_thread(writer.write, batch)
                    batch = []
            if batch:
                await asyncio.to_thread(writer.write, batch)
        finally:
            summary = self._summary(rnd, survey, responses, completed)
            await asyncio.to_thread(writer.close, layout.codebook(), summary)
        return Exported(path, name, responses, completed)

    async def _responses(self, round_id: int, labels: dict[str, str]) -> Any:
        """Each response with its answers, in order; one pass over a server-side cursor. A source that is
        a link's code is given as the link's label (never the link's owner)."""
        result = await self._session.stream(
            select(
                Response.id,
                Response.respondent_id,
                Response.language,
                Response.source,
                Response.status,
                Response.started_at,
                Response.completed_at,
                Response.assisted,
                Answer.question_id,
                Answer.value,
                Answer.other_text,
            )
            .outerjoin(Answer, Answer.response_id == Response.id)
            .where(Response.round_id == round_id)
            .order_by(Response.id, Answer.id)
            .execution_options(yield_per=BATCH)
        )
        current: list[Any] | None = None
        answers: dict[str, tuple[Any, str | None]] = {}
        async for row in result:
            if current is None or row[0] != current[0]:
                if current is not None:
                    yield _row(current, answers, labels)
                current, answers = list(row), {}
            if row[8] is not None:
                answers[row[8]] = (row[9], row[10])
        if current is not None:
            yield _row(current, answers, labels)

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


def _row(head: list[Any], answers: dict[str, tuple[Any, str | None]], labels: dict[str, str]) -> ResponseRow:
    _id, respondent, language, source, status, started, completed, assisted = head[:8]
    source = labels.get(source, source) if source is not None else None
    return ResponseRow(
        respondent, language, source, str(status), started, completed, answers, assisted=bool(assisted)
    )
