"""consultbot talks to residents one to one. In groups and channels it says so once and leaves, storing
nothing."""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatMemberUpdated, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import Magic

log = logging.getLogger(__name__)
NOT_PRIVATE = Magic(F.chat.type.in_({"group", "supergroup", "channel"}))


async def _leave(bot: Bot, chat_id: int, say: bool) -> None:
    try:
        if say:
            await bot.send_message(
                chat_id, _("I only talk with people one to one. Open a private chat with me to take part.")
            )
        await bot.leave_chat(chat_id)
    except TelegramAPIError as exc:
        log.info("could not leave a non-private chat: %s", exc)


async def on_group_message(message: Message, bot: Bot) -> None:
    await _leave(bot, message.chat.id, say=True)


async def on_channel_post(message: Message, bot: Bot) -> None:
    await _leave(bot, message.chat.id, say=False)


async def on_added_to_group(event: ChatMemberUpdated, bot: Bot) -> None:
    if event.new_chat_member.status in {"member", "administrator"}:
        await _leave(bot, event.chat.id, say=True)


def build_router() -> Router:
    """A new router each time: a router may belong to one dispatcher only."""
    router = Router(name="groups")
    router.message.register(on_group_message, NOT_PRIVATE)
    router.channel_post.register(on_channel_post)
    router.my_chat_member.register(on_added_to_group, NOT_PRIVATE)
    return router
