"""A resident blocking or unblocking the bot (Telegram's my_chat_member updates in private chats)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import ChatMemberUpdated

from bot.db.models import Contact
from bot.services.container import Services
from handlers.filters import PRIVATE, Magic


async def on_blocked(event: ChatMemberUpdated, services: Services) -> None:
    await services.contacts.mark_unreachable(event.from_user.id)


async def on_unblocked(event: ChatMemberUpdated, services: Services, contact: Contact | None) -> None:
    if contact is not None:
        await services.contacts.mark_reachable(contact)


def build_router() -> Router:
    router = Router(name="resident-membership")
    router.my_chat_member.filter(PRIVATE)
    router.my_chat_member.register(on_blocked, Magic(F.new_chat_member.status == "kicked"))
    router.my_chat_member.register(on_unblocked, Magic(F.new_chat_member.status == "member"))
    return router
