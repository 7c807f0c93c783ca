"""/rounds, /round, /close and /reopen. A command without its round asks for it with buttons."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Role
from bot.services.container import Services
from bot.services.roles import Access
from bot.services.round_admin import CLOSED, OPENED, target
from handlers.callbacks import StaffRoundCb
from handlers.staff.common import city_time, deep_link, parse_round, round_picker, round_status
from handlers.staff.gate import needs
from handlers.textsplit import split_text

STAFF = needs(Role.STAFF)
PROMPTS = {
    "round": lambda: _("Which round?"),
    "close": lambda: _("Which round do you want to close?"),
    "reopen": lambda: _("Which round do you want to reopen?"),
}


async def on_rounds(message: Message, services: Services, ctx: AppContext) -> None:
    summaries = await services.rounds.summaries()
    if not summaries:
        await message.answer(_("There are no rounds yet. Open one with /newround."))
        return
    lines = [_("Rounds (number, status, survey, started / completed):")]
    for s in summaries:
        title = s.round.title or s.slug
        lines.append(
            f"#{s.round.id} {title} — {round_status(s.round, ctx)} · {s.slug} v{s.version} · "
            + _("{started} started / {completed} completed").format(started=s.started, completed=s.completed)
        )
    lines.append(_("Details and link: /round <number>"))
    for chunk in split_text("\n".join(lines)):
        await message.answer(chunk)


async def describe(bot: Bot, services: Services, ctx: AppContext, round_id: int) -> str:
    rnd, survey = await services.stats.round_and_survey(round_id, include_test=True)
    lines = [
        f"#{rnd.id} {rnd.title or survey.title.get(ctx.settings.default_locale)}",
        _("Survey: {id} version {version}").format(id=survey.id, version=survey.version),
        _("Status: {status}").format(status=round_status(rnd, ctx)),
        _("Opens: {when}").format(when=city_time(rnd.opens_at, ctx)),
        _("Closes: {when}").format(when=city_time(rnd.closes_at, ctx) if rnd.closes_at else _("no end date")),
        _("Link: {link}").format(link=await deep_link(bot, rnd.payload)),
    ]
    if rnd.closed_at is not None:
        lines.insert(4, _("Closed: {when}").format(when=city_time(rnd.closed_at, ctx)))
    return "\n".join(lines)


async def act(
    action: str, chat_id: int, round_id: int, bot: Bot, services: Services, access: Access, ctx: AppContext
) -> None:
    rnd = await services.round_admin.get(round_id)
    if action == "close":
        await services.rounds.close(round_id)
        await services.audit.record(access.actor, CLOSED, target(rnd), role=access.role)
        await bot.send_message(
            chat_id, _("Round {id} is closed. Residents can no longer answer.").format(id=rnd.id)
        )
    elif action == "reopen":
        await services.round_admin.reopen(round_id)
        await services.audit.record(access.actor, OPENED, target(rnd), role=access.role)
        await bot.send_message(chat_id, _("Round {id} is open again.").format(id=rnd.id))
    await bot.send_message(chat_id, await describe(bot, services, ctx, rnd.id))


async def on_command(
    message: Message, command: CommandObject, bot: Bot, services: Services, access: Access, ctx: AppContext
) -> None:
    action = command.command
    round_id, _words = parse_round(command.args)
    if round_id is None:
        text, keyboard = await round_picker(services, action, PROMPTS[action]())
        await message.answer(text, reply_markup=keyboard)
        return
    await act(action, message.chat.id, round_id, bot, services, access, ctx)


async def on_pick(
    query: CallbackQuery,
    callback_data: StaffRoundCb,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
) -> None:
    await query.answer()
    await act(callback_data.a, query.from_user.id, callback_data.r, bot, services, access, ctx)


def build_router() -> Router:
    router = Router(name="staff-rounds")
    router.message.register(on_rounds, Command("rounds"), flags=STAFF)
    router.message.register(on_command, Command("round", "close", "reopen"), flags=STAFF)
    router.callback_query.register(on_pick, StaffRoundCb.filter(F.a.in_(set(PROMPTS))), flags=STAFF)
    return router
