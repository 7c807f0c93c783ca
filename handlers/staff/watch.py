"""The round watch: at start and every ROUND_CHECK_SECONDS, rounds that opened or closed by their dates
are recorded in the audit log and announced to staff. Time comes from the app's clock; `check` is the
one tick, so tests call it directly instead of waiting."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.services.container import Services
from bot.services.round_admin import RoundState
from handlers.staff.menus import refresh_menu

log = logging.getLogger(__name__)
TASK_KEY = "consultbot_round_watch"


async def check(bot: Bot, ctx: AppContext) -> int:
    """One tick: announce every round whose state changed; returns how many were announced."""
    async with ctx.sessions.begin() as session:
        services = Services(session, ctx)
        changes = await services.round_admin.watch()
        chats = await services.roles.staff_chats() if changes else []
        purged = await services.retention.purge()
    if purged.respondents or purged.results_links:
        log.info(
            "retention: %d respondents unlinked, %d results links deleted",
            purged.respondents,
            purged.results_links,
        )
    for change in changes:
        rnd = change.round
        for chat, language in chats:
            with ctx.catalogs.context(), ctx.catalogs.use_locale(language or ctx.settings.default_locale):
                text = (
                    _("Round {id} ({title}) is now open.")
                    if change.state is RoundState.OPEN
                    else _("Round {id} ({title}) is now closed.")
                ).format(id=rnd.id, title=rnd.title or rnd.payload)
            try:
                await bot.send_message(chat, text)
            except TelegramAPIError as exc:
                log.info("could not announce a round change: %s", exc)
    return len(changes)


async def refresh_staff_menus(bot: Bot, ctx: AppContext) -> None:
    async with ctx.sessions.begin() as session:
        targets = await Services(session, ctx).roles.menu_targets()
    for chat_id, role in targets:
        await refresh_menu(bot, ctx.catalogs, ctx.languages, ctx.settings.default_locale, chat_id, role)


async def run(bot: Bot, ctx: AppContext, interval: float) -> None:
    while True:
        try:
            await check(bot, ctx)
        except Exception:
            log.exception("the round watch failed; it will try again")
        await asyncio.sleep(interval)


async def on_startup(bot: Bot, ctx: AppContext, dispatcher: Dispatcher) -> None:
    await refresh_staff_menus(bot, ctx)
    dispatcher[TASK_KEY] = asyncio.create_task(run(bot, ctx, ctx.settings.round_check_seconds))


async def on_shutdown(dispatcher: Dispatcher) -> None:
    task: asyncio.Task[None] | None = dispatcher.workflow_data.pop(TASK_KEY, None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
