"""One update at a time per person, within one process, without keeping a lock per person forever.

aiogram's SimpleEventIsolation keeps every person's lock for the life of the process: with a city's worth
of residents that grows without end (bench/RESULTS.md). This one drops a lock when nobody holds or waits
for it. With Redis, RedisEventIsolation is used instead (several processes).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from aiogram.fsm.storage.base import BaseEventIsolation, StorageKey


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
