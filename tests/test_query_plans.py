"""The reads made on every update find their rows by an index: none reads a whole table, or every
response of a round, so their cost does not grow with the number of residents (bench/RESULTS.md §3: a
button once read every response of its round)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.expression import ClauseElement

from bot import fsm_storage
from bot.services import answering, contacts

PER_UPDATE: dict[str, ClauseElement] = {
    "contact": contacts._BY_TELEGRAM_ID,
    "FSM state": fsm_storage._STATE,
    "FSM data": fsm_storage._DATA,
    "round": answering._ROUND_AND_CHECKSUM,
    "answers": answering._ANSWERS_OF,
    "a button's response": answering._RESPONSE_OF,
    "a button's response and round": answering._RESPONSE_AND_ROUND,
    "where typed answers go": answering._ACTIVE,
}
PER_PERSON = {"a button's response", "a button's response and round", "where typed answers go"}


def plan(path: Path, statement: ClauseElement) -> list[str]:
    sql = str(statement.compile(dialect=sqlite.dialect()))
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        rows = connection.execute(f"EXPLAIN QUERY PLAN {sql}", [1] * sql.count("?")).fetchall()
    return [row[-1] for row in rows]


@pytest.mark.parametrize("name", PER_UPDATE)
def test_each_read_of_an_update_uses_an_index(sqlite_template: Path, name: str) -> None:
    steps = plan(sqlite_template, PER_UPDATE[name])
    assert not [step for step in steps if step.startswith("SCAN")], steps
    if name in PER_PERSON:
        # responses are found by id, respondent or assisting worker: never all those of a round
        responses = [step for step in steps if step.startswith("SEARCH responses")]
        by = ("(rowid=?)", "(respondent_id=?)", "(assisted_by=?)")
        assert responses and all(s.endswith(by) for s in responses), steps
