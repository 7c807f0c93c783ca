"""The shape of an export: columns from the survey, one flat row per response. Pure functions.

One column per question (choice codes, or labels in a language); select_multiple: one 0/1 column per
choice (`topics/languages`); rank: one column per position (`priorities_1`); the text given with `other`:
`<question>_other`. Metadata first. Respondents appear only as a keyed hash of round and respondent id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cached_property
from typing import Any

from bot.services.labels import Translate, choice_label, untranslated
from surveys import Question, QuestionType, Survey

META = ("respondent", "language", "source", "assisted", "started", "completed", "status")
LABELLED = frozenset({QuestionType.SELECT_ONE, QuestionType.YES_NO, QuestionType.RANK})
Cell = str | int | float | None
_UNANSWERED: tuple[None, None] = (None, None)


def pseudonym(key: bytes, round_id: int, respondent_id: str) -> str:
    """The same in two exports of one round, different across rounds: responses can't be linked."""
    return hmac.digest(key, f"{round_id}:{respondent_id}".encode(), hashlib.sha256).hex()[:16]


@dataclass(frozen=True)
class ResponseRow:
    """A response as read from the database, with its answers: {question: (value, other text)}."""

    respondent_id: str
    language: str
    source: str | None
    status: str
    started_at: datetime
    completed_at: datetime | None
    answers: Mapping[str, tuple[Any, str | None]]
    assisted: bool = False  # an assisted interview (a community worker filled it in with the resident)


def question_columns(question: Question) -> list[str]:
    if question.is_note:
        return []
    if question.type is QuestionType.SELECT_MULTIPLE:
        columns = [f"{question.id}/{code}" for code in question.choice_ids]
    elif question.type is QuestionType.RANK:
        columns = [f"{question.id}_{n}" for n in range(1, question.rank_size + 1)]
    else:
        columns = [question.id]
    if question.other:
        columns.append(f"{question.id}_other")
    return columns


def header(survey: Survey) -> list[str]:
    return [*META, *(column for q in survey.questions for column in question_columns(q))]


def when(moment: datetime | None, tz: tzinfo) -> str | None:
    return moment.astimezone(tz).isoformat(timespec="seconds") if moment is not None else None


@dataclass(frozen=True)
class Layout:
    survey: Survey
    round_id: int
    key: bytes
    tz: tzinfo
    labels: str | None = None  # a language: labels instead of codes
    translate: Translate = untranslated

    def _code(self, question: Question, code: Any) -> Cell:
        if self.labels is None or question.type not in LABELLED:
            return code  # type: ignore[no-any-return]
        return choice_label(self.survey, question, str(code), self.labels, self.translate)

    @cached_property
    def _answerable(self) -> tuple[tuple[Question, tuple[str, ...]], ...]:
        """Each question that has columns, with its select_multiple codes (worked out once, not per row)."""
        return tuple(
            (q, q.choice_ids if q.type is QuestionType.SELECT_MULTIPLE else ())
            for q in self.survey.questions
            if not q.is_note
        )

    def row(self, response: ResponseRow) -> list[Cell]:
        cells: list[Cell] = [
            pseudonym(self.key, self.round_id, response.respondent_id),
            response.language,
            response.source,
            int(response.assisted),
            when(response.started_at, self.tz),
            when(response.completed_at, self.tz),
            response.status,
        ]
        answers = response.answers
        codes_only = self.labels is None
        # Written out rather than through helpers: it runs for every cell of every export.
        for question, choices in self._answerable:
            value, other = answers.get(question.id, _UNANSWERED)
            if question.type is QuestionType.SELECT_MULTIPLE:
                if value is None:
                    cells += [None] * len(choices)
                else:
                    chosen = set(value) if isinstance(value, list) else set()
                    cells += [int(code in chosen) for code in choices]
            elif question.type is QuestionType.RANK:
                ranked = list(value) if isinstance(value, list) else []
                ranked += [None] * (question.rank_size - len(ranked))
                if not codes_only:
                    ranked = [self._code(question, c) if c is not None else None for c in ranked]
                cells += ranked
            elif codes_only or value is None:
                cells.append(value)
            else:
                cells.append(self._code(question, value))
            if question.other:
                cells.append(other)
        return cells

    def record(self, response: ResponseRow) -> dict[str, Any]:
        """Full fidelity, for JSON Lines: the stored values as they are."""
        return {
            "respondent": pseudonym(self.key, self.round_id, response.respondent_id),
            "round": self.round_id,
            "survey": self.survey.id,
            "version": self.survey.version,
            "language": response.language,
            "source": response.source,
            "assisted": response.assisted,
            "started": when(response.started_at, self.tz),
            "completed": when(response.completed_at, self.tz),
            "status": response.status,
            "answers": {
                qid: ({"value": value, "other": other} if other is not None else {"value": value})
                for qid, (value, other) in response.answers.items()
            },
        }

    def codebook(self) -> list[list[Cell]]:
        """question, type, choice, then the label in every language of the survey."""
        languages = list(self.survey.languages)
        rows: list[list[Cell]] = [["question", "type", "choice", *languages]]
        for question in self.survey.questions:
            rows.append([question.id, question.type.value, None, *(question.label.get(x) for x in languages)])
            codes = list(question.choice_ids) if question.type is not QuestionType.RANK else []
            codes = codes or [c.id for c in question.choices]
            for code in codes:
                labels = [choice_label(self.survey, question, code, x, self.translate) for x in languages]
                rows.append([question.id, None, code, *labels])
        return rows
