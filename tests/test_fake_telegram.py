"""The fake Telegram Bot API server, proven against a real aiogram Bot over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    TelegramObject,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from tests.fake_telegram import FakeTelegram, FakeUser, UploadedFile

pytestmark = pytest.mark.asyncio

SECRET = "s3cret-Token_1"
AMINA = 5001


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Yes", callback_data="vote:yes"),
                InlineKeyboardButton(text="No", callback_data="vote:no"),
            ]
        ]
    )


def build_dispatcher(seen: list[Update] | None = None) -> Dispatcher:
    """A minimal consultation bot: /start with a keyboard, votes edit the message, echo."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        suffix = f" ({command.args})" if command.args else ""
        await message.answer(f"Welcome{suffix}! Do you agree?", reply_markup=keyboard())

    @router.message(Command("ping"))
    async def ping(message: Message) -> SendMessage:
        return message.answer("pong")  # answered inside the webhook response

    @router.callback_query(F.data.startswith("vote:"))
    async def vote(query: CallbackQuery) -> None:
        await query.answer("Thanks")
        assert isinstance(query.message, Message) and query.data
        await query.message.edit_text(f"You voted <b>{query.data.split(':')[1]}</b>")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    dp = Dispatcher()
    if seen is not None:

        async def remember(
            handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
            event: TelegramObject,
            data: dict[str, Any],
        ) -> Any:
            assert isinstance(event, Update)
            seen.append(event)
            return await handler(event, data)

        dp.update.outer_middleware(remember)
    dp.include_router(router)
    return dp


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


