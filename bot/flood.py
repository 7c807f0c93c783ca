"""A friendly slow-down for one resident sending a flood of updates, so the bot keeps serving everyone else.

Each person may send `limit` updates per `window` seconds; past that they are told once to slow down and
their further updates are dropped until the window has passed. With Redis the count is shared by every bot
process; without it, each process counts alone (one process is then the whole bot).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from redis.asyncio import Redis

from bot.clock import Clock
from bot.languages import pick_language


class FloodCounter(Protocol):
    async def hit(self, user_id: int) -> int:
        """Count one update from this person; how many they sent in the current window."""
        ...


class MemoryFloodCounter:
    """A sliding window per person, in this process.

    Once per window, everyone whose last update is a window old is forgotten (their count is zero anyway),
    so memory follows the people who wrote in the last window or two, not everyone who ever wrote (about
    0.85 KB each, measured with tracemalloc under bench.memory).
    """

    def __init__(self, clock: Clock, window: float) -> None:
        self._clock = clock
        self._window = window
        self._hits: dict[int, deque[float]] = {}
        self._next_sweep = -math.inf

    async def hit(self, user_id: int) -> int:
        now = self._clock.now().timestamp()
        if not self._next_sweep - self._window <= now < self._next_sweep:  # also if the clock went back
            self._forget_quiet(now)
        hits = self._hits.get(user_id)
        if hits is None:
            hits = self._hits[user_id] = deque()
        while hits and hits[0] <= now - self._window:
            hits.popleft()
        hits.append(now)
        return len(hits)

    @property
    def tracked(self) -> int:
        """How many people the counter remembers (for tests)."""
        return len(self._hits)

    def _forget_quiet(self, now: float) -> None:
        # A new dict, not deletions: a dict never shrinks its table after deleting keys. Hits "from the
        # future" (the clock was set back) are forgotten too.
        since = now - self._window
        self._hits = {uid: h for uid, h in self._hits.items() if h and since < h[-1] <= now}
        self._next_sweep = now + self._window


class RedisFloodCounter:
    """A fixed window per person, shared by every process through Redis."""

    def __init__(self, redis: Redis, clock: Clock, window: float) -> None:
        self._redis = redis
        self._clock = clock
        self._window = window

    async def hit(self, user_id: int) -> int:
        slot = math.floor(self._clock.now().timestamp() / self._window)
        key = f"consultbot:flood:{user_id}:{slot}"
        count = int(await self._redis.incr(key))
        if count == 1:
            await self._redis.expire(key, math.ceil(self._window) + 1)
        return count


class FloodGuard(BaseMiddleware):
    """Update-level, before the database is touched: a flood costs no query. The slow-down notice is in
    the language Telegram reports (the stored choice would need the database)."""

    def __init__(self, counter: FloodCounter, limit: int, catalogs: I18n) -> None:
        self._counter = counter
        self._limit = limit
        self._catalogs = catalogs

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or not isinstance(event, Update) or event.my_chat_member is not None:
            return await handler(event, data)
        count = await self._counter.hit(user.id)
        if count <= self._limit:
            return await handler(event, data)
        locale = pick_language(
            [user.language_code], set(self._catalogs.available_locales), self._catalogs.default_locale
        )
        with self._catalogs.context(), self._catalogs.use_locale(locale):
            text = _("You are sending messages very fast. Please wait a moment, then go on.")
        bot: Bot = data["bot"]
        if event.callback_query is not None:  # every button press is answered, if only to stop its spinner
            await event.callback_query.answer(text if count == self._limit + 1 else None)
        elif count == self._limit + 1 and event.message is not None and event.message.chat.type == "private":
            await bot.send_message(user.id, text)
        return None
