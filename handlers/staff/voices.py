"""/voices <round>: the voice messages residents gave as answers, sent back into the staff chat."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.db.models import Role
from bot.services.container import Services
from bot.services.roles import Access
from bot.services.round_admin import target
from handlers.callbacks import StaffRoundCb
from handlers.staff.common import parse_round, round_picker
from handlers.staff.gate import needs

STAFF = needs(Role.STAFF)


async def send_voices(chat_id: int, round_id: int, bot: Bot, services: Services, access: Access) -> None:
    recordings = await services.voices.of_round(round_id)
    await services.audit.record(
        access.actor, "voices", target(round_id), role=access.role, detail={"count": len(recordings)}
    )
    if not recordings:
        await bot.send_message(chat_id, _("Round {id} has no voice answers.").format(id=round_id))
        return
    for recording in recordings:
        caption = _("Respondent {respondent}, question “{question}”").format(
            respondent=recording.respondent, question=recording.question_id
        )
        await bot.send_voice(chat_id, recording.file_id, caption=caption)


async def on_voices(
    message: Message, command: CommandObject, bot: Bot, services: Services, access: Access
) -> None:
    round_id, _words = parse_round(command.args)
    if round_id is None:
        text, keyboard = await round_picker(services, "voices", _("Voice answers of which round?"))
        await message.answer(text, reply_markup=keyboard)
        return
    await send_voices(message.chat.id, round_id, bot, services, access)


async def on_pick_round(
    query: CallbackQuery, callback_data: StaffRoundCb, bot: Bot, services: Services, access: Access
) -> None:
    await query.answer()
    await send_voices(query.from_user.id, callback_data.r, bot, services, access)


def build_router() -> Router:
    router = Router(name="staff-voices")
    router.message.register(on_voices, Command("voices"), flags=STAFF)
    router.callback_query.register(on_pick_round, StaffRoundCb.filter(F.a == "voices"), flags=STAFF)
    return router
