"""Telegram's command menu, per language."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import Bot
from aiogram.types import BotCommand

from bot.i18n import Catalogs
from handlers.texts import command_descriptions


def _commands(catalogs: Catalogs, language: str) -> list[BotCommand]:
    with catalogs.context(), catalogs.use_locale(language):
        return [BotCommand(command=name, description=text) for name, text in command_descriptions()]


async def set_resident_commands(bot: Bot, catalogs: Catalogs, languages: Iterable[str], default: str) -> None:
    """The resident menu in every language we have, and the default locale's for everyone else."""
    for language in sorted(languages):
        await bot.set_my_commands(_commands(catalogs, language), language_code=language)
    await bot.set_my_commands(_commands(catalogs, default))
