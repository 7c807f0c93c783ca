"""A response's answers as one JSON array, read in the same statement as the response.

The per-answer reads need the response, its round and its answers. The answers were a statement of their
own: one trip to the database per button, out of six (bench/RESULTS.md §1). This column gathers them in
the read of the response, in each dialect's own words (SQLite's `json_group_array`, PostgreSQL's
`json_agg`): ``[[question_id, value, other_text], …]``, where each value is the stored JSON value itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from bot.db.models import Answer, Response


class AnswersOfResponse(FunctionElement[Any]):
    """The answers of `responses` in the enclosing statement (correlated), as a JSON array."""

    type = JSON()
    inherit_cache = True
    name = "answers_of_response"


def _sqlite(element: AnswersOfResponse, compiler: SQLCompiler, **kw: Any) -> str:
    # json(value): the stored JSON text goes in as JSON, not as a string.
    row = func.json_array(Answer.question_id, func.json(Answer.value), Answer.other_text)
    rows = select(func.json_group_array(row)).where(Answer.response_id == Response.id)
    return compiler.process(rows.scalar_subquery(), **kw)


def _postgresql(element: AnswersOfResponse, compiler: SQLCompiler, **kw: Any) -> str:
    row = func.json_build_array(Answer.question_id, Answer.value, Answer.other_text)
    gathered = func.coalesce(func.json_agg(row), literal_column("'[]'::json"))
    rows = select(gathered).where(Answer.response_id == Response.id)
    return compiler.process(rows.scalar_subquery(), **kw)


compiles(AnswersOfResponse)(_sqlite)  # and for str(statement), in logs and debugging
compiles(AnswersOfResponse, "sqlite")(_sqlite)
compiles(AnswersOfResponse, "postgresql")(_postgresql)