def make_bot(tg: FakeTelegram, token: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
    return Bot(token or tg.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


@pytest_asyncio.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(tg)
    yield bot
    await bot.session.close()


@pytest_asyncio.fixture
async def webhook(tg: FakeTelegram, bot: Bot) -> AsyncIterator[list[Update]]:
    """Serve the dispatcher through aiogram's webhook handler and register it with the fake."""
    seen: list[Update] = []
    app = web.Application()
    SimpleRequestHandler(
        build_dispatcher(seen), bot, secret_token=SECRET, handle_in_background=False
    ).register(app, path="/webhook")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    assert await bot.set_webhook(f"http://127.0.0.1:{port}/webhook", secret_token=SECRET)
    yield seen
    await runner.cleanup()


async def known_user(tg: FakeTelegram) -> FakeUser:
    """A resident the fake has seen (one queued update), so sends to her chat are allowed."""
    user = tg.user(AMINA, "Amina")
    await tg.deliver(user.text_update("hi"))
    return user


# ---------------------------------------------------------------- (a) webhook delivery
async def test_webhook_conversation(tg: FakeTelegram, bot: Bot, webhook: list[Update]) -> None:
    user = tg.user(AMINA, "Amina", language_code="ar")
    replies = await user.start("park42")
    assert [m.text for m in replies] == ["Welcome (park42)! Do you agree?"]
    assert user.buttons() == [["Yes", "No"]]
    request = tg.calls("sendMessage")[-1]
    assert request.params["chat_id"] == AMINA and request.params["parse_mode"] == "HTML"
    assert request.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "vote:yes"
    assert webhook[0].message is not None and webhook[0].message.entities is not None
    assert webhook[0].message.entities[0].type == "bot_command"

    replies = await user.press("Yes")
    assert len(replies) == 1 and replies[0].text == "You voted yes"
    assert replies[0].entities == [{"offset": 10, "length": 3, "type": "bold"}]
    assert replies[0].reply_markup is None and user.last_message.edit_count == 1
    assert len(tg.edits) == 1 and next(iter(tg.callback_answers.values()))["text"] == "Thanks"
    with pytest.raises(AssertionError, match="no inline button 'Yes'"):
        await user.press("Yes")

    assert [m.text for m in await user.send("42")] == ["42"]  # a text that looks like JSON stays text
    assert tg.calls("sendMessage")[-1].params["text"] == "42"
    assert [m.text for m in await user.send_command("ping")] == ["pong"]
    assert tg.calls("sendMessage")[-1].via == "webhook-reply"
    assert user.all_texts() == ["You voted yes", "42", "pong"]


async def test_webhook_secret_and_info(tg: FakeTelegram, bot: Bot, webhook: list[Update]) -> None:
    user = tg.user(AMINA, "Amina")
    update = user.text_update("hello")
    assert await tg.deliver_raw(update, secret="wrong") == 401
    assert await tg.deliver_raw(update, secret=None) == 401
    assert tg.sent == [] and webhook == []
    assert await tg.deliver_raw(update, secret=SECRET) == 200
    assert tg.sent[-1].text == "hello"
    info = await bot.get_webhook_info()
    assert info.url.endswith("/webhook") and info.last_error_message == "Wrong response from the webhook: 401"
    with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()


async def test_every_update_kind_parses_in_aiogram(tg: FakeTelegram, bot: Bot, webhook: list[Update]) -> None:
    user = tg.user(AMINA, "Amina", username="amina")
    other = tg.user(AMINA + 1, "Karim")
    await user.send_photo("my street")
    await user.send_sticker()
    await user.send_voice(duration=7)
    await user.send_document("plan.pdf", b"%PDF", "application/pdf")
    await user.send_location()
    await user.send_contact()
    await user.send_poll()
    await user.edit(None, "edited")
    await user.forward("forwarded", from_user=other)
    group = tg.group(-100777, "Block 7")
    await group.add_bot(user)
    await group.send(user, "/start@consultbot_test_bot")
    await tg.channel(-100888, "News").post("announcement")
    await user.block_bot()
    kinds = [u.event_type for u in webhook]
    assert kinds == ["message"] * 7 + [
        "edited_message",
        "message",
        "my_chat_member",
        "message",
        "channel_post",
        "my_chat_member",
    ]
    attributes = ["photo", "sticker", "voice", "document", "location", "contact", "poll"]
    assert all(u.message and getattr(u.message, a) for u, a in zip(webhook, attributes, strict=False))
    assert webhook[2].message and webhook[2].message.voice and webhook[2].message.voice.duration == 7
    assert webhook[7].edited_message and webhook[7].edited_message.text == "edited"
    assert webhook[8].message and webhook[8].message.forward_origin is not None
    assert isinstance(webhook[9].my_chat_member, ChatMemberUpdated)
    assert webhook[10].message and webhook[10].message.chat.type == "supergroup"
    assert tg.messages(-100777)[-1].text == "Welcome! Do you agree?"
    assert webhook[11].channel_post and webhook[11].channel_post.text == "announcement"
    member = webhook[12].my_chat_member
    assert member and member.new_chat_member.status == "kicked"
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(AMINA, "still there?")
    await user.unblock_bot()
    assert (await bot.send_message(AMINA, "welcome back")).text == "welcome back"


# ---------------------------------------------------------------- (b) long polling
async def test_polling(tg: FakeTelegram, bot: Bot) -> None:
    dp = build_dispatcher()
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=5))
    user = tg.user(AMINA, "Amina")
    mark = tg.journal_mark()
    await tg.deliver(user.text_update("/start"))
    (reply,) = await tg.wait_for_messages(AMINA, since=mark)
    assert reply.text == "Welcome! Do you agree?"
    replies = await user.press("No")  # FakeUser also works in polling mode (waits for quiet)
    assert [m.text for m in replies] == ["You voted no"]
    await dp.stop_polling()
    await polling
    offsets = [r.params.get("offset") for r in tg.calls("getUpdates")]
    assert offsets[0] is None and offsets[-1] is not None and tg.pending_updates == []


