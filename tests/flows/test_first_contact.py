"""First contact: /start, /help, /language, and whatever a resident may send that the bot didn't ask for."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from bot.db.models import Consent, Contact, FsmRecord, Response
from tests.fake_telegram import FakeTelegram, FakeUser, SentMessage
from tests.flows.journey import PAYLOAD
from tests.harness import Running


async def test_start_lists_open_rounds_and_stores_nothing(bot: Running, resident: FakeUser) -> None:
    """/start alone greets the resident and lists the open consultations; nothing about them is stored."""
    await bot.open_round(payload=PAYLOAD)
    replies = await resident.start()
    assert "Hello Marie!" in replies[0].content
    assert resident.buttons() == [["Charleroi, a learning city"]]
    assert await bot.count(Contact) == 0
    assert await bot.count(Consent) == 0


async def test_start_without_open_rounds_says_so(bot: Running, resident: FakeUser) -> None:
    replies = await resident.start()
    assert replies[-1].content == "There is no consultation open right now. Please come back later!"


@pytest.mark.parametrize(
    ("language_code", "greeting"),
    [
        ("fr", "Bonjour Marie"),
        ("en", "Hello Marie"),
        ("en-GB", "Hello Marie"),
        ("en_US", "Hello Marie"),
        ("", "Bonjour Marie"),
        (None, "Bonjour Marie"),
        ("xx", "Bonjour Marie"),
        ("pt-BR!", "Bonjour Marie"),
    ],
)
async def test_greeting_language_follows_telegram_safely(
    bot: Running, tg: FakeTelegram, language_code: str | None, greeting: str
) -> None:
    """Telegram's language_code is used when we have that catalog, whatever its form; else French."""
    person = tg.user(user_id=7_700_000_101, first_name="Marie", language_code=language_code)
    replies = await person.start()
    assert replies[0].content.startswith(greeting)


async def test_language_picker_stores_the_choice(bot: Running, resident: FakeUser) -> None:
    """/language shows each language in its own name; the choice is stored and used from then on."""
    await resident.send_command("language")
    names = [b for row in resident.buttons() for b in row]
    assert "Français" in names
    assert "English" in names
    replies = await resident.press("Français")
    assert replies[-1].content.startswith("À partir de maintenant")
    async with bot.session() as session:
        contact = await session.get(Contact, 1)
    assert contact is not None
    assert contact.language == "fr"
    replies = await resident.send_command("help")
    assert "/language" in replies[0].content
    assert "langue" in replies[0].content


async def test_help_and_command_menus_per_language(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    """/help lists the commands; Telegram's command menu is set in every language and by default."""
    replies = await resident.send_command("help")
    for command in ("/start", "/language", "/privacy", "/help"):
        assert command in replies[0].content
    languages = {language for _scope, language in tg.commands}
    assert {"fr", "en"} <= languages
    french = {c["command"]: c["description"] for c in tg.commands[("default", "fr")]}
    assert french["language"] == "Changer de langue"


async def test_bot_profile_in_every_language(bot: Running, tg: FakeTelegram) -> None:
    """The bot's description says in one line what it is and who runs it, in each language."""
    assert {"fr", "en"} <= set(tg.descriptions)
    assert "City of Charleroi" in tg.descriptions["en"]
    assert "Charleroi" in tg.short_descriptions["fr"]
    assert all(len(text) <= 120 for text in tg.short_descriptions.values())


@pytest.mark.parametrize("kind", ["unknown command", "sticker", "photo", "location", "text", "poll"])
async def test_unexpected_messages_get_a_helpful_reply(bot: Running, resident: FakeUser, kind: str) -> None:
    """Never silence: an unknown command, a sticker, a photo… outside a survey gets a short hint."""
    actions: dict[str, Callable[[], Awaitable[list[SentMessage]]]] = {
        "unknown command": lambda: resident.send("/frobnicate"),
        "sticker": resident.send_sticker,
        "photo": resident.send_photo,
        "location": resident.send_location,
        "text": lambda: resident.send("hello?"),
        "poll": resident.send_poll,
    }
    replies = await actions[kind]()
    assert len(replies) == 1
    assert "/help" in replies[0].content
    assert await bot.count(Contact) == 0


@pytest.mark.parametrize(
    "data", ["zzz", "a:999:0:0", "n:1:0:explode:0", "or:notanumber", "lang:xx", "pv:1:maybe"]
)
async def test_forged_callback_data_is_answered_and_changes_nothing(
    bot: Running, tg: FakeTelegram, resident: FakeUser, data: str
) -> None:
    """A button the bot never made still gets an answer; nothing is stored."""
    await bot.open_round(payload=PAYLOAD)
    await resident.start()
    await resident.press_data(data, message=resident.last_message)
    assert len(tg.callback_answers) == 1
    assert await bot.count(Contact) == 0
    assert await bot.count(Response) == 0


async def test_unknown_deep_link_says_so_and_lists_open_rounds(bot: Running, resident: FakeUser) -> None:
    await bot.open_round(payload=PAYLOAD)
    replies = await resident.start("no_such_round")
    assert replies[0].content == "I don't know this consultation. Here are the ones that are open now."
    assert resident.buttons() == [["Charleroi, a learning city"]]
    assert await bot.count(Contact) == 0


async def test_closed_round_link_is_refused_kindly(bot: Running, resident: FakeUser) -> None:
    rnd = await bot.open_round(payload=PAYLOAD)
    async with bot.services() as services:
        await services.rounds.close(rnd.id)
    replies = await resident.start(PAYLOAD)
    assert replies[0].content == "This consultation is closed. Thank you for your interest!"


async def test_groups_and_channels_are_left_and_nothing_is_stored(bot: Running, tg: FakeTelegram) -> None:
    """The bot talks one to one: in a group it says so and leaves; from a channel it leaves quietly."""
    group = tg.group()
    member = tg.user(user_id=7_700_000_201, first_name="Ali", language_code="en")
    replies = await group.send(member, "/start")
    assert "private chat" in replies[0].content
    channel = tg.channel()
    await channel.post("City news")
    assert set(tg.left_chats) == {group.chat_id, channel.chat_id}
    assert await bot.count(Contact) == 0
    assert await bot.count(FsmRecord) == 0


async def test_webhook_refuses_a_missing_or_wrong_secret(
    bot: Running, tg: FakeTelegram, resident: FakeUser
) -> None:
    """Requests without the right X-Telegram-Bot-Api-Secret-Token get 403 and are not processed."""
    update = {"update_id": tg.next_update_id(), **resident.text_update("/start")}
    assert await tg.deliver_raw(update, secret=None) == 403
    assert await tg.deliver_raw(update, secret="wrong") == 403
    assert tg.messages(resident.user_id) == []


async def test_healthz(bot: Running) -> None:
    base = bot.webhook_url.rsplit("/", 1)[0]
    async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as answer:
        assert answer.status == 200
        assert (await answer.json()) == {"status": "ok"}


async def test_privacy_command_shows_the_notice(bot: Running, resident: FakeUser) -> None:
    replies = await resident.send_command("privacy")
    assert "City of Charleroi" in replies[0].content
    assert "/forget" in replies[0].content
