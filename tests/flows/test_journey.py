"""A resident answers the shipped consultation from the first button to Submit."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Answer, Consent, Contact, Respondent, Response, ResponseStatus
from tests.fake_telegram import FakeUser
from tests.flows.journey import PAYLOAD, agree, answer_first_part, answer_rest
from tests.harness import Running


async def test_whole_journey_stores_typed_answers_and_thanks(bot: Running, resident: FakeUser) -> None:
    """Every answer is stored as typed data (choice ids, numbers, lists), the review lists them all, and
    Submit completes the response and shows the survey's thanks."""
    rnd = await bot.open_round(payload=PAYLOAD)
    replies = await resident.start(PAYLOAD)
    assert "Do you agree to take part?" in replies[-1].content
    await resident.press("Yes, I agree")
    assert "Question 1 of" in resident.last_text
    await answer_first_part(resident)
    await answer_rest(resident)
    assert "Please check your answers" in resident.last_text
    answers = await bot.answers_of(resident.user_id, rnd.id)
    assert answers == {
        "topics": ["digital"],
        "time_of_day": ["evening"],
        "format": "in_person",
        "barriers": ["time"],
        "has_children": "no",
        "confidence": 4,
        "hours_per_week": 6,
        "start_date": None,
        "priorities": ["free", "near_home", "french"],
        "district": "marcinelle",
        "home_languages": ["fr"],
        "age_band": None,
        "situation": "working",
        "idea": "More evening courses in Marcinelle, please.",
    }
    replies = await resident.press("✅ Send my answers")
    *sent, settled = replies
    assert "Thank you very much!" in sent[-2].content
    assert "what the City does with the results" in sent[-1].content  # see test_notifications.py
    # The review is settled last, by the webhook's answer: Telegram edits it once the update is saved.
    assert settled.content.endswith("\n\n✓ Sent") and not settled.reply_markup
    settle = bot.tg.calls("editMessageText")[-1]
    assert (settle.via, settle.content_type) == ("webhook-reply", "application/json")
    async with bot.session() as session:
        response = (await session.execute(select(Response))).scalar_one()
    assert response.status is ResponseStatus.COMPLETED
    assert response.completed_at == bot.clock.now()
    assert response.source == PAYLOAD


async def test_start_alone_then_privacy_notice_stores_consent(bot: Running, resident: FakeUser) -> None:
    """Choosing a round from /start shows the notice; accepting stores who agreed to which version, in
    which language, when; refusing stores nothing."""
    await bot.open_round(payload=PAYLOAD)
    await resident.start()
    await resident.press("Charleroi, a learning city")
    await resident.press("No, thank you")
    assert "nothing was stored" in resident.last_text
    assert await bot.count(Contact) == 0
    await resident.start()
    await resident.press("Charleroi, a learning city")
    await resident.press("Yes, I agree")
    async with bot.session() as session:
        consent = (await session.execute(select(Consent))).scalar_one()
    assert (consent.version, consent.language, consent.given_at) == (1, "en", bot.clock.now())
    assert "Question 1 of 14" in resident.last_text


async def test_wrong_typed_answers_are_refused_and_asked_again(bot: Running, resident: FakeUser) -> None:
    """A word where a number is expected, a number out of range, an impossible date: each gets a clear
    reason and the same question again; nothing is stored. Arabic-Indic digits are understood."""
    rnd = await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await answer_first_part(resident)
    await resident.press("4")
    replies = await resident.send("six")
    assert replies[0].content == "Please type a number, for example 12."
    assert "How many hours a week" in replies[-1].content
    replies = await resident.send("45")
    assert replies[0].content == "The number must be at most 40."
    replies = await resident.send_sticker()
    assert replies[0].content == "Please type your answer as text."
    await resident.send("١٢")
    assert (await bot.answers_of(resident.user_id, rnd.id))["hours_per_week"] == 12
    replies = await resident.send("31/02/2027")
    assert replies[0].content.startswith("I don't recognise this date.")
    await resident.send("15/01/2027")
    assert (await bot.answers_of(resident.user_id, rnd.id))["start_date"] == "2027-01-15"


