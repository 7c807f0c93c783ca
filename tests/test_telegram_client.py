"""The Bot that consultbot builds, talking to the fake Bot API."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from aiogram.methods.base import Response
from aiogram.types import User, WebhookInfo

from bot.telegram import build_bot
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
