"""/mydata and /forget: a resident sees all that is kept about them, and can have it deleted."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.db.models import Answer, Consent, Contact, JobKind, Respondent, Response, ResponseStatus
from tests.fake_telegram import FakeUser
from tests.flows.journey import PAYLOAD, agree, answer_first_part, answer_rest
from tests.harness import Running
from tests.outbox_support import queue, sender_for


async def test_mydata_sends_everything_as_json(bot: Running, resident: FakeUser) -> None:
    """The summary counts what is kept; the JSON file holds the answers themselves."""
    await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await resident.press("Digital skills: computer, smartphone, online forms")
    await resident.press("Done ✅")
    replies = await resident.send_command("mydata")
    assert "1 consultation you took part in (0 sent)" in replies[0].content
    document = replies[1].document
    assert document is not None
    data = json.loads(document.content or b"")
    assert data["contact"]["telegram_user_id"] == resident.user_id
    assert data["responses"][0]["answers"] == {"topics": {"value": ["digital"]}}
    assert data["consents"][0]["kind"] == "privacy_notice"


async def test_mydata_for_a_stranger(bot: Running, resident: FakeUser) -> None:
    replies = await resident.send_command("mydata")
    assert replies[0].content == "I keep nothing about you: you have not answered any consultation."


async def test_forget_deletes_the_person_and_unsent_answers(
    bot: Running, resident: FakeUser, tg: object
) -> None:
    """After confirming, the contact, consents and unsent answers are gone; sent answers stay, unlinked."""
    first = await bot.open_round(payload=PAYLOAD)
    second = await bot.open_round(payload="second")
    await agree(resident)
    await answer_first_part(resident)
    await answer_rest(resident)
    await resident.press("✅ Send my answers")
    await resident.start("second")
    await resident.press("A language (French, Dutch, English…)")
    await resident.press("Done ✅")
    await resident.send_command("forget")
    await resident.press("No, keep it")
    assert await bot.count(Contact) == 1
    await resident.send_command("forget")
    replies = await resident.press("Yes, delete my data")
    assert replies[-1].content.startswith("Your data has been deleted.")
    assert await bot.count(Contact) == 0
    assert await bot.count(Consent) == 0
    async with bot.session() as session:
        responses = (await session.execute(select(Response))).scalars().all()
        respondents = (await session.execute(select(Respondent))).scalars().all()
        answered_rounds = set((await session.execute(select(Response.round_id).join(Answer))).scalars())
    assert [r.status for r in responses] == [ResponseStatus.COMPLETED]
    assert [r.contact_id for r in respondents] == [None]
    assert answered_rounds == {first.id}
    assert second.id not in answered_rounds


async def test_forget_deletes_voice_recordings_even_from_sent_answers(
    bot: Running, resident: FakeUser
) -> None:
    from tests.surveys.support import HEADER

    await bot.store_survey(
        HEADER + "questions:\n  - {id: idea, type: text, label: Idée, accept_voice: true}\n"
        "  - {id: more, type: text, label: Encore}\n"
    )
    rnd = await bot.open_round("test", payload="voice")
    await resident.start("voice")
    await resident.press("Yes, I agree")
    await resident.send_voice(duration=4, file_id="AwACAgQAAxkBAAIBforget")
    await resident.send("Kept")
    await resident.press("✅ Send my answers")
    await resident.send_command("forget")
    await resident.press("Yes, delete my data")
    assert [(a["question"], a["value"]) for a in await bot.answers(rnd.id)] == [("more", "Kept")]


async def my_data(resident: FakeUser) -> dict[str, Any]:
    document = (await resident.send_command("mydata"))[-1].document
    assert document is not None
    return dict(json.loads(document.content or b""))


async def test_mydata_includes_results_asked_for_and_messages_received(
    bot: Running, resident: FakeUser
) -> None:
    """Beyond answers and consents: the rounds whose results they asked for, and every message the City
    sent them (issue 8: everything stored about them)."""
    rnd = await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await answer_first_part(resident)
    await answer_rest(resident)
    await resident.press("✅ Send my answers")
    await resident.press("Yes, please")
    await resident.press("Yes, please")
    data = await my_data(resident)
    assert [entry["round"] for entry in data["results_asked_for"]] == [PAYLOAD]
    assert data["messages_from_the_city"] == []

    await queue(bot, JobKind.RESULTS, rnd.id, {"en": "We heard you: more evening courses."})
    async with sender_for(bot) as (sender, _sleeps):
        await sender.drain()
    data = await my_data(resident)

    assert data["role"] is None
    assert data["own_survey_links"] == []
    assert data["messages_from_the_city"] == [
        {
            "kind": "results",
            "round_title": rnd.title,
            "status": "sent",
            "sent_at": bot.clock.now().isoformat(),
        }
    ]
    # The results were sent: the request to hear them was deleted with it (kept for that purpose only).
    assert data["results_asked_for"] == []
    assert data["contact"]["asked_about_notifications_at"] is not None
