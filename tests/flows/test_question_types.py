"""Every question type through Telegram: buttons, ticks, scales, ranks, typed numbers, texts and dates,
with the refusals a resident meets when an answer doesn't fit."""

from __future__ import annotations

from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import Running
from tests.surveys.support import ALL_TYPES, HEADER


async def test_every_type_in_one_survey(bot: Running, resident: FakeUser) -> None:
    await bot.store_survey(ALL_TYPES)
    rnd = await bot.open_round("test", payload="types")
    await resident.start("types")
    await resident.press("Yes, I agree")
    assert "Bienvenue" in resident.all_texts()[-2]
    await resident.press("Other (please specify)")
    await resident.send("Violet")
    replies = await resident.press("Done ✅")
    assert replies[0].content == "Please choose at least 1 answer."
    for colour in ("Rouge", "Vert", "Bleu"):
        await resident.press(colour)
    replies = await resident.press("Done ✅")
    assert replies[0].content == "Please choose at most 2 answers."
    await resident.press("✓ Bleu")
    await resident.press("Done ✅")
    await resident.press("Yes")
    assert resident.buttons()[:2] == [[str(n) for n in range(6)], [str(n) for n in range(6, 11)]]
    assert "0 = Pas du tout" in resident.last_text
    await resident.press("7")
    replies = await resident.send("3.5")
    assert replies[0].content == "Please type a whole number, without decimals."
    await resident.send("3")
    await resident.send("12,5")
    replies = await resident.send("x" * 25)
    assert replies[0].content == "Your answer is too long. Please use at most 20 characters."
    await resident.send("  short  ")
    replies = await resident.send("01/01/2024")
    assert replies[0].content.startswith("The date must be on or after")
    await resident.send("2025-06-01")
    replies = await resident.press("Bleu")
    assert "1. Bleu" in replies[-1].content
    assert "Choose number 2." in replies[-1].content
    assert ["Bleu"] not in resident.buttons()
    await resident.press("Rouge")
    assert "Please check your answers" in resident.last_text
    assert await bot.answers_of(resident.user_id, rnd.id) == {
        "one": "other",
        "many": ["red", "green"],
        "yn": "yes",
        "scale": 7,
        "count": 3,
        "amount": 12.5,
        "words": "short",
        "day": "2025-06-01",
        "order": ["blue", "red"],
    }
    stored = {a["question"]: a["other"] for a in await bot.answers(rnd.id)}
    assert stored["one"] == "Violet"
    assert "Other (Violet)" in resident.last_text


async def test_long_answers_make_a_review_in_several_messages(bot: Running, resident: FakeUser) -> None:
    """Six answers of 1,000 characters: the review is split to fit Telegram's 4,096, buttons at the end."""
    texts = "".join(f"  - {{id: t{i}, type: text, label: Texte {i}, max_length: 1000}}\n" for i in range(6))
    await bot.store_survey(HEADER + "questions:\n" + texts)
    await bot.open_round("test", payload="long")
    await resident.start("long")
    await resident.press("Yes, I agree")
    for i in range(6):
        await resident.send(f"{i}" * 1000)
    review = [m for m in resident.messages if m.content.startswith("Please check") or "→ " in m.content]
    assert len(review) >= 2
    assert all(len(m.content) <= 4096 for m in resident.messages)
    assert resident.last_message.find_button("✅ Send my answers") is not None
    await resident.press("✅ Send my answers")


async def test_long_choice_lists_are_paged(bot: Running, resident: FakeUser) -> None:
    """Forty choices don't make one giant keyboard: they come in pages, and every page's buttons work."""
    choices = "".join(f"      - {{id: c{i}, label: Choice number {i}}}\n" for i in range(40))
    await bot.store_survey(
        HEADER + "questions:\n  - id: pick\n    type: select_one\n    label: Pick\n    choices:\n" + choices
    )
    rnd = await bot.open_round("test", payload="paged")
    await resident.start("paged")
    await resident.press("Yes, I agree")
    first_page = [b for row in resident.buttons() for b in row]
    assert "Choice number 0" in first_page
    assert "Choice number 39" not in first_page
    await resident.press("Next ›")
    await resident.press("Next ›")
    await resident.press("Next ›")
    await resident.press("Choice number 39")
    assert await bot.answers_of(resident.user_id, rnd.id) == {"pick": "c39"}


