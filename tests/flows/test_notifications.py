"""Residents choose what the bot may send them; staff send invitations, reminders and results through the
outbox; only residents who said yes to a kind ever get one of that kind."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.db.models import Consent, ConsentKind, JobStatus, OutboxJob, ResultsLink, Role
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.flows.conftest import ADMIN_ID, grant
from tests.flows.journey import agree, answer_first_part, answer_rest
from tests.harness import Running, running_bot
from tests.outbox_support import received, seed, sender_for

INVITATION = "would like your opinion"


async def consents(bot: Running) -> list[tuple[str, int, str, bool]]:
    async with bot.session() as session:
        rows = await session.scalars(select(Consent).order_by(Consent.id))
        return [(c.kind.value, c.version, c.language, c.withdrawn_at is None) for c in rows]


async def drain(bot: Running) -> None:
    async with sender_for(bot) as (sender, _sleeps):
        await sender.drain()


async def test_after_the_survey_the_resident_is_asked_about_results_then_once_about_future(
    bot: Running, resident: FakeUser
) -> None:
    """Submit → "hear what comes of it?" → yes → "tell you about new consultations?" (asked once) → yes:
    both consents stored with version and language, and the round's results link kept."""
    rnd = await bot.open_round(payload="learning")
    await agree(resident)
    await answer_first_part(resident)
    await answer_rest(resident)
    replies = await resident.press("✅ Send my answers")
    assert "what the City does with the results" in replies[-2].content  # [-1]: the review, settled
    replies = await resident.press("Yes, please")
    assert replies[-2].content == "Thank you: I will tell you what comes of it."
    assert "new consultation" in replies[-1].content
    await resident.press("Yes, please")
    assert resident.last_text == "Thank you: I will tell you about new consultations."
    assert await consents(bot) == [
        ("privacy_notice", 1, "en", True),
        ("notify_results", 1, "en", True),
        ("notify_future", 1, "en", True),
    ]
    assert await bot.count(ResultsLink) == 1
    async with bot.services() as services:
        contact = await services.contacts.find(resident.user_id)
        assert contact is not None and not services.notifications.should_ask_future(contact)
    assert rnd.id


async def test_notifications_toggles_and_stop_withdraws_everything(bot: Running, resident: FakeUser) -> None:
    """/notifications shows each kind and turns it on or off; /stop turns everything off and drops the
    results links."""
    rnd = await bot.open_round(payload="learning")
    await agree(resident)
    await resident.send_command("notifications")
    assert "New consultations: off" in resident.last_text
    await resident.press("Tell me about new consultations")
    assert "New consultations: on" in resident.last_text
    async with bot.services() as services:
        contact = await services.contacts.find(resident.user_id)
        assert contact is not None
        await services.notifications.want_results(contact, rnd.id, "en")
    await resident.send_command("notifications")
    assert "What comes of the consultations you answered: on" in resident.last_text
    await resident.send_command("stop")
    assert resident.last_text.startswith("Done: I will send you no more messages")
    assert [c for c in await consents(bot) if c[3]] == [("privacy_notice", 1, "en", True)]
    assert await bot.count(ResultsLink) == 0


async def test_broadcast_preview_confirm_and_only_opted_in_residents_get_it(
    staff_bot: Running, staff: FakeUser, tg: FakeTelegram
) -> None:
    """/broadcast shows the invitation and the count; after Send, the opted-in residents get it (in their
    language, with a button to the round), not the others, not the unreachable ones; all audited."""
    rnd = await staff_bot.open_round(payload="learning")
    yes = await seed(staff_bot, tg, 3)
    no = await seed(staff_bot, tg, 2, first_id=8_300_000_000, future=False)
    (gone,) = await seed(staff_bot, tg, 1, first_id=8_400_000_000)
    async with staff_bot.services() as services:
        await services.contacts.mark_unreachable(gone)
    await staff.send_command("broadcast", str(rnd.id))
    assert INVITATION in staff.all_texts()[-2]
    assert "It will be sent to 3 residents" in staff.last_text
    await staff.press("Send to 3 residents")
    assert staff.last_text.startswith("Job #1 queued: 3 messages.")
    await drain(staff_bot)
    for chat in yes:
        (message,) = [m for m in tg.sent if m.chat_id == chat]
        assert INVITATION in message.content
        assert message.buttons == [["Take part"]]
    assert all(received(tg, chat) == [] for chat in [*no, gone])
    await staff.send_command("broadcasts")
    assert "queued 0 · sent 3 · failed 0 · blocked 0" in staff.last_text
    async with staff_bot.services() as services:
        actions = [e.action for e in await services.audit.latest()]
    assert "outbox.confirm" in actions


async def test_broadcast_filters_by_language(staff_bot: Running, staff: FakeUser, tg: FakeTelegram) -> None:
    """`lang=ar` reaches only residents whose language is Arabic."""
    rnd = await staff_bot.open_round(payload="learning")
    await seed(staff_bot, tg, 2, language="en")
    (arabic,) = await seed(staff_bot, tg, 1, first_id=8_300_000_000, language="ar")
    await staff.send_command("broadcast", f"{rnd.id} lang=ar")
    assert "It will be sent to 1 residents" in staff.last_text
    await staff.press("Send to 1 residents")
    await drain(staff_bot)
    assert [m.chat_id for m in tg.sent if m.chat_id >= 8_100_000_000] == [arabic]


