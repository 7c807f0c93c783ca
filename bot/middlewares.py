"""Update-level middleware: one database session per update, committed after the handler returns, and
each update processed once (its id is saved with its effects)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commit_point import CommitPoint, current_commit_point
from bot.context import AppContext
from bot.db.current import current_session
from bot.metrics import DUPLICATES
from bot.services.container import Services

log = logging.getLogger(__name__)


class UnitOfWork(BaseMiddleware):
    """What an update changes is saved in one session, committed when the handler returns and rolled back
    on error; on SQLite also committed before each Bot API call the update makes (bot/commit_point.py).

    It also looks up the person's contact once, so the language middleware and handlers share it, and
    claims the update's id in its first transaction (on SQLite, marking it completed in its last): a
    second delivery of a completed update is skipped (and answered 200 by the webhook), one of an update
    that stopped half-way is processed again, see `bot.services.updates`.
    """

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx
        # SQLite has one writer, which an update must not hold through its replies; PostgreSQL locks only
        # the rows an update writes, and there an update stays one transaction, replies included.
        self._commit_before_replies = ctx.engine.dialect.name == "sqlite"

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            async with self._ctx.sessions() as session:
                token = current_session.set(session)
                try:
                    return await self._handle(handler, event, data, session)
                finally:
                    current_session.reset(token)
        except TelegramForbiddenError:
            # The person blocked the bot (or left): what this update did since its last commit is rolled
            # back, they are marked unreachable, and nothing more is tried; no error escapes.
            user: User | None = data.get("event_from_user")
            if user is not None:
                async with self._ctx.sessions.begin() as session:
                    await Services(session, self._ctx).contacts.mark_unreachable(user.id)
            log.info("update: the person has blocked the bot; marked unreachable")
            return None

    async def _handle(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
        session: AsyncSession,
    ) -> Any:
        services = Services(session, self._ctx)
        update_id = event.update_id if isinstance(event, Update) else None
        point = CommitPoint(session) if self._commit_before_replies else None
        if update_id is not None and not await services.processed_updates.claim(
            update_id, completed=point is None
        ):
            DUPLICATES.inc()
            log.info("update %s was delivered again: already processed, skipped", update_id)
            return None
        data["services"] = services
        user: User | None = data.get("event_from_user")
        contact = await services.contacts.find(user.id) if user is not None else None
        if contact is not None:
            await services.contacts.mark_reachable(contact)  # they wrote: they have not blocked us
        data["contact"] = contact
        data["contact_language"] = contact.language if contact is not None else None
        token = current_commit_point.set(point)
        try:
            result = await handler(event, data)
        finally:
            if point is not None:
                point.active = False  # a task the handler started must not commit this session later
            current_commit_point.reset(token)
        if point is not None and update_id is not None:
            await services.processed_updates.complete(update_id)
        await session.commit()
        return result
