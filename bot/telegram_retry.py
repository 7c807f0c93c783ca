"""Retrying Bot API calls the way Telegram asks: wait exactly `retry_after` on 429, back off (capped) on
5xx, and on network errors for calls that are safe to repeat. The wait goes through an injected `sleep`,
so tests assert on what was asked instead of sleeping.

A sendMessage that timed out is not repeated: Telegram may have delivered it, and a resident should not
read the same question twice; the update fails instead, nothing is saved, and the resident is asked to
try again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response

log = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]

# The start-up check: it fails at once, so a wrong TELEGRAM_API_URL or token is said in one line.
NEVER_RETRIED = frozenset({"getMe"})

# Methods whose repetition changes nothing a person sees twice.
IDEMPOTENT = frozenset(
    {
        "getUpdates",
        "getFile",
        "getWebhookInfo",
        "setWebhook",
        "deleteWebhook",
        "setMyCommands",
        "deleteMyCommands",
        "setMyDescription",
        "setMyShortDescription",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
        "leaveChat",
        "sendChatAction",
    }
)


class RetryMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        sleep: Sleep = asyncio.sleep,
        attempts: int = 4,
        first_backoff: float = 0.5,
        max_backoff: float = 8.0,
    ) -> None:
        self._sleep = sleep
        self._attempts = attempts
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        backoff = self._first_backoff
        name = method.__api_method__
        if name in NEVER_RETRIED:
            return await make_request(bot, method)
        for attempt in range(1, self._attempts):
            try:
                return await make_request(bot, method)  # the last attempt: its error is the caller's
            except TelegramRetryAfter as exc:
                wait = float(exc.retry_after)
            except TelegramServerError:
                wait, backoff = backoff, min(backoff * 2, self._max_backoff)
            except TelegramNetworkError:
                if name not in IDEMPOTENT:
                    raise
                wait, backoff = backoff, min(backoff * 2, self._max_backoff)
            log.info("Bot API %s: retrying in %.1fs (attempt %d)", name, wait, attempt + 1)
            await self._sleep(wait)
        return await make_request(bot, method)  # the last attempt: its error is the caller's
