"""What several staff handlers share: round pickers, argument parsing, links, status names."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Role, Round
from bot.services.container import Services
from bot.services.round_admin import RoundState, state_of
from handlers.callbacks import StaffRoundCb
from handlers.keyboards import button, columns, markup
from handlers.staff.menus import refresh_menu

PICKER_SIZE = 12


def status_name(state: RoundState) -> str:
    return {
        RoundState.OPEN: _("open"),
        RoundState.SCHEDULED: _("scheduled"),
        RoundState.CLOSED: _("closed"),
    }[state]


def round_status(rnd: Round, ctx: AppContext) -> str:
    text = status_name(state_of(rnd, ctx.clock.now()))
    return text + (" · " + _("test round") if rnd.is_test else "")


def city_time(moment: datetime, ctx: AppContext) -> str:
    return f"{moment.astimezone(ctx.settings.tz):%Y-%m-%d %H:%M}"


async def deep_link(bot: Bot, payload: str) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={payload}"


def parse_round(args: str | None) -> tuple[int | None, list[str]]:
    """`/stats 3 test` → (3, ["test"]); no number → (None, words)."""
    words = (args or "").split()
    if words and words[0].isdigit():
        return int(words[0]), words[1:]
    return None, words


async def round_picker(
    services: Services, action: str, prompt: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A prompt and buttons of the newest rounds, for a command given without its round."""
    summaries = (await services.rounds.summaries())[-PICKER_SIZE:]
    if not summaries:
        return _("There are no rounds yet. Open one with /newround."), None
    buttons = [
        button(
            f"#{s.round.id} {s.round.title or s.slug}" + (" · " + _("test") if s.round.is_test else ""),
            StaffRoundCb(a=action, r=s.round.id).pack(),
        )
        for s in reversed(summaries)
    ]
    return prompt, markup(columns(buttons, 1))


async def menu_for(bot: Bot, ctx: AppContext, chat_id: int, role: Role | None) -> None:
    await refresh_menu(bot, ctx.catalogs, ctx.languages, ctx.settings.default_locale, chat_id, role)