async def test_remind_reaches_those_who_did_not_finish_once_per_round(
    staff_bot: Running, staff: FakeUser, tg: FakeTelegram
) -> None:
    """/remind goes to opted-in residents with an unfinished response; a second /remind is refused."""
    rnd = await staff_bot.open_round(payload="learning")
    started = await seed(staff_bot, tg, 2, in_progress_round=rnd.id)
    await seed(staff_bot, tg, 2, first_id=8_300_000_000)  # opted in, never started
    await staff.send_command("remind", str(rnd.id))
    assert "It will be sent to 2 residents" in staff.last_text
    await staff.press("Send to 2 residents")
    await drain(staff_bot)
    assert sorted(m.chat_id for m in tg.sent if m.chat_id >= 8_100_000_000) == started
    await staff.send_command("remind", str(rnd.id))
    await staff.press("Send to 2 residents")
    assert staff.last_text == "This message has already been sent (or is being sent) for this round."


async def test_results_written_per_language_fall_back_and_links_are_purged(
    staff_bot: Running, staff: FakeUser, tg: FakeTelegram
) -> None:
    """/results: staff write French (default) and English; an Arabic reader gets French; once sent, the
    links between residents and the round are deleted."""
    rnd = await staff_bot.open_round(payload="learning")
    (english,) = await seed(staff_bot, tg, 1, results=True, results_round=rnd.id)
    (arabic,) = await seed(
        staff_bot, tg, 1, first_id=8_300_000_000, language="ar", results=True, results_round=rnd.id
    )
    await seed(staff_bot, tg, 1, first_id=8_400_000_000, results=False)  # not asked: nothing
    await staff.send_command("results", str(rnd.id))
    assert "(now 2)" in staff.last_text
    await staff.send("Merci ! Vous avez dit : plus de cours le soir. Nous ouvrons trois cours.")
    await staff.press("English")
    await staff.send("Thank you! You said: more evening courses. We are opening three.")
    await staff.press("Preview and send")
    assert "It will be sent to 2 residents" in staff.last_text
    await staff.press("Send to 2 residents")
    await drain(staff_bot)
    assert received(tg, english) == ["Thank you! You said: more evening courses. We are opening three."]
    assert received(tg, arabic) == [
        "Merci ! Vous avez dit : plus de cours le soir. Nous ouvrons trois cours."
    ]
    assert await staff_bot.count(ResultsLink) == 0


@pytest.fixture
async def four_eyes_bot(database_url: str, tg: FakeTelegram, clock: FrozenClock) -> AsyncIterator[Running]:
    settings = make_settings(database_url, tg, admin_ids=frozenset({ADMIN_ID}), broadcast_approval_over=2)
    async with running_bot(settings, tg, clock) as running:
        yield running


async def test_a_large_job_needs_a_second_staff_members_approval(
    four_eyes_bot: Running, admin: FakeUser, tg: FakeTelegram
) -> None:
    """Above BROADCAST_APPROVAL_OVER the job waits; its author cannot approve it; a colleague can."""
    bot = four_eyes_bot
    staff = tg.user(user_id=7_700_000_091, first_name="Samir", language_code="en")
    await grant(bot, staff, Role.STAFF)
    await admin.send_command("rounds")  # the admin has a contact, so they can be told
    rnd = await bot.open_round(payload="learning")
    await seed(bot, tg, 3)
    await staff.send_command("broadcast", str(rnd.id))
    await staff.press("Send to 3 residents")
    assert "Another staff member must approve it" in staff.last_text
    assert "needs a second staff member's approval" in admin.last_text
    await staff.send_command("broadcasts")
    assert staff.buttons() == [["Cancel #1"]]
    await staff.press_data("jb:approve:1")
    assert staff.last_text == "Another staff member must approve this: you prepared it."
    await admin.send_command("broadcasts")
    await admin.press("Approve #1")
    assert admin.last_text == "Job #1 approved: sending starts."
    await drain(bot)
    async with bot.session() as session:
        job = await session.get(OutboxJob, 1)
    assert job is not None and job.status is JobStatus.DONE and job.approved_by is not None
    assert len([m for m in tg.sent if m.chat_id >= 8_100_000_000]) == 3


async def test_staff_can_cancel_a_queued_job(staff_bot: Running, staff: FakeUser, tg: FakeTelegram) -> None:
    """Cancel in /broadcasts: what was not sent yet is never sent."""
    rnd = await staff_bot.open_round(payload="learning")
    await seed(staff_bot, tg, 3)
    await staff.send_command("broadcast", str(rnd.id))
    await staff.press("Send to 3 residents")
    await staff.send_command("broadcasts")
    await staff.press("Cancel #1")
    assert staff.last_text == "Job #1 cancelled. Messages already sent stay sent."
    await drain(staff_bot)
    assert [m for m in tg.sent if m.chat_id >= 8_100_000_000] == []


async def test_only_consent_kind_matters_results_consent_gets_no_invitation(
    staff_bot: Running, staff: FakeUser, tg: FakeTelegram
) -> None:
    """A resident who asked for results only gets no invitation."""
    rnd = await staff_bot.open_round(payload="learning")
    await seed(staff_bot, tg, 1, future=False, results=True)
    await staff.send_command("broadcast", str(rnd.id))
    assert staff.last_text == "Nobody would receive this message: nothing was queued."
    async with staff_bot.session() as session:
        kinds = set(await session.scalars(select(Consent.kind)))
    assert ConsentKind.NOTIFY_FUTURE not in kinds
