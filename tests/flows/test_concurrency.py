"""Twenty fast taps on one button store one answer: with per-resident event isolation, and without it,
when only the database constraints and the response's revision check stand in the way. One resident's
slow reply does not hold up the others."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.fsm.storage.memory import DisabledEventIsolation
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.config import Settings
from bot.db.models import Answer, ProcessedUpdate, Response
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.flows.journey import PAYLOAD, agree
from tests.harness import Running, running_bot


@pytest.mark.parametrize("isolated", [True, False], ids=["isolation", "no-isolation"])
async def test_twenty_taps_store_one_answer(
    settings: Settings, tg: FakeTelegram, clock: FrozenClock, resident: FakeUser, isolated: bool
) -> None:
    """Every tap is answered; one answer is stored and the resident moves on exactly one question."""
    isolation = None if isolated else DisabledEventIsolation()
    async with running_bot(settings, tg, clock, isolation=isolation) as bot:
        rnd = await bot.open_round(payload=PAYLOAD)
        await agree(resident)
        await resident.press("Digital skills: computer, smartphone, online forms")
        await resident.press("Done ✅")
        await resident.press("In the evening")
        await resident.press("Done ✅")
        question = resident.last_message.snapshot()
        assert "in person or online" in question.content
        answered_before = len(tg.callback_answers)
        await asyncio.gather(*(resident.press_in(question, "Both") for _ in range(20)))
        assert len(tg.callback_answers) == answered_before + 20
        async with bot.session() as session:
            rows = (
                (await session.execute(select(Answer).where(Answer.question_id == "format"))).scalars().all()
            )
            response = (await session.execute(select(Response))).scalar_one()
        assert [row.value for row in rows] == ["both"]
        assert response.round_id == rnd.id
        assert (await bot.answers_of(resident.user_id, rnd.id)).keys() == {"topics", "time_of_day", "format"}
        asked = [m for m in tg.messages(resident.user_id) if "What stops you from learning" in m.content]
        assert asked, "the next question was shown"


async def test_restart_mid_survey_continues_at_the_same_question(
    settings: Settings, tg: FakeTelegram, clock: FrozenClock, resident: FakeUser
) -> None:
    """The bot is restarted between two answers; /start offers Continue and the resident goes on at the
    question they were on, with their answers intact."""
    async with running_bot(settings, tg, clock) as bot:
        rnd = await bot.open_round(payload=PAYLOAD)
        await agree(resident)
        await resident.press("Digital skills: computer, smartphone, online forms")
        await resident.press("Done ✅")
        await resident.press("In the morning")
    async with running_bot(settings, tg, clock) as bot:
        await resident.start()
        replies = await resident.press("▶️ Continue: Charleroi, a learning city")
        assert "When could you learn?" in replies[-1].content
        assert "✓ In the morning" in [b for row in resident.buttons() for b in row]
        await resident.press("Done ✅")
        assert await bot.answers_of(resident.user_id, rnd.id) == {
            "topics": ["digital"],
            "time_of_day": ["morning"],
        }


async def test_a_slow_reply_does_not_hold_up_other_residents(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    """While Telegram keeps one resident's next question waiting, another resident's answer is saved and
    answered. On SQLite an update's work is committed before its replies (bot/commit_point.py), so it
    does not hold the one writer through them (bench/RESULTS.md §1, session 7); PostgreSQL locks only
    the resident's own rows."""
    rnd = await bot.open_round(payload=PAYLOAD)
    other = tg.user(user_id=7_700_000_002, first_name="Omar", language_code="en")
    for person in (resident, other):
        await agree(person)
        await person.press("Digital skills: computer, smartphone, online forms")
    held = tg.hold("sendMessage")
    slow = asyncio.create_task(resident.press("Done ✅"))
    await asyncio.wait_for(held.arrived.wait(), 5)
    if bot.app.ctx.engine.dialect.name == "sqlite":
        assert await bot.answers_of(resident.user_id, rnd.id) == {"topics": ["digital"]}, "saved already"
    replies = await asyncio.wait_for(other.press("Done ✅"), 5)
    assert any("When could you learn?" in reply.content for reply in replies)
    assert await bot.answers_of(other.user_id, rnd.id) == {"topics": ["digital"]}
    held.release()
    replies = await asyncio.wait_for(slow, 5)
    assert any("When could you learn?" in reply.content for reply in replies)
    assert await bot.answers_of(resident.user_id, rnd.id) == {"topics": ["digital"]}
    async with bot.session() as session:
        assert (await session.execute(select(ProcessedUpdate.completed))).scalars().all() == [True] * len(
            tg.webhook_deliveries
        )