async def test_get_updates_offset_limit_timeout(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(AMINA, "Amina")
    for text in ("one", "two", "three"):
        await tg.deliver(user.text_update(text))
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["one", "two", "three"]
    assert len(await bot.get_updates(limit=1)) == 1
    rest = await bot.get_updates(offset=updates[1].update_id)
    assert [u.update_id for u in rest] == [u.update_id for u in updates[1:]]
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == []
    assert tg.pending_updates == []

    calls = len(tg.calls("getUpdates"))
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await tg.wait_until(lambda: len(tg.calls("getUpdates")) > calls, what="long poll")
    started = asyncio.get_running_loop().time()
    await tg.deliver(user.text_update("late"))
    late = await poll
    assert [u.message.text for u in late if u.message] == ["late"]
    assert asyncio.get_running_loop().time() - started < 2

    first = asyncio.create_task(bot.get_updates(offset=late[-1].update_id + 1, timeout=10))
    await tg.wait_until(lambda: len(tg.calls("getUpdates")) > calls + 1, what="first poll")
    second = asyncio.create_task(bot.get_updates(offset=late[-1].update_id + 1, timeout=0))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await first
    assert await second == []


# ---------------------------------------------------------------- (c) Telegram's rules and faults
async def test_text_rules(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(AMINA, "hello")
    await known_user(tg)
    for empty in ("", "   ", "<b></b>"):
        with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
            await bot.send_message(AMINA, empty)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(AMINA, "a" * 4097)
    assert len((await bot.send_message(AMINA, "<b>" + "&lt;" * 4096 + "</b>")).text or "") == 4096
    with pytest.raises(TelegramBadRequest, match='Can\'t find end tag corresponding to start tag "b"'):
        await bot.send_message(AMINA, "<b>bold")
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "" at byte offset 2'):
        await bot.send_message(AMINA, "a < b")
    sent = await bot.send_message(AMINA, "<a href='https://city.example'>site</a> &amp; more")
    assert sent.text == "site & more" and sent.entities and sent.entities[0].url == "https://city.example"
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(AMINA, BufferedInputFile(b"x", "a.txt"), caption="c" * 1025)


async def test_keyboard_rules(tg: FakeTelegram, bot: Bot) -> None:
    await known_user(tg)

    def markup(text: str, data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)]])

    assert await bot.send_message(AMINA, "ok", reply_markup=markup("ok", "é" * 32))  # 64 bytes
    for data in ("é" * 33, ""):
        with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
            await bot.send_message(AMINA, "too long", reply_markup=markup("x", data))
    with pytest.raises(TelegramBadRequest, match="text buttons are unallowed in the inline keyboard"):
        await bot.send_message(AMINA, "no text", reply_markup=markup("", "a"))
    language = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Français"), KeyboardButton(text="العربية")]]
    )
    await bot.send_message(AMINA, "Language?", reply_markup=language)
    assert tg.sent[-1].keyboard == [["Français", "العربية"]] and tg.sent[-1].buttons == []


async def test_edit_and_callback_rules(tg: FakeTelegram, bot: Bot) -> None:
    await known_user(tg)
    message = await bot.send_message(AMINA, "Question?", reply_markup=keyboard())
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=AMINA, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new message content"):
        await bot.edit_message_text(
            "Question?", chat_id=AMINA, message_id=message.message_id, reply_markup=keyboard()
        )
    with pytest.raises(TelegramBadRequest, match="Bad Request: MESSAGE_TOO_LONG"):
        await bot.edit_message_text("x" * 4097, chat_id=AMINA, message_id=message.message_id)
    await bot.edit_message_reply_markup(chat_id=AMINA, message_id=message.message_id)
    assert tg.messages(AMINA)[-1].reply_markup is None and tg.edits[-1].method == "editMessageReplyMarkup"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=AMINA, message_id=message.message_id)
    assert await bot.delete_message(AMINA, message.message_id)
    assert tg.sent[-1].deleted and tg.messages(AMINA) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(AMINA, message.message_id)
    kept = await bot.send_message(AMINA, "kept")
    gone = await bot.send_message(AMINA, "gone")
    # deleteMessages skips what it can't find (already deleted, unknown) instead of failing
    assert await bot.delete_messages(AMINA, [message.message_id, gone.message_id, 999])
    assert [m.text for m in tg.messages(AMINA)] == ["kept"]
    assert tg.deleted[-1] == (AMINA, gone.message_id) and (AMINA, kept.message_id) not in tg.deleted
    with pytest.raises(TelegramBadRequest, match="message_ids must be a list of 1-100"):
        await bot.delete_messages(AMINA, list(range(1, 102)))

    too_old = "query is too old and response timeout expired or query ID is invalid"
    with pytest.raises(TelegramBadRequest, match=too_old):
        await bot.answer_callback_query("123")
    query_id = tg.next_callback_id()
    await tg.deliver(
        {
            "callback_query": {
                "id": query_id,
                "from": {"id": AMINA, "is_bot": False, "first_name": "Amina"},
                "chat_instance": "1",
                "data": "vote:yes",
            }
        }
    )
    assert await bot.answer_callback_query(query_id, text="ok")
    with pytest.raises(TelegramBadRequest, match=too_old):
        await bot.answer_callback_query(query_id)


