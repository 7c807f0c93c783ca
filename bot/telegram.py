"""Reaching Telegram: the Bot with its transport, and the start-up check that the token works."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    AiogramError,
    TelegramAPIError,
    TelegramNetworkError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import User

from bot.commit_point import CommitBeforeCall
from bot.config import Settings
from bot.errors import ConfigError
from bot.telegram_retry import RetryMiddleware, Sleep
from bot.telegram_session import JsonSession


def build_bot(settings: Settings, session: BaseSession | None = None, sleep: Sleep = asyncio.sleep) -> Bot:
    """The Bot, talking to TELEGRAM_API_URL and retrying as Telegram asks (waits go through `sleep`)."""
    token = settings.token()
    if session is None:
        session = JsonSession(api=TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/")))
    session.middleware(CommitBeforeCall())
    session.middleware(KeepResponseModels())
    session.middleware(RetryMiddleware(sleep))
    return Bot(token, session=session)


class KeepResponseModels(BaseRequestMiddleware):
    """Keeps aiogram's `Response[T]` model of each method alive once it has been used.

    aiogram validates every answer with `Response[method.__returning__]`, and pydantic caches such
    parametrised models only weakly: after each garbage collection the next call rebuilds the model and
    its schema. Measured with py-spy under load (bench/RESULTS.md), that rebuilding was more than half
    the CPU of a Bot API call and about a quarter of an update's. A strong reference per method type
    makes it a one-time cost.
    """

    def __init__(self) -> None:
        self._models: dict[type[TelegramMethod[Any]], Any] = {}

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        kind = type(method)
        if kind not in self._models:
            returning: Any = method.__returning__
            self._models[kind] = Response[returning]
        return await make_request(bot, method)


async def check_telegram(bot: Bot, settings: Settings) -> User:
    try:
        return await bot.get_me()
    except TelegramUnauthorizedError as exc:
        raise ConfigError(
            "Telegram rejected BOT_TOKEN (401): check it with @BotFather (/mybots → API Token)."
        ) from exc
    except (TelegramNetworkError, OSError, TimeoutError) as exc:
        raise ConfigError(
            f"Cannot reach the Telegram Bot API at {settings.telegram_api_url}: {exc}. "
            "Check TELEGRAM_API_URL and the network."
        ) from exc
    except TelegramAPIError as exc:
        raise ConfigError(f"The Telegram Bot API at {settings.telegram_api_url} answered: {exc}") from exc
    except AiogramError as exc:
        raise ConfigError(
            f"{settings.telegram_api_url} does not answer like a Telegram Bot API server. "
            "Check TELEGRAM_API_URL."
        ) from exc
