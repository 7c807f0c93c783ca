"""On SQLite, an update's work is committed before its replies go out.

SQLite has one writer: an update holds it from its first write to its commit. Held through the update's
Bot API calls, that let a process answer about one update per Telegram round trip: 10.6 updates a second
with calls of 40 ms, where PostgreSQL answered 134.6 (bench/RESULTS.md §1, session 7). So the update's
transaction is committed just before each Bot API call made while it is processed. What a handler writes
after a call goes in a new transaction, committed when the update ends, which also marks the update
completed (bot/services/updates.py).

PostgreSQL locks only the rows an update writes, so other updates go on meanwhile; there an update stays
one transaction, replies included (the UnitOfWork sets no commit point). A second transaction there means
four or five more round trips to the server per update (one run: 8.0 against 6.39 ms of CPU per update).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response
from sqlalchemy.ext.asyncio import AsyncSession


class CommitPoint:
    """The transaction of the update being processed, to commit before a Bot API call."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.active = True

    async def before_call(self) -> None:
        if self.active and self._session.in_transaction():
            await self._session.commit()


current_commit_point: ContextVar[CommitPoint | None] = ContextVar("consultbot_commit_point", default=None)


class CommitBeforeCall(BaseRequestMiddleware):
    """The Bot's request middleware that commits the current update's work before each call."""

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Response[Any]:
        point = current_commit_point.get()
        if point is not None:
            await point.before_call()
        return await make_request(bot, method)
