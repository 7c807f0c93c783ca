"""Whatever a resident sends where an answer is expected gets a clear reply; nothing odd is stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from bot.db.models import Consent, Response
from tests.fake_telegram import FakeUser, SentMessage
from tests.harness import Running
from tests.surveys.support import HEADER

TEXT_SURVEY = (
    HEADER
    + "questions:\n  - {id: idea, type: text, label: Idée, max_length: 1000}\n"
    + "  - {id: n, type: integer, label: Nombre}\n"
)


@pytest.fixture
async def at_text_question(bot: Running, resident: FakeUser) -> int:
    await bot.store_survey(TEXT_SURVEY)
    rnd = await bot.open_round("test", payload="text")
    await resident.start("text")
    await resident.press("Yes, I agree")
    return rnd.id


async def test_overlong_text(bot: Running, resident: FakeUser, at_text_question: int) -> None:
    """Telegram lets a person send 4,096 characters; this question takes 1,000."""
    replies = await resident.send("a" * 4096)
    assert replies[0].content == "Your answer is too long. Please use at most 1000 characters."
    assert await bot.answers(at_text_question) == []


@pytest.mark.parametrize("text", ["   ", "\u200b\u200b", "\u202e\u2066\u2069", "\x00"])
async def test_empty_or_invisible_text(
    bot: Running, resident: FakeUser, at_text_question: int, text: str
) -> None:
    replies = await resident.send(text)
    assert replies[0].content == "Please type your answer."
    assert await bot.answers(at_text_question) == []


async def test_invisible_controls_are_stripped(
    bot: Running, resident: FakeUser, at_text_question: int
) -> None:
    """Right-to-left overrides, zero-width characters and NUL never reach what staff read."""
    await resident.send("\u202eEvening\u200b classes\x00 please")
    assert await bot.answers_of(resident.user_id, at_text_question) == {"idea": "Evening classes please"}


async def test_emoji_only_is_an_answer(bot: Running, resident: FakeUser, at_text_question: int) -> None:
    await resident.send("👍🏽")
    assert await bot.answers_of(resident.user_id, at_text_question) == {"idea": "👍🏽"}


@pytest.mark.parametrize("kind", ["photo", "sticker", "location", "contact", "poll", "document", "voice"])
async def test_not_text_where_text_is_expected(
    bot: Running, resident: FakeUser, at_text_question: int, kind: str
) -> None:
    actions: dict[str, Callable[[], Awaitable[list[SentMessage]]]] = {
        "photo": resident.send_photo,
        "sticker": resident.send_sticker,
        "location": resident.send_location,
        "contact": resident.send_contact,
        "poll": resident.send_poll,
        "document": lambda: resident.send_document("cv.pdf", b"%PDF-1.4", "application/pdf"),
        "voice": resident.send_voice,
    }
    replies = await actions[kind]()
    assert replies[0].content == "Please type your answer as text."
    assert "Idée" in replies[-1].content
    assert await bot.answers(at_text_question) == []


async def test_forwarded_message_is_not_an_answer(
    bot: Running, resident: FakeUser, at_text_question: int
) -> None:
    replies = await resident.forward("Somebody else's words")
    assert replies[0].content == "Please write your own answer: a forwarded message can't be an answer."
    assert await bot.answers(at_text_question) == []


async def test_edited_message_never_rewrites_an_answer(
    bot: Running, resident: FakeUser, at_text_question: int
) -> None:
    await resident.send("First idea")
    replies = await resident.edit(resident.sent_messages[-1], "Another idea")
    assert "Editing does not change your answers" in replies[0].content
    assert await bot.answers_of(resident.user_id, at_text_question) == {"idea": "First idea"}


@pytest.mark.parametrize(
    ("command", "first_reply"),
    [
        ("/start " + "x" * 70, "I don't know this consultation. Here are the ones that are open now."),
        ("/start ../../etc", "I don't know this consultation. Here are the ones that are open now."),
        ("/language fr en", "Choose your language:"),
        ("/help me please", "I help the city ask residents for their opinion."),
    ],
)
async def test_commands_with_garbage_arguments(
    bot: Running, resident: FakeUser, command: str, first_reply: str
) -> None:
    """The argument is ignored or refused kindly: the command's usual answer (or, for a link code nobody
    knows, the open consultations), and nothing is stored about the person."""
    replies = await resident.send(command)
    assert replies[0].content.startswith(first_reply)
    if command.startswith("/start"):
        assert replies[-1].content == "There is no consultation open right now. Please come back later!"
    if command.startswith("/language"):
        assert resident.buttons(replies[0])[0] == ["Français", "Nederlands"]
    assert await bot.count(Response) == 0
    assert await bot.count(Consent) == 0
