"""One update at a time per person, within one process, without keeping a lock per person forever.

aiogram's SimpleEventIsolation keeps every person's lock for the life of the process: with a city's worth
of residents that grows without end (bench/RESULTS.md). This one drops a lock when nobody holds or waits
for it. With Redis, RedisEventIsolation is used instead (several processes).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey
from aiogram.types import TelegramObject


class PerPersonIsolation(BaseEventIsolation):
    def __init__(self) -> None:
        self._locks: dict[StorageKey, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    @property
    def held(self) -> int:
        """How many people have an update in progress or waiting (for tests and metrics)."""
        return len(self._locks)

    async def close(self) -> None:
        self._locks.clear()


class OnePersonAtATime(BaseMiddleware):
    """Takes the person's isolation lock around the rest of the update.

    aiogram takes this lock inside its FSM middleware, which it places before every middleware we add;
    the FSM state would then be read in a transaction of its own, before the update's unit of work
    begins. The dispatcher is built with `disable_fsm=True` and the steps are put in this order instead:
    flood guard, this lock, the unit of work, then aiogram's FSM middleware without a lock of its own, so
    the state is read in the update's transaction.
    """

    def __init__(self, fsm: FSMContextMiddleware, isolation: BaseEventIsolation) -> None:
        self._fsm = fsm
        self._isolation = isolation

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        context = self._fsm.resolve_event_context(data["bot"], data)
        if context is None:
            return await handler(event, data)
        async with self._isolation.lock(context.key):
            return await handler(event, data)
