"""How many SQL statements each kind of resident update costs: a guard against N+1 queries and extra
round trips creeping back into the per-update path (issue 9: per-update work stays small; the CPU it
costs is measured in bench/throughput.py). The FSM state is read only when a state filter asks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bot.fsm_storage import SQLStorage
from tests.fake_telegram import FakeUser
from tests.flows.journey import PAYLOAD, agree, answer_first_part
from tests.harness import Running


@contextmanager
def counting(bot: Running) -> Iterator[list[str]]:
    """The statements run meanwhile, with "BEGIN" where a transaction began (SQLite's BEGIN IMMEDIATE
    rides along with the first statement, so it is counted here rather than seen as a statement)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    def begin(_conn: Any) -> None:
        statements.append("BEGIN")

    engine = bot.app.ctx.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "begin", begin)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "begin", begin)


async def cost(bot: Running, step: Callable[[], Awaitable[object]]) -> list[str]:
    bot.clock.advance(timedelta(seconds=5))  # time moves, as it does between a resident's taps
    with counting(bot) as statements:
        await step()
    return statements


def _transactions(statements: list[str]) -> list[list[str]]:
    transactions: list[list[str]] = []
    for statement in statements:
        if statement == "BEGIN":
            transactions.append([])
        else:
            assert transactions, f"{statement} ran outside a transaction"
            transactions[-1].append(statement)
    return transactions


async def test_answers_cost_few_transactions_and_few_statements(bot: Running, resident: FakeUser) -> None:
    await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await answer_first_part(resident)

    pressed = await cost(bot, lambda: resident.press("4"))
    typed = await cost(bot, lambda: resident.send("6"))
    skipped = await cost(bot, lambda: resident.press("Skip »"))

    on_sqlite = bot.app.ctx.engine.dialect.name == "sqlite"
    for statements in (pressed, typed, skipped):
        # On SQLite two transactions: the update's work, committed before its replies go out
        # (bot/commit_point.py), then the update marked completed. On PostgreSQL, one.
        transactions = _transactions(statements)
        assert len(transactions) == (2 if on_sqlite else 1), statements
        work = transactions[0]
        if on_sqlite:
            assert [s.split(" SET ")[0] for s in transactions[1]] == ["UPDATE processed_updates"], statements
        # the update's claim, contact, the response with its round (share lock) and its answers, the
        # response's position, the new answer; a typed answer also meets the staff conversations' state
        # filters, so the FSM state is read once (from Redis when configured): nothing grows with the
        # number of questions or answers.
        fsm_reads = [s for s in work if "FROM fsm_states" in s]
        in_database = isinstance(bot.app.dispatcher.fsm.storage, SQLStorage)
        assert len(fsm_reads) == (1 if statements is typed and in_database else 0), "\n".join(work)
        assert len(work) <= 5 + len(fsm_reads), "\n".join(work)
        reads_of_the_round = [s for s in work if s.startswith("SELECT") and " JOIN rounds " in s]
        assert len(reads_of_the_round) == 1, "\n".join(work)
        assert not any(s.startswith("SELECT rounds.") for s in work), "\n".join(work)
        # the answers come with the response (bot/db/aggregates.py), not in a statement of their own
        assert "FROM answers" in reads_of_the_round[0], reads_of_the_round[0]
        assert not any(s.startswith("SELECT answers.") for s in work), "\n".join(work)
        # the position is written once, under the response's revision check
        writes = [s for s in work if s.startswith("UPDATE responses SET")]
        assert len(writes) == 1, "\n".join(work)
        assert "responses.revision = " in writes[0].split(" WHERE ", 1)[1], writes[0]
    assert any(s.startswith("INSERT INTO answers") for s in pressed)
    assert any(s.startswith("INSERT INTO answers") for s in typed)