async def test_back_drops_answers_that_are_no_longer_relevant(bot: Running, resident: FakeUser) -> None:
    """Saying Yes to children asks about childcare; going back and saying No removes that answer."""
    rnd = await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await resident.press("Digital skills: computer, smartphone, online forms")
    await resident.press("Done ✅")
    await resident.press("In the evening")
    await resident.press("Done ✅")
    await resident.press("Online, from home")
    await resident.press("It costs too much")
    await resident.press("Done ✅")
    await resident.press("Yes")
    assert "childcare" in resident.last_text
    await resident.press("It would help")
    assert (await bot.answers_of(resident.user_id, rnd.id))["childcare"] == "helpful"
    await resident.press("« Back")
    await resident.press("« Back")
    assert "children under 12" in resident.last_text
    await resident.press("No")
    stored = await bot.answers_of(resident.user_id, rnd.id)
    assert "childcare" not in stored
    assert stored["has_children"] == "no"
    assert "Learning something new" in resident.last_text


async def test_skip_and_review_change_before_submit(bot: Running, resident: FakeUser) -> None:
    """An optional question can be skipped; at the review any answer can be changed, then Submit."""
    rnd = await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await answer_first_part(resident)
    await answer_rest(resident)
    review = resident.last_message
    assert "(skipped)" in review.content
    await resident.press("✏️ 3")
    assert "in person or online" in resident.last_text
    await resident.press("Both")
    assert "Please check your answers" in resident.last_text
    assert (await bot.answers_of(resident.user_id, rnd.id))["format"] == "both"
    await resident.press("✅ Send my answers")
    async with bot.session() as session:
        assert await session.scalar(select(Response.status)) is ResponseStatus.COMPLETED


async def test_a_second_response_is_refused_with_the_summary(bot: Running, resident: FakeUser) -> None:
    """After Submit, the deep link shows what the resident sent instead of a second questionnaire."""
    await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await answer_first_part(resident)
    await answer_rest(resident)
    await resident.press("✅ Send my answers")
    replies = await resident.start(PAYLOAD)
    assert replies[0].content == "You have already answered this consultation. Thank you!"
    assert "Marcinelle" in replies[1].content
    assert await bot.count(Response) == 1
    assert await bot.count(Respondent) == 1


async def test_stale_button_changes_nothing(bot: Running, resident: FakeUser) -> None:
    """A button from an earlier question says so and shows the current question; no answer changes."""
    rnd = await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    first_question = resident.last_message.snapshot()
    await resident.press("Digital skills: computer, smartphone, online forms")
    await resident.press("Done ✅")
    before = await bot.answers(rnd.id)
    replies = await resident.press_in(first_question, "Reading, writing, arithmetic")
    assert await bot.answers(rnd.id) == before
    assert "When could you learn?" in replies[-1].content
    answer = list(bot.tg.callback_answers.values())[-1]
    assert answer.get("text") == "This button is from an earlier message. Here is where you are now."


async def test_language_switch_mid_survey_keeps_answers(bot: Running, francophone: FakeUser) -> None:
    """A resident who switches language keeps every answer and sees the same question in the new one."""
    rnd = await bot.open_round(payload=PAYLOAD)
    await francophone.start(PAYLOAD)
    await francophone.press(francophone.buttons()[0][0])  # the first button: agree, in French
    await francophone.press("Le numérique : ordinateur, smartphone, démarches en ligne")
    await francophone.press(francophone.buttons()[-1][0])  # Done
    await francophone.send_command("language")
    replies = await francophone.press("English")
    assert "When could you learn?" in replies[-1].content
    assert (await bot.answers_of(francophone.user_id, rnd.id)) == {"topics": ["digital"]}
    async with bot.session() as session:
        assert await session.scalar(select(Response.language)) == "en"
        assert await session.scalar(select(Contact.language)) == "en"


async def test_answers_are_kept_by_id_never_by_label(bot: Running, resident: FakeUser) -> None:
    """Choice answers hold choice ids; the other text of 'Other' is kept beside the answer."""
    rnd = await bot.open_round(payload=PAYLOAD)
    await agree(resident)
    await resident.press("Other (please specify)")
    await resident.press("Done ✅")
    assert "few words" in resident.last_text
    await resident.send("Beekeeping")
    async with bot.session() as session:
        answer = (await session.execute(select(Answer))).scalar_one()
    assert (answer.question_id, answer.value, answer.other_text) == ("topics", ["other"], "Beekeeping")
    assert rnd.id == 1
