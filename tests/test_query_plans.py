"""The reads made on every update find their rows by an index: none reads a whole table, or every
response of a round, so their cost does not grow with the number of residents (bench/RESULTS.md §3: a
button once read every response of its round).

SQLite's plans are read from an empty database (its planner does not weigh row counts); PostgreSQL's
planner does, so its plans are read after filling the tables with a crowd of residents and ANALYZE."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from bot import fsm_storage
from bot.services import answering, contacts
from tests.harness import Running

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


# A crowd in one round: a contact, respondent, response, FSM record and ANSWERS answers per resident.
CROWD = 20_000
ANSWERS = 5
GROWING = {"contacts", "respondents", "responses", "answers", "fsm_states"}
_SEED = [
    """INSERT INTO contacts (telegram_id, chat_id, language, created_at)
       SELECT 10000000 + g, 10000000 + g, 'fr', now() FROM generate_series(1, :crowd) AS g""",
    """INSERT INTO respondents (id, contact_id, round_id, created_at)
       SELECT md5(c.id::text), c.id, :round_id, now() FROM contacts AS c""",
    """INSERT INTO responses (round_id, respondent_id, language, status, started_at, updated_at, revision,
                              assisted)
       SELECT :round_id, r.id, 'fr', CASE WHEN random() < 0.5 THEN 'completed' ELSE 'in_progress' END,
              now(), now() - random() * interval '10 days', 1, false
       FROM respondents AS r""",
    """INSERT INTO answers (response_id, question_id, value, answered_at)
       SELECT s.id, 'q' || n, to_jsonb(n), now() FROM responses AS s, generate_series(1, :answers) AS n""",
    """INSERT INTO fsm_states (key, state, data, updated_at)
       SELECT md5('fsm' || g), NULL, '{}', now() FROM generate_series(1, :crowd) AS g""",
]

_LAST_RESIDENT = """SELECT c.id, c.telegram_id, s.id FROM contacts AS c
    JOIN respondents AS r ON r.contact_id = c.id JOIN responses AS s ON s.respondent_id = r.id
    ORDER BY c.id DESC LIMIT 1"""


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


async def postgres_plan(connection: AsyncConnection, statement: ClauseElement, values: dict[str, Any]) -> Any:
    compiled = statement.compile(dialect=connection.dialect)
    assert isinstance(compiled, SQLCompiler)
    params = compiled.construct_params(values) or {}
    positional = tuple(params[name] for name in compiled.positiontup or ())
    result = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", positional)
    return result.scalar_one()[0]["Plan"]


async def test_each_read_of_an_update_uses_an_index_on_postgresql(bot: Running, backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite's plans are checked above")
    rnd = await bot.open_round(payload="plans")
    sizes = {"crowd": CROWD, "round_id": rnd.id, "answers": ANSWERS}
    async with bot.app.ctx.engine.begin() as connection:
        for seed in _SEED:
            await connection.execute(text(seed), sizes)
        await connection.exec_driver_sql("ANALYZE")
    async with bot.app.ctx.engine.connect() as connection:
        row = (await connection.execute(text(_LAST_RESIDENT))).one()
        values = {
            "contact_id": row[0],
            "telegram_id": row[1],
            "response_id": row[2],
            "round_id": rnd.id,
            "key": "0" * 64,
        }
        for name, statement in PER_UPDATE.items():
            plan = await postgres_plan(connection, statement, values)
            scans = [
                (node["Node Type"], node.get("Relation Name"))
                for node in _nodes(plan)
                if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in GROWING
            ]
            assert not scans, f"{name}: {scans}"
            assert plan["Total Cost"] < 100, f"{name}: {plan['Total Cost']}"
