"""Last in line: whatever no other handler understood gets a short, helpful answer, never silence."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from handlers.filters import PRIVATE, Magic


async def on_unknown_command(message: Message) -> None:
    await message.answer(_("I don't know this command. Send /help to see what I can do."))


async def on_anything_else(message: Message) -> None:
    await message.answer(
        _("I did not understand. To take part in a consultation, send /start. For help, send /help.")
    )


async def on_unknown_button(query: CallbackQuery) -> None:
    await query.answer(_("This button no longer works. Send /start to see where you are."), show_alert=True)


def build_router() -> Router:
    """A new router each time: a router may belong to one dispatcher only."""
    router = Router(name="fallback")
    router.message.register(on_unknown_command, PRIVATE, Magic(F.text.startswith("/")))
    router.message.register(on_anything_else, PRIVATE)
    router.callback_query.register(on_unknown_button)
    return router
