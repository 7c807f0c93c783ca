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

from bot.context import AppContext
from bot.db.current import current_session
from bot.metrics import DUPLICATES
from bot.services.container import Services

log = logging.getLogger(__name__)


class UnitOfWork(BaseMiddleware):
    """Everything an update changes is saved together, or not at all (the session rolls back on error).

    It also looks up the person's contact once, so the language middleware and handlers share it, and
    records the update's id in the same transaction: a second delivery of an update whose effects are
    committed is skipped (and answered 200 by the webhook), see `bot.services.updates`.
    """

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

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
            # The person blocked the bot (or left): what this update did is rolled back, they are marked
            # unreachable, and nothing more is tried; no error escapes.
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
        if isinstance(event, Update) and not await services.processed_updates.first_delivery(event.update_id):
            DUPLICATES.inc()
            log.info("update %s was delivered again: already processed, skipped", event.update_id)
            return None
        data["services"] = services
        user: User | None = data.get("event_from_user")
        contact = await services.contacts.find(user.id) if user is not None else None
        if contact is not None:
            await services.contacts.mark_reachable(contact)  # they wrote: they have not blocked us
        data["contact"] = contact
        data["contact_language"] = contact.language if contact is not None else None
        result = await handler(event, data)
        await session.commit()
        return result