async def test_faults(tg: FakeTelegram, bot: Bot) -> None:
    await known_user(tg)
    tg.block(AMINA)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(AMINA, "hi")
    tg.unblock(AMINA)
    tg.fail("sendMessage", times=2, status=429, retry_after=7)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(AMINA, "hi")
        assert caught.value.retry_after == 7 and "Too Many Requests: retry after 7" in str(caught.value)
    tg.fail("SENDMESSAGE", status=500)
    with pytest.raises(TelegramServerError, match="Internal Server Error"):
        await bot.send_message(AMINA, "hi")
    tg.fail("*", status=502)
    with pytest.raises(TelegramServerError, match="Bad Gateway"):
        await bot.send_chat_action(AMINA, "typing")
    assert (await bot.send_message(AMINA, "finally")).text == "finally"
    tg.fail("sendMessage", status=None, delay=3, effect_first=True)
    with pytest.raises(TelegramNetworkError, match="Request timeout error"):
        await bot.send_message(AMINA, "slow", request_timeout=1)
    assert tg.sent[-1].text == "slow"  # delivered although the bot saw a timeout
    group = tg.group(-100555, "Residents")
    await tg.deliver({"message": {"message_id": 1, "date": 0, "chat": group.chat, "text": "hello"}})
    assert await bot.leave_chat(-100555)
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the supergroup chat"):
        await bot.send_message(-100555, "still here?")
    other = make_bot(tg, token="987654:WRONG")
    with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
        await other.get_me()
    await other.session.close()


async def test_rate_limit_with_fake_clock(tg: FakeTelegram, bot: Bot) -> None:
    await known_user(tg)
    now = [1000.0]
    tg.rate_limit(per_second=30, per_chat_per_second=1, clock=lambda: now[0])
    await bot.send_message(AMINA, "first")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(AMINA, "second")
    assert caught.value.retry_after == 1
    now[0] += 1.0
    await bot.send_message(AMINA, "second")


async def test_raw_http_surface(tg: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{tg.base_url}/bot{tg.token}/GETME") as resp:
            me = await resp.json()
        assert me["ok"] and me["result"]["is_bot"] and me["result"]["username"] == "consultbot_test_bot"
        async with http.post(f"{tg.base_url}/bot{tg.token}/sendCarrierPigeon", json={}) as resp:
            assert resp.status == 404 and (await resp.json())["description"] == "Not Found"
        async with http.post(f"{tg.base_url}/bot{tg.token}/setMyCommands", json={"commands": []}) as resp:
            assert (await resp.json())["result"] is True


# ---------------------------------------------------------------- (d) files and bot settings
async def test_files(tg: FakeTelegram, bot: Bot) -> None:
    tg.add_file("file-1", b"resident letter", filename="letter.txt")
    file = await bot.get_file("file-1")
    assert file.file_path and file.file_size == len(b"resident letter")
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == b"resident letter"
    with pytest.raises(TelegramBadRequest, match="wrong file_id"):
        await bot.get_file("nope")

    user = await known_user(tg)
    await user.send_voice(file_id="voice-1", content=b"OggS-voice")
    voice = await bot.download("voice-1")
    assert voice is not None and voice.read() == b"OggS-voice"

    sent = await bot.send_document(AMINA, BufferedInputFile(b"a;b\n1;2\n", "export.csv"), caption="Results")
    stored = tg.sent[-1]
    assert (
        stored.document
        and stored.document.content == b"a;b\n1;2\n"
        and stored.document.filename == "export.csv"
    )
    upload = tg.calls("sendDocument")[-1].params["document"]
    assert isinstance(upload, UploadedFile) and upload.filename == "export.csv"
    assert sent.document and (await bot.send_document(AMINA, sent.document.file_id)).document
    photo = await bot.send_photo(AMINA, BufferedInputFile(b"\xff\xd8jpeg", "p.jpg"))
    assert photo.photo and tg.sent[-1].photo is not None


async def test_bot_settings(tg: FakeTelegram, bot: Bot) -> None:
    commands = [
        BotCommand(command="start", description="Begin"),
        BotCommand(command="help", description="Help"),
    ]
    await bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats(), language_code="fr")
    assert [c["command"] for c in tg.commands[("all_private_chats", "fr")]] == ["start", "help"]
    got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="fr")
    assert [c.command for c in got] == ["start", "help"]
    await bot.delete_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="fr")
    assert tg.commands == {}
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])
    await bot.set_my_description("Consultations of the city", language_code="en")
    await bot.set_my_short_description("City consultations")
    assert tg.descriptions == {"en": "Consultations of the city"}
    assert tg.short_descriptions == {"": "City consultations"}
    assert await bot.set_chat_menu_button()
    me = await bot.get_me()
    assert me.is_bot and me.can_join_groups and me.username == "consultbot_test_bot"
