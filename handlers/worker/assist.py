"""/assist <round>: a community worker fills in a round with a resident sitting beside them.

The worker picks the survey's language (their own menus stay in theirs), reads the privacy notice to the
resident and confirms that the resident agreed; the interview is then answered in the worker's chat like
any survey (the resident handlers find it through `SurveyRunner`). After Submit the worker gets a receipt
code to hand over, and the answers are out of their reach.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.db.models import Role
from bot.errors import AssistInProgress
from bot.services.answering import Progress
from bot.services.assisted import shown_receipt
from bot.services.container import Services
from bot.services.roles import Access
from bot.services.round_admin import target
from handlers.callbacks import AssistCb, WorkerRoundCb
from handlers.keyboards import button, columns, markup
from handlers.resident import screens
from handlers.staff.common import parse_round
from handlers.staff.gate import needs
from handlers.texts import privacy_notice
from handlers.worker.common import open_round_picker
from handlers.worker.media import language_name

WORKER = needs(Role.WORKER)
DELETE_AT_ONCE = 100  # deleteMessages takes 1 to 100 ids
log = logging.getLogger(__name__)


def assisted_notice(city: str, language: str) -> str:
    """The privacy notice in the resident's language, with what differs for them: the receipt code."""
    with I18n.get_current(no_error=False).use_locale(language):
        body = privacy_notice(city).rsplit("\n\n", 1)[0]
        extra = _(
            "You answer with the help of a community worker, who presses the buttons for you. You do not "
            "need Telegram. At the end you get a receipt code: keep it. With it, the City deletes your "
            "answers if you ask."
        )
        question = _("Do you agree to take part?")
    return f"{body}\n\n{extra}\n\n{question}"


def in_progress_keyboard() -> InlineKeyboardMarkup:
    return markup(
        [
            [button(_("▶️ Continue the interview"), AssistCb(a="go").pack())],
            [button(_("🗑 Abandon it (its answers are deleted)"), AssistCb(a="drop").pack())],
        ]
    )


async def ask_language(chat_id: int, round_id: int, bot: Bot, services: Services, access: Access) -> None:
    if await services.assisted.current(access.contact) is not None:
        await bot.send_message(chat_id, _(AssistInProgress.user_message), reply_markup=in_progress_keyboard())
        return
    _rnd, survey = await services.runner.round_and_survey(round_id)
    buttons = [
        button(language_name(code), AssistCb(a="lang", r=round_id, lang=code).pack())
        for code in survey.languages
    ]
    await bot.send_message(
        chat_id,
        _("Assisted interview. In which language should the questions be asked?"),
        reply_markup=markup(columns(buttons, 2)),
    )


async def on_assist(
    message: Message, command: CommandObject, bot: Bot, services: Services, access: Access, locale: str
) -> None:
    round_id, _words = parse_round(command.args)
    if round_id is None:
        if await services.assisted.current(access.contact) is not None:
            await message.answer(_(AssistInProgress.user_message), reply_markup=in_progress_keyboard())
            return
        keyboard = await open_round_picker(services, "assist", locale)
        if keyboard is None:
            await message.answer(_("There is no consultation open right now."))
            return
        await message.answer(_("Which consultation is the interview for?"), reply_markup=keyboard)
        return
    await ask_language(message.chat.id, round_id, bot, services, access)


async def on_pick(
    query: CallbackQuery, callback_data: WorkerRoundCb, bot: Bot, services: Services, access: Access
) -> None:
    await query.answer()
    await ask_language(query.from_user.id, callback_data.r, bot, services, access)


