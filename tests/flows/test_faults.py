"""Faults a resident must not feel: Telegram saying "slow down" or failing, the resident blocking the bot,
the database dropping out for a moment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from bot.db.models import Contact
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.flows.journey import PAYLOAD, agree
from tests.harness import Running


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


@contextmanager
def database_drops(bot: Running, on: str) -> Iterator[list[str]]:
    """The database fails the first statement containing `on` (e.g. the answers' INSERT)."""
    failed: list[str] = []

    def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if on in statement and not failed:
            failed.append(statement)
            raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    engine = bot.app.ctx.engine.sync_engine
    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield failed
    finally:
        event.remove(engine, "before_cursor_execute", fail)


async def test_database_hiccup_mid_answer_leaves_nothing_half_written(
    bot: Running, resident: FakeUser
) -> None:
    """The answer's INSERT fails after the position was updated: the whole update is rolled back, the
    resident is asked to try again, and the same press then works."""
    rnd = await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await resident.press("Digital skills: computer, smartphone, online forms")
    with database_drops(bot, "INSERT INTO answers") as failed:
        replies = await resident.press("Done ✅")
    assert failed
    assert replies[-1].content.startswith("Sorry, I could not save that just now.")
    assert await bot.answers(rnd.id) == []
    async with bot.session() as session:
        from bot.db.models import Response

        response = (await session.execute(select(Response))).scalar_one()
    assert response.current_question is None
    assert response.pending == {"q": "topics", "selection": ["digital"]}
    await resident.press("Done ✅")
    assert await bot.answers_of(resident.user_id, rnd.id) == {"topics": ["digital"]}
    assert "When could you learn?" in resident.last_text


async def test_database_unreachable_at_the_first_query(bot: Running, resident: FakeUser) -> None:
    """Even the contact lookup failing gets the resident a reply in their language."""
    with database_drops(bot, "FROM contacts"):
        replies = await resident.send_command("help")
    assert replies[-1].content.startswith("Sorry, I could not save that just now.")