async def test_voice_answer_to_a_text_question(bot: Running, resident: FakeUser) -> None:
    """A text question with accept_voice takes a voice message: stored as its file id and duration,
    shown as a voice message in the review."""
    await bot.store_survey(
        HEADER + "questions:\n  - {id: idea, type: text, label: Idée, accept_voice: true}\n"
        "  - {id: more, type: text, label: Encore}\n"
    )
    rnd = await bot.open_round("test", payload="voice")
    await resident.start("voice")
    replies = await resident.press("Yes, I agree")
    assert "Type your answer, or send a voice message." in replies[-1].content
    await resident.send_voice(duration=12, file_id="AwACAgQAAxkBAAIBvoice")
    replies = await resident.send_voice(duration=3, file_id="AwACAgQAAxkBAAIBother")
    assert replies[0].content == "Please type your answer as text."
    await resident.send("Written")
    assert "🎤 voice message (0:12)" in resident.last_text
    assert await bot.answers_of(resident.user_id, rnd.id) == {
        "idea": {"voice": "AwACAgQAAxkBAAIBvoice", "duration": 12},
        "more": "Written",
    }


async def _typed_together(resident: FakeUser, *texts: str) -> list[list[SentMessage]]:
    """Messages the resident sent one after another before any reply reached them: Telegram numbered
    them all before the bot's replies, then the bot receives them in order."""
    updates = [resident.text_update(text) for text in texts]
    return [await resident.deliver(update) for update in updates]


async def test_a_message_sent_before_the_next_question_is_not_its_answer(
    bot: Running, resident: FakeUser
) -> None:
    """ "34" sent three times in a hurry answers the age question once; the next question, which the
    resident had not seen yet, is asked again rather than answered with "34"."""
    await bot.store_survey(
        HEADER + "questions:\n"
        "  - {id: age, type: integer, label: Âge}\n"
        "  - {id: children, type: integer, label: Enfants}\n"
        "  - {id: idea, type: text, label: Idée}\n"
    )
    rnd = await bot.open_round("test", payload="hurry")
    await resident.start("hurry")
    await resident.press("Yes, I agree")
    first, second, third = await _typed_together(resident, "34", "34", "34")
    assert "Enfants" in first[-1].content
    for replies in (second, third):
        assert replies[0].content == (
            "You sent this before the next question arrived, so I did not save it. "
            "Please answer the question below."
        )
        assert "Enfants" in replies[-1].content
    assert await bot.answers_of(resident.user_id, rnd.id) == {"age": 34}

    await resident.send("2")  # typed after seeing the question: its answer
    assert "Idée" in resident.last_text
    assert await bot.answers_of(resident.user_id, rnd.id) == {"age": 34, "children": 2}


async def test_a_correction_sent_in_a_hurry_still_answers_the_same_question(
    bot: Running, resident: FakeUser
) -> None:
    """Only a stored answer moves on: "abc" is refused, and "40", sent before the refusal arrived,
    answers the same question."""
    await bot.store_survey(
        HEADER + "questions:\n"
        "  - {id: age, type: integer, label: Âge}\n"
        "  - {id: children, type: integer, label: Enfants}\n"
    )
    rnd = await bot.open_round("test", payload="fix")
    await resident.start("fix")
    await resident.press("Yes, I agree")
    refused, accepted = await _typed_together(resident, "abc", "40")
    assert refused[0].content == "Please type a number, for example 12."
    assert "Enfants" in accepted[-1].content
    assert await bot.answers_of(resident.user_id, rnd.id) == {"age": 40}