async def on_step(
    query: CallbackQuery,
    callback_data: AssistCb,
    bot: Bot,
    services: Services,
    access: Access,
    ctx: AppContext,
) -> None:
    await query.answer()
    chat_id = query.from_user.id
    note = query.message if isinstance(query.message, Message) else None
    action = callback_data.a
    if action == "lang":
        await screens.settle(note, language_name(callback_data.lang))
        keyboard = markup(
            [
                [
                    button(
                        _("✅ The resident agrees"),
                        AssistCb(a="ok", r=callback_data.r, lang=callback_data.lang).pack(),
                    )
                ],
                [button(_("Cancel"), AssistCb(a="no").pack())],
            ]
        )
        await bot.send_message(chat_id, assisted_notice(ctx.settings.city_name, callback_data.lang))
        await bot.send_message(
            chat_id,
            _("Read this to the resident, or let them read it. Confirm only if they agree."),
            reply_markup=keyboard,
        )
    elif action == "ok":
        first = note.message_id + 1 if note is not None else None  # the interview's messages follow this one
        progress = await services.assisted.start(
            access.contact, callback_data.r, callback_data.lang, from_message_id=first
        )
        await services.audit.record(
            access.actor,
            "assist.start",
            target(callback_data.r),
            role=access.role,
            detail={"language": progress.language},
        )
        await screens.settle(note, _("The resident agrees"))
        await screens.show(bot, chat_id, progress)
    elif action == "no":
        await screens.settle(note, _("Cancel"))
        await bot.send_message(chat_id, _("Nothing was stored. Send /assist to start again."))
    elif action == "go":
        current = await services.assisted.current(access.contact)
        if current is not None:
            await screens.show(bot, chat_id, current, notes=False)
    elif action == "drop":
        await screens.settle(note)
        abandoned = await services.assisted.abandon(access.contact)
        if abandoned is not None:
            await services.audit.record(access.actor, "assist.abandon", None, role=access.role)
            if note is not None:
                await clear_interview(bot, chat_id, abandoned.from_message_id, note.message_id - 1)
        await bot.send_message(
            chat_id, _("The unfinished interview was deleted. Send /assist to start another.")
        )


async def clear_interview(bot: Bot, chat_id: int, first: int | None, last: int) -> None:
    """Delete an interview's messages from the worker's chat, from `first` to `last`: the questions, the
    answers typed or settled under them, the review. Once it is sent or abandoned the resident's answers
    are out of the worker's reach, and so off their phone. Message ids of a private chat count both
    sides' messages, so the range holds exactly the interview (and anything the worker sent meanwhile)."""
    if first is None or last < first:
        return
    ids = list(range(first, last + 1))
    try:
        for start in range(0, len(ids), DELETE_AT_ONCE):
            await bot.delete_messages(chat_id, ids[start : start + DELETE_AT_ONCE])
    except TelegramBadRequest as exc:  # older than Telegram lets a bot delete (48 hours)
        log.info("assist: could not clear an interview from the worker's chat: %s", exc.message)
        await bot.send_message(
            chat_id,
            _(
                "Some messages of the interview could not be removed from this chat: "
                "please delete them yourself."
            ),
        )


async def after_submit(
    bot: Bot, chat_id: int, services: Services, progress: Progress, review_message_id: int | None
) -> None:
    """Called once an assisted interview is submitted: its messages leave the worker's chat (up to the
    review, `review_message_id`), then the receipt code, shown this once."""
    if review_message_id is not None:
        await clear_interview(bot, chat_id, progress.response.assisted_from_message_id, review_message_id)
    code = await services.assisted.issue_receipt(progress.response)
    await bot.send_message(
        chat_id,
        _(
            "Receipt code for the resident: {code}\n\n"
            "Write it down and give it to them: with it, the City's staff can delete these answers if "
            "they ask. It is not shown again, and the answers can no longer be opened here.\n"
            "Next interview: /assist"
        ).format(code=shown_receipt(code)),
    )


def build_router() -> Router:
    router = Router(name="worker-assist")
    router.message.register(on_assist, Command("assist"), flags=WORKER)
    router.callback_query.register(on_pick, WorkerRoundCb.filter(F.a == "assist"), flags=WORKER)
    router.callback_query.register(on_step, AssistCb.filter(), flags=WORKER)
    return router
