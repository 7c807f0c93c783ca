"""One error router: known errors become a friendly reply in the person's language; the rest are logged
with the update id (never the token, never answer text) and the person gets the generic message."""

from __future__ import annotations

import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

from bot.delivery import current_delivery, database_unavailable
from bot.errors import ConsultError, TryAgainLater, user_error_for

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot) -> None:
    update = event.update
    delivery = current_delivery.get()
    if delivery is not None and database_unavailable(event.exception):
        # What was not committed is rolled back; the webhook answers 500 and Telegram delivers the update
        # again, which runs it again on what was (bot/services/updates.py): the resident gets their
        # answer then, once, without having to repeat anything.
        delivery.redeliver = True
        log.warning(
            "update %s (%s): database unavailable (%s); Telegram will deliver it again",
            update.update_id,
            update.event_type,
            type(event.exception).__name__,
        )
        return
    known = user_error_for(event.exception)
    if known is None:
        log.error(
            "update %s (%s) failed: %s",
            update.update_id,
            update.event_type,
            type(event.exception).__name__,
            exc_info=event.exception,
        )
        known = ConsultError()
    else:
        log.info(
            "update %s: %s (%s)",
            update.update_id,
            type(known).__name__,
            type(event.exception).__name__,
            exc_info=event.exception if isinstance(known, TryAgainLater) else None,
        )
    text = _(known.user_message)
    try:
        if update.callback_query is not None:
            query = update.callback_query
            await _quietly(query.answer(text))
            if query.message is not None:
                await bot.send_message(query.message.chat.id, text)
        elif update.message is not None and update.message.chat.type == "private":
            await bot.send_message(update.message.chat.id, text)
    except TelegramAPIError as exc:
        log.warning("update %s: could not tell the person about the error: %s", update.update_id, exc)


async def _quietly(call: object) -> None:
    """Answer a callback query; a query that is too old can no longer be answered, which is fine."""
    try:
        await call  # type: ignore[misc]
    except TelegramAPIError:
        return


def build_router() -> Router:
    """A new router each time: a router may belong to one dispatcher only."""
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
