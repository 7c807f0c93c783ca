"""Rounds from Telegram: /newround step by step, /rounds, /round, /close, /reopen, scheduled changes."""

from __future__ import annotations

from datetime import timedelta

from bot.db.models import Round
from handlers.staff import watch
from tests.fake_telegram import FakeUser
from tests.harness import Running


async def test_newround_walks_through_every_step_and_opens_the_round(
    staff_bot: Running, staff: FakeUser
) -> None:
    """Version → title → opens → closes → code → live → preview → confirm: a round with a deep link."""
    await staff.send_command("newround")
    await staff.press("charleroi-learning-city v1")
    await staff.send("Apprendre à Charleroi")
    await staff.press("Now")
    await staff.press("In 14 days")
    await staff.send("apprendre")
    await staff.press("Live round")
    preview = staff.last_text
    assert "Title: Apprendre à Charleroi" in preview and "Link code: apprendre" in preview
    assert "Closes: 2026-12-10 10:00" in preview
    await staff.press("Open the round")
    assert "Link: https://t.me/consultbot_test_bot?start=apprendre" in staff.last_text
    async with staff_bot.services() as services:
        rnd = await services.rounds.by_payload("apprendre")
        assert rnd is not None and rnd.title == "Apprendre à Charleroi" and not rnd.is_test
        actions = [e.action for e in await services.audit.latest()]
    assert actions == ["round.opened", "round.created"]


async def test_newround_refuses_a_closing_date_in_the_past_and_a_taken_code(
    staff_bot: Running, staff: FakeUser
) -> None:
    """Bad input is refused with its reason, and the same step is asked again."""
    await staff_bot.open_round(payload="learning")
    await staff.send_command("newround")
    await staff.press("charleroi-learning-city v1")
    await staff.press("Charleroi, ville apprenante")
    await staff.press("Now")
    await staff.send("2020-01-01")
    assert staff.last_text == "The closing date must be in the future and after the opening date."
    await staff.send("someday")
    assert staff.last_text.startswith("This is not a date")
    await staff.send("2027-01-31 18:00")
    await staff.send("learning")
    assert staff.last_text.startswith("This link code is already used")
    await staff.send("bad code!")
    assert staff.last_text.startswith("A link code may only hold")
    await staff.press("charleroi_learning_city")
    await staff.press("Test round")
    await staff.press("Cancel")
    assert staff.last_text == "Cancelled: no round was created."
    assert await staff_bot.count(Round) == 1


async def test_rounds_round_close_and_reopen(staff_bot: Running, staff: FakeUser) -> None:
    """The list shows status and counts; /close without a number offers the rounds; /reopen opens again."""
    rnd = await staff_bot.open_round(payload="learning", title="Apprendre")
    await staff.send_command("rounds")
    assert f"#{rnd.id} Apprendre — open" in staff.last_text and "0 started / 0 completed" in staff.last_text
    await staff.send_command("close")
    await staff.press(f"#{rnd.id} Apprendre")
    assert "Status: closed" in staff.last_text
    async with staff_bot.services() as services:
        closed = await services.rounds.get(rnd.id)
        assert closed is not None and not closed.is_open(staff_bot.clock.now())
    await staff.send_command("reopen", str(rnd.id))
    assert "Status: open" in staff.last_text
    await staff.send_command("round", "999")
    assert staff.last_text == "There is no round with this number. Send /rounds to see them."


async def test_scheduled_opening_and_closing_are_announced_once(
    staff_bot: Running, staff: FakeUser, admin: FakeUser
) -> None:
    """The watch records and announces a round opening and closing by its dates; nothing twice."""
    await admin.send_command("roles")  # both have written to the bot: it may write to them
    await staff.send_command("rounds")
    now = staff_bot.clock.now()
    rnd = await staff_bot.open_round(
        payload="later", opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=1)
    )
    bot, ctx = staff_bot.app.bot, staff_bot.app.ctx
    assert await watch.check(bot, ctx) == 0
    staff_bot.clock.advance(timedelta(hours=2))
    assert await watch.check(bot, ctx) == 1
    assert staff.last_text == f"Round {rnd.id} (later) is now open." == admin.last_text
    assert await watch.check(bot, ctx) == 0
    staff_bot.clock.advance(timedelta(days=1))
    assert await watch.check(bot, ctx) == 1
    assert staff.last_text == f"Round {rnd.id} (later) is now closed."
