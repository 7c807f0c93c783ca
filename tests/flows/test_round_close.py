"""Closing a round is atomic (issue 8): an answer arriving at the same moment is either refused or stored
before the close, never half of each."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from bot.db.models import Answer
from bot.services.answering import Progress
from bot.services.container import Services
from tests.fake_telegram import FakeUser
from tests.flows.journey import PAYLOAD, agree, answer_first_part
from tests.harness import Running


async def at_confidence(bot: Running, resident: FakeUser) -> int:
    rnd = await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await answer_first_part(resident)
    assert "Learning something new, how do you feel about it?" in resident.last_text
    return rnd.id


async def close(bot: Running, round_id: int) -> None:
    async with bot.services() as services:
        await services.rounds.close(round_id)


async def test_an_answer_after_the_close_is_refused_kindly_and_not_stored(
    bot: Running, resident: FakeUser
) -> None:
    round_id = await at_confidence(bot, resident)
    before = await bot.count(Answer)
    await close(bot, round_id)

    await resident.press("4")

    assert "closed" in resident.last_text
    assert await bot.count(Answer) == before
    assert "confidence" not in await bot.answers_of(resident.user_id, round_id)


async def someone_waits_for_a_lock(bot: Running) -> None:
    """PostgreSQL: until another transaction is waiting for a row lock (polled, bounded)."""
    async with bot.session() as watcher:
        for _ in range(500):
            waiting = await watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            await watcher.rollback()
            if waiting:
                return
            await asyncio.sleep(0.01)
    raise AssertionError("the close never waited for the answer in flight")


async def test_a_close_waits_for_an_answer_in_flight(bot: Running, resident: FakeUser) -> None:
    """The answer's transaction has read the round (share lock on PostgreSQL; SQLite's write lock) when
    staff close it: the close waits, the answer is stored, and the round is closed after it."""
    round_id = await at_confidence(bot, resident)
    async with bot.app.ctx.sessions() as session:
        services = Services(session, bot.app.ctx)
        contact = await services.contacts.find(resident.user_id)
        progress = await services.runner.active(contact)
        assert isinstance(progress, Progress) and progress.question is not None
        assert progress.question.id == "confidence"

        closing = asyncio.create_task(close(bot, round_id))
        if bot.app.ctx.engine.dialect.name == "postgresql":
            await someone_waits_for_a_lock(bot)
        else:
            for _ in range(20):
                await asyncio.sleep(0)
        assert not closing.done()

        saved = await services.runner.choose(progress, 4)
        assert isinstance(saved, Progress)
        await session.commit()
    await closing

    assert (await bot.answers_of(resident.user_id, round_id))["confidence"] == 4
    async with bot.services() as services:
        rnd = await services.rounds.get(round_id)
        assert rnd is not None and rnd.closed_at is not None
    await resident.press("5")  # the old screen: the round is closed now
    assert "closed" in resident.last_text, resident.last_text
