"""/export <round> [csv|xlsx|json] [LANG] [test]: the round's answers as a file in the chat."""

from __future__ import annotations

import tempfile
from pathlib import Path

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, FSInputFile, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Role
from bot.services.container import Services
from bot.services.exports import ExportFormat
from bot.services.roles import Access
from bot.services.round_admin import target
from handlers.callbacks import ExportCb, StaffRoundCb
from handlers.keyboards import button, markup
from handlers.staff.common import parse_round, round_picker
from handlers.staff.gate import needs

STAFF = needs(Role.STAFF)


async def send_export(
    chat_id: int,
    round_id: int,
    fmt: ExportFormat,
    labels: str | None,
    include_test: bool,
    bot: Bot,
    services: Services,
    access: Access,
) -> None:
    with tempfile.TemporaryDirectory(prefix="consultbot-export-") as directory:
        async with services.snapshot() as reading:
            exported = await reading.exports.export(
                round_id, fmt, Path(directory), labels=labels, include_test=include_test
            )
        await services.audit.record(
            access.actor,
            "export",
            target(round_id),
            role=access.role,
            detail={"format": fmt.value, "responses": exported.responses, "labels": labels},
        )
        if exported.path.stat().st_size == 0:
            await bot.send_message(
                chat_id, _("Round {id} has no answers yet: the file would be empty.").format(id=round_id)
            )
            return
        caption = _("Round {id}: {n} responses, {completed} completed.").format(
            id=round_id, n=exported.responses, completed=exported.completed
        )
        await bot.send_document(chat_id, FSInputFile(exported.path, exported.filename), caption=caption)


def format_buttons(round_id: int) -> InlineKeyboardMarkup:
    return markup([[button(f.value.upper(), ExportCb(r=round_id, f=f.value).pack()) for f in ExportFormat]])


async def on_export(
    message: Message, command: CommandObject, bot: Bot, services: Services, access: Access, ctx: AppContext
) -> None:
    round_id, words = parse_round(command.args)
    if round_id is None:
        text, keyboard = await round_picker(services, "export", _("Export which round?"))
        await message.answer(text, reply_markup=keyboard)
        return
    formats = [w for w in words if w.lower() in set(ExportFormat)]
    if not formats:
        await message.answer(_("Which format?"), reply_markup=format_buttons(round_id))
        return
    labels = next((w for w in words if w in ctx.languages), None)
    await send_export(
        message.chat.id,
        round_id,
        ExportFormat(formats[0].lower()),
        labels,
        "test" in words,
        bot,
        services,
        access,
    )


async def on_pick_round(query: CallbackQuery, callback_data: StaffRoundCb) -> None:
    await query.answer()
    if query.message is not None:
        await query.message.answer(_("Which format?"), reply_markup=format_buttons(callback_data.r))


async def on_pick_format(
    query: CallbackQuery, callback_data: ExportCb, bot: Bot, services: Services, access: Access
) -> None:
    await query.answer()
    await send_export(
        query.from_user.id, callback_data.r, ExportFormat(callback_data.f), None, True, bot, services, access
    )


def build_router() -> Router:
    router = Router(name="staff-exports")
    router.message.register(on_export, Command("export"), flags=STAFF)
    router.callback_query.register(on_pick_round, StaffRoundCb.filter(F.a == "export"), flags=STAFF)
    router.callback_query.register(on_pick_format, ExportCb.filter(), flags=STAFF)
    return router
