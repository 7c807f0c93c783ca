"""aiogram FSM storage in the database, used when no Redis is configured, so a restart loses nothing.

Keys are keyed hashes of aiogram's storage key: the table never holds a raw Telegram id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, StateType, StorageKey
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.current import current_session
from bot.db.models import FsmRecord
from bot.db.upsert import upsert

# Read on every update: built once (bench/RESULTS.md §1).
_STATE = select(FsmRecord.state).where(FsmRecord.key == bindparam("key"))
_DATA = select(FsmRecord.data).where(FsmRecord.key == bindparam("key"))


class SQLStorage(BaseStorage):
    def __init__(self, sessions: async_sessionmaker[AsyncSession], secret: bytes, clock: Clock) -> None:
        self._sessions = sessions
        self._secret = secret
        self._clock = clock
        self._keys = DefaultKeyBuilder(with_destiny=True, with_bot_id=True)

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        """Inside an update: the update's own session, so FSM changes commit (or roll back) with it and
        never wait for its lock. Outside one: a short transaction of its own."""
        session = current_session.get()
        if session is not None:
            yield session
            return
        async with self._sessions.begin() as own:
            yield own

    def _key(self, key: StorageKey) -> str:
        return hmac.new(self._secret, self._keys.build(key).encode(), hashlib.sha256).hexdigest()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._session() as session:
            await upsert(
                session,
                FsmRecord,
                {"key": self._key(key), "state": value, "data": {}, "updated_at": self._clock.now()},
                conflict=["key"],
                update=["state", "updated_at"],
            )

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._session() as session:
            return await session.scalar(_STATE, {"key": self._key(key)})

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._session() as session:
            await upsert(
                session,
                FsmRecord,
                {
                    "key": self._key(key),
                    "state": None,
                    "data": dict(data),
                    "updated_at": self._clock.now(),
                },
                conflict=["key"],
                update=["data", "updated_at"],
            )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._session() as session:
            data = await session.scalar(_DATA, {"key": self._key(key)})
        return dict(data) if data else {}

    async def close(self) -> None:
        """Nothing to release: sessions come from the application's engine."""
