"""/stats <round> [test]: a short text and chart images, labels in the staff member's language."""

from __future__ import annotations

import asyncio

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Role
from bot.services.charts import Panel, render_panels
from bot.services.container import Services
from bot.services.labels import choice_label
from bot.services.stats import Figures
from bot.services.stats_text import render
from bot.services.suppression import Hidden
from handlers.callbacks import StaffRoundCb
from handlers.staff.common import parse_round, round_picker, round_status
from handlers.staff.gate import needs
from handlers.textsplit import split_text

STAFF = needs(Role.STAFF)


def panels(figures: Figures, language: str) -> list[Panel]:
    k = figures.k
    result = []
    for tally in (*figures.breakdowns, *figures.distributions):
        question = tally.question
        if question is None or not tally.codes or tally.table.total.hidden is Hidden.PRIMARY:
            continue
        labels = tuple(
            choice_label(figures.survey, question, code, language, lambda m, _lang: _(m))
            for code in tally.codes
        )
        cells = tally.table.cells
        result.append(
            Panel(
                title=question.label.get(language),
                labels=labels,
                values=tuple(c.count if c.visible else None for c in cells),
                shown=tuple(c.shown(k) for c in cells),
            )
        )
    return result


async def send_stats(
    chat_id: int,
    round_id: int,
    include_test: bool,
    bot: Bot,
    services: Services,
    ctx: AppContext,
    locale: str,
) -> None:
    figures = await services.stats.figures(round_id, include_test=include_test)
    text = render(figures, locale, lambda message, _lang: _(message), round_status(figures.round, ctx))
    for chunk in split_text(text):
        await bot.send_message(chat_id, chunk)
    images = await asyncio.to_thread(render_panels, panels(figures, locale))
    for number, image in enumerate(images, start=1):
        await bot.send_photo(chat_id, BufferedInputFile(image, f"round-{round_id}-chart-{number}.png"))


async def on_stats(
    message: Message, command: CommandObject, bot: Bot, services: Services, ctx: AppContext, locale: str
) -> None:
    round_id, words = parse_round(command.args)
    if round_id is None:
        text, keyboard = await round_picker(services, "stats", _("Figures of which round?"))
        await message.answer(text, reply_markup=keyboard)
        return
    await send_stats(message.chat.id, round_id, "test" in words, bot, services, ctx, locale)


async def on_pick(
    query: CallbackQuery,
    callback_data: StaffRoundCb,
    bot: Bot,
    services: Services,
    ctx: AppContext,
    locale: str,
) -> None:
    await query.answer()
    await send_stats(query.from_user.id, callback_data.r, True, bot, services, ctx, locale)


def build_router() -> Router:
    router = Router(name="staff-stats")
    router.message.register(on_stats, Command("stats"), flags=STAFF)
    router.callback_query.register(on_pick, StaffRoundCb.filter(F.a == "stats"), flags=STAFF)
    return router
