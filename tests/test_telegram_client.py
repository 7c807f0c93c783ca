"""The Bot that consultbot builds, talking to the fake Bot API."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods.base import Response
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, User, WebhookInfo

from bot.telegram import build_bot
from bot.telegram_session import JsonSession
from tests.conftest import make_settings
from tests.fake_telegram import FakeTelegram


async def test_response_models_outlive_garbage_collection(tg: FakeTelegram) -> None:
    """aiogram validates each answer with `Response[T]`, which pydantic caches only weakly; the bot keeps
    the models it has used, so a collection does not make the next call rebuild them (bench/RESULTS.md)."""
    bot = build_bot(make_settings("sqlite+aiosqlite://", tg))
    try:
        await bot.get_me()
        await bot.get_webhook_info()
        models: list[weakref.ref[Any]] = [weakref.ref(Response[User]), weakref.ref(Response[WebhookInfo])]
        gc.collect()
        assert all(model() is not None for model in models)
        assert await bot.get_me() == await bot.get_me()
    finally:
        await bot.session.close()


async def test_calls_go_as_json_and_uploads_as_forms(tg: FakeTelegram) -> None:
    """Each call is one JSON body (nested objects as objects, False kept, unset fields left out); a call
    that uploads a file goes as a multipart form, as aiogram sends it."""
    await tg.user(5001).send("bonjour")  # the chat exists once they have written
    bot = build_bot(make_settings("sqlite+aiosqlite://", tg))
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Oui", callback_data="a:1")]])
    try:
        sent = await bot.send_message(5001, "Question 1", reply_markup=keyboard, disable_notification=False)
        await bot.send_document(5001, BufferedInputFile(b"a;b\n", filename="export.csv"), caption="Export")
    finally:
        await bot.session.close()
    message_call, document_call = tg.calls("sendMessage")[0], tg.calls("sendDocument")[0]
    assert message_call.content_type == "application/json"
    assert message_call.params == {
        "chat_id": 5001,
        "text": "Question 1",
        "reply_markup": {"inline_keyboard": [[{"text": "Oui", "callback_data": "a:1"}]]},
        "disable_notification": False,
    }
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "a:1"
    assert document_call.content_type == "multipart/form-data"
    assert document_call.params["caption"] == "Export"
    assert document_call.params["document"].content == b"a;b\n"


async def test_the_bots_defaults_are_filled_in(tg: FakeTelegram) -> None:
    await tg.user(5001).send("bonjour")  # the chat exists once they have written
    session = JsonSession(api=TelegramAPIServer.from_base(tg.base_url))
    bot = Bot(tg.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        await bot.send_message(5001, "<b>Merci</b>")
    finally:
        await session.close()
    assert tg.calls("sendMessage")[0].params["parse_mode"] == "HTML"
