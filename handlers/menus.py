"""What Telegram shows before a conversation starts: the command menu and the bot's description, per
language."""

from __future__ import annotations

from collections.abc import Iterable

from aiogram import Bot
from aiogram.types import BotCommand
from aiogram.utils.i18n import gettext as _

from bot.i18n import Catalogs
from handlers.texts import command_descriptions

DESCRIPTION_LIMIT = 512
SHORT_DESCRIPTION_LIMIT = 120


def _commands() -> list[BotCommand]:
    return [BotCommand(command=name, description=text) for name, text in command_descriptions()]


def _descriptions(city: str) -> tuple[str, str]:
    description = _(
        "The City of {city} asks residents for their opinion before it decides. "
        "Answer in your language, at your pace, with buttons. Your answers are anonymous in the results."
    ).format(city=city)
    short = _("Consultations of the City of {city}: give your opinion in your language.").format(city=city)
    return description[:DESCRIPTION_LIMIT], short[:SHORT_DESCRIPTION_LIMIT]


async def set_resident_profile(
    bot: Bot, catalogs: Catalogs, languages: Iterable[str], default: str, city: str
) -> None:
    """Commands, description and short description in every language we have, and the default
    locale's for everyone else."""
    for language in [*sorted(languages), None]:
        with catalogs.context(), catalogs.use_locale(language or default):
            commands = _commands()
            description, short = _descriptions(city)
        await bot.set_my_commands(commands, language_code=language)
        await bot.set_my_description(description, language_code=language)
        await bot.set_my_short_description(short, language_code=language)
