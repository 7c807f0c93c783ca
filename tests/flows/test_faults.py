"""Faults a resident must not feel: Telegram saying "slow down" or failing, the resident blocking the bot,
the database dropping out for a moment (webhook: answered 500 so Telegram delivers the update again;
polling: the resident is asked to try again)."""

from __future__ import annotations

import pytest
from aiogram.types import Update
from sqlalchemy import select

from bot.db.models import Contact, ProcessedUpdate, Response, Round
from tests.fake_telegram import FakeTelegram, FakeUser, SentMessage
from tests.flows.journey import PAYLOAD, agree
from tests.harness import Running, database_drops


async def test_429_waits_exactly_retry_after_and_sends_once(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    tg.fail("sendMessage", times=1, status=429, retry_after=3)
    replies = await resident.send_command("help")
    assert len([r for r in replies if "/language" in r.content]) == 1
    assert bot.sleeps == [3.0]


async def test_server_errors_are_retried_with_backoff(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    tg.fail("sendMessage", times=2, status=502)
    replies = await resident.send_command("help")
    assert len(replies) == 1
    assert bot.sleeps == [0.5, 1.0]


async def test_a_resident_who_blocked_the_bot_is_marked_and_nothing_escapes(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    tg.block(resident.user_id)
    assert await tg.deliver(resident.text_update("/help")) == 200
    async with bot.session() as session:
        contact = (await session.execute(select(Contact))).scalar_one()
    assert contact.unreachable_since == bot.clock.now()


async def test_blocking_and_unblocking_updates(bot: Running, resident: FakeUser) -> None:
    await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await resident.block_bot()
    async with bot.session() as session:
        assert await session.scalar(select(Contact.unreachable_since)) == bot.clock.now()
    await resident.unblock_bot()
    async with bot.session() as session:
        assert await session.scalar(select(Contact.unreachable_since)) is None


async def _first_answer_as_the_database_drops(
    bot: Running, resident: FakeUser, on: str
) -> tuple[Round, list[SentMessage]]:
    """The resident answers the first question while the database fails the first statement containing
    `on`: the webhook answers 500."""
    rnd = await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await resident.press("Digital skills: computer, smartphone, online forms")
    resident.check_status = False
    with database_drops(bot, on) as failed:
        replies = await resident.press("Done ✅")
    assert failed
    assert resident.last_status == 500
    return rnd, replies


async def test_database_hiccup_mid_answer_is_delivered_again_and_takes_effect_once(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    """The answer's INSERT fails after the position was updated: the whole update is rolled back and the
    webhook answers 500, so Telegram delivers it again (no "try again" reply: the resident need not
    repeat anything); the second delivery stores the answer and moves on, once."""
    rnd, replies = await _first_answer_as_the_database_drops(bot, resident, "INSERT INTO answers")
    assert not [r for r in replies if r.content.startswith("Sorry")]
    assert await bot.answers(rnd.id) == []
    async with bot.session() as session:
        response = (await session.execute(select(Response))).scalar_one()
    assert response.current_question is None
    assert response.pending == {"q": "topics", "selection": ["digital"]}
    update = tg.webhook_deliveries[-1].update
    assert await tg.deliver(update) == 200
    assert await bot.answers_of(resident.user_id, rnd.id) == {"topics": ["digital"]}
    assert "When could you learn?" in resident.last_text
    assert await tg.deliver(update) == 200  # a third delivery changes nothing
    assert await bot.answers_of(resident.user_id, rnd.id) == {"topics": ["digital"]}
    assert len([m for m in tg.messages(resident.user_id) if "When could you learn?" in m.content]) == 1


async def test_database_gone_after_the_replies_the_update_runs_again_on_what_was_saved(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    """SQLite: the answer was saved and the next question sent (the work is committed before the replies,
    bot/commit_point.py), then the database drops as the update is marked completed: 500, and Telegram's
    next delivery runs the update again. It finds the question answered and shows the current one; the
    answer is stored once, and a later delivery of the now completed update is skipped."""
    if bot.app.ctx.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL: an update is one transaction, replies included (the test above)")
    rnd, replies = await _first_answer_as_the_database_drops(bot, resident, "UPDATE processed_updates")
    assert "When could you learn?" in replies[-1].content
    assert await bot.answers_of(resident.user_id, rnd.id) == {"topics": ["digital"]}
    update = tg.webhook_deliveries[-1].update

    def asked() -> int:
        return len([m for m in tg.messages(resident.user_id) if "When could you learn?" in m.content])

    before = asked()
    assert await tg.deliver(update) == 200
    assert await bot.answers_of(resident.user_id, rnd.id) == {"topics": ["digital"]}
    assert "When could you learn?" in resident.last_text
    assert await tg.deliver(update) == 200  # completed now: skipped
    assert asked() == before + 1
    async with bot.session() as session:
        assert await session.scalar(
            select(ProcessedUpdate.completed).where(ProcessedUpdate.update_id == update["update_id"])
        )


async def test_database_unreachable_at_the_first_query_asks_for_redelivery(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    """Even the contact lookup failing: 500, and the redelivered update is answered normally."""
    resident.check_status = False
    with database_drops(bot, "FROM contacts"):
        replies = await resident.send_command("help")
    assert resident.last_status == 500
    assert replies == []
    assert await tg.deliver(tg.webhook_deliveries[-1].update) == 200
    assert "/language" in resident.last_text


async def test_without_a_webhook_the_resident_is_asked_to_try_again(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    """With long polling Telegram never delivers an update twice: the resident gets a reply in their
    language saying nothing was saved and to try again."""
    raw = {"update_id": tg.next_update_id(), **resident.text_update("/help")}
    tg.observe(raw)  # the fake learns of the chat, as when it hands out an update
    update = Update.model_validate(raw, context={"bot": bot.app.bot})
    with database_drops(bot, "FROM contacts"):
        await bot.app.dispatcher.feed_update(bot.app.bot, update)
    assert resident.last_text.startswith("Sorry, I could not save that just now.")
