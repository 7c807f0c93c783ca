"""Command menus: each staff member sees the resident commands and theirs, in every language we have
(setMyCommands with their chat's scope); refreshed when their role changes."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat
from aiogram.utils.i18n import gettext as _

from bot.db.models import Role
from bot.i18n import Catalogs
from handlers.texts import command_descriptions

log = logging.getLogger(__name__)


def staff_descriptions(role: Role) -> list[tuple[str, str]]:
    """The staff commands a role may use, in the current language."""
    if role is Role.WORKER:
        return [
            ("mylink", _("My link, QR code and poster for a round")),
            ("mystats", _("How many residents came through my links")),
            ("assist", _("Fill in a survey with a resident")),
        ]
    commands = [
        ("surveys", _("Surveys and their versions")),
        ("newround", _("Open a consultation round")),
        ("rounds", _("Rounds, status and counts")),
        ("round", _("One round and its link")),
        ("stats", _("Figures and charts of a round")),
        ("export", _("Export a round's answers")),
        ("links", _("Survey links of a round (for organisations, posters)")),
        ("voices", _("Voice answers of a round")),
        ("close", _("Close a round")),
        ("reopen", _("Reopen a round")),
        ("broadcast", _("Invite residents to a round")),
        ("remind", _("Remind residents to finish a round")),
        ("results", _("Tell residents what came of a round")),
        ("broadcasts", _("Messages to residents: progress")),
    ]
    if role is Role.ADMIN:
        commands += [
            ("invite", _("Invite a colleague")),
            ("grant", _("Give a role")),
            ("revoke", _("Take a role away")),
            ("roles", _("People with a role")),
            ("audit", _("Latest staff actions")),
        ]
    return commands


def _commands(catalogs: Catalogs, language: str, role: Role) -> list[BotCommand]:
    with catalogs.context(), catalogs.use_locale(language):
        pairs = command_descriptions() + staff_descriptions(role)
    return [BotCommand(command=name, description=text) for name, text in pairs]


async def refresh_menu(
    bot: Bot, catalogs: Catalogs, languages: Iterable[str], default: str, chat_id: int, role: Role | None
) -> None:
    """Set (or, without a role, remove) the chat's own menu; a failure is logged, never fatal."""
    scope = BotCommandScopeChat(chat_id=chat_id)
    try:
        for language in sorted(languages):
            if role is None:
                await bot.delete_my_commands(scope=scope, language_code=language)
            else:
                await bot.set_my_commands(_commands(catalogs, language, role), scope, language)
        if role is None:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(_commands(catalogs, default, role), scope)
    except TelegramAPIError as exc:
        log.info("could not update a staff menu: %s", exc)
