"""/mylink <round> [language]: a community worker's own link to a round, its QR codes and poster."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Role
from bot.services.container import Services
from bot.services.roles import Access
from handlers.callbacks import WorkerPosterCb, WorkerRoundCb
from handlers.staff.common import parse_round
from handlers.staff.gate import needs
from handlers.worker.common import open_round_picker
from handlers.worker.media import send_link_files, send_poster

WORKER = needs(Role.WORKER)


async def send_mylink(
    chat_id: int,
    round_id: int,
    language: str,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
) -> None:
    link = await services.links.for_worker(access.contact, round_id, access.organisation)

    def intro(title: str, url: str) -> str:
        return _(
            "Your link to “{title}”:\n{link}\n\n"
            "Share it, or print the poster. Residents who answer through it are counted for your "
            "organisation; nobody sees who answered what. Your figures: /mystats"
        ).format(title=title, link=url)

    await send_link_files(
        bot,
        chat_id,
        link,
        language,
        services,
        ctx,
        intro,
        lambda code: WorkerPosterCb(r=round_id, lang=code).pack(),
    )


async def on_mylink(
    message: Message,
    command: CommandObject,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
    locale: str,
) -> None:
    round_id, words = parse_round(command.args)
    if round_id is None:
        keyboard = await open_round_picker(services, "mylink", locale)
        if keyboard is None:
            await message.answer(_("There is no consultation open right now."))
            return
        await message.answer(_("Which consultation is your link for?"), reply_markup=keyboard)
        return
    language = next((w for w in words if w in ctx.languages), locale)
    await send_mylink(message.chat.id, round_id, language, bot, services, access, ctx)


async def on_pick(
    query: CallbackQuery,
    callback_data: WorkerRoundCb,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
    locale: str,
) -> None:
    await query.answer()
    await send_mylink(query.from_user.id, callback_data.r, locale, bot, services, access, ctx)


async def on_poster(
    query: CallbackQuery,
    callback_data: WorkerPosterCb,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
) -> None:
    await query.answer()
    if callback_data.lang not in ctx.languages:
        return
    link = await services.links.for_worker(access.contact, callback_data.r, access.organisation)
    await send_poster(bot, query.from_user.id, link, callback_data.lang, services, ctx)


def build_router() -> Router:
    router = Router(name="worker-links")
    router.message.register(on_mylink, Command("mylink"), flags=WORKER)
    router.callback_query.register(on_pick, WorkerRoundCb.filter(F.a == "mylink"), flags=WORKER)
    router.callback_query.register(on_poster, WorkerPosterCb.filter(), flags=WORKER)
    return router
